using System.Collections.Immutable;

namespace Catalytic.Delivery.Config;

/// <summary>The parsed `catalytic.yml`: every application and how it is delivered. Immutable; reloaded whole.</summary>
/// <param name="Path">The file it was read from (for messages).</param>
/// <param name="Apps">Applications by name, in file order.</param>
public sealed record DeliveryConfig(string Path, ImmutableArray<AppConfig> Apps)
{
    /// <summary>The application called <paramref name="name"/>, or null.</summary>
    public AppConfig? FindApp(string name) => Apps.FirstOrDefault(a => a.Name == name);
}

/// <summary>One application: how an instance starts and is checked, and its environments.</summary>
/// <param name="Name">Key under `apps:`.</param>
/// <param name="Run">Shell command started with /bin/sh -c inside the release folder; PORT is set per instance.</param>
/// <param name="Environments">Environments by name, in file order.</param>
public sealed record AppConfig(string Name, string Run, ImmutableArray<EnvironmentConfig> Environments)
{
    /// <summary>The environment called <paramref name="name"/>, or null.</summary>
    public EnvironmentConfig? FindEnvironment(string name) => Environments.FirstOrDefault(e => e.Name == name);
}

/// <summary>The delivery strategy of an environment.</summary>
public enum StrategyKind
{
    /// <summary>Replace instances one at a time, each healthy before the next.</summary>
    Rolling,

    /// <summary>Full new set beside the old one, one atomic switch.</summary>
    BlueGreen,

    /// <summary>Weighted steps with pauses and analysis.</summary>
    Canary,
}

/// <summary>
/// One environment of an application with every app-level default already folded in, so a strategy
/// reads one record. Values not given in the file carry the defaults documented in docs/delivery.md.
/// </summary>
public sealed record EnvironmentConfig
{
    /// <summary>Key under `environments:`.</summary>
    public required string Name { get; init; }

    /// <summary>Address the edge listens on for this environment (`listen:`), e.g. 127.0.0.1:18490.</summary>
    public required string Listen { get; init; }

    /// <summary>How the edge serves it on `listen:`: hosts, path, TLS, redirect, backend protocol, timeouts and limits.</summary>
    public EdgeConfig Edge { get; init; } = new();

    /// <summary>The shell command of an instance (the app's `run:`).</summary>
    public required string Run { get; init; }

    /// <summary>How many instances serve the environment (default 1).</summary>
    public int Instances { get; init; } = 1;

    /// <summary>Strategy used by `deploy` unless --strategy is given (default rolling).</summary>
    public StrategyKind Strategy { get; init; } = StrategyKind.Rolling;

    /// <summary>`approval: required` holds a deployment at waiting-for-approval before production traffic moves.</summary>
    public bool ApprovalRequired { get; init; }

    /// <summary>
    /// Who may decide for the environment when `approval:` is a mapping naming them (users, roles, prevent-self-review);
    /// null for the default (the approver and admin roles, self-review allowed). The server enforces it.
    /// </summary>
    public ApproverConfig? Approvers { get; init; }

    /// <summary>Environment variables for instances (app-level merged with environment-level).</summary>
    public ImmutableSortedDictionary<string, string> Env { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Secret references: variable name → secret name, resolved when an instance starts; never printed.</summary>
    public ImmutableSortedDictionary<string, string> Secrets { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Health check of every instance.</summary>
    public HealthConfig Health { get; init; } = new();

    /// <summary>Release analysis.</summary>
    public AnalysisConfig Analysis { get; init; } = new();

    /// <summary>Canary steps (canary strategy only); default 10%, 50% with a 30 s pause each.</summary>
    public ImmutableArray<CanaryStep> Steps { get; init; } = [];

    /// <summary>Cookie that keeps a client on the version it first got (canary stickiness); null for none.</summary>
    public string? StickyCookie { get; init; }

    /// <summary>How long the previous release stays warm after a switch so a rollback is one swap (default 30 s).</summary>
    public TimeSpan ScaleDownDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Command run once inside the new release folder before new instances start (migrations); null for none.</summary>
    public string? PreDeploy { get; init; }

    /// <summary>Requests made against the new release's own addresses before it takes traffic.</summary>
    public ImmutableArray<SmokeCheck> Smoke { get; init; } = [];

    /// <summary>
    /// Longest wait for requests in flight on an instance removed from routing before it is sent SIGTERM (default 30 s);
    /// the wait ends as soon as the edge forwards nothing to it any more.
    /// </summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time between SIGTERM and SIGKILL (default 10 s).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Health check of an instance: HTTP GET <see cref="Path"/> answered 2xx.</summary>
public sealed record HealthConfig
{
    /// <summary>Path requested (default /).</summary>
    public string Path { get; init; } = "/";

    /// <summary>Time between checks (default 1 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time a check may take (default 2 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive successes before an instance counts as healthy (default 1).</summary>
    public int HealthyThreshold { get; init; } = 1;

    /// <summary>How long a new instance may take to become healthy before the deployment fails (default 60 s).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>How a new release is judged on live traffic.</summary>
public sealed record AnalysisConfig
{
    /// <summary>Time between two checks (default 1 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The span of recent traffic each check reads (default 10 s). Also how long analysis lasts after a full switch.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Highest acceptable share of failed requests, 0–1 (default 0.05 = 5%).</summary>
    public double MaxErrorRate { get; init; } = 0.05;

    /// <summary>Highest acceptable p99 latency; null for no limit.</summary>
    public TimeSpan? MaxP99Latency { get; init; }

    /// <summary>Consecutive failed checks that roll the release back (default 2).</summary>
    public int FailureLimit { get; init; } = 2;

    /// <summary>Fewest requests in the window for a check to judge anything (default 10); below it the check is inconclusive.</summary>
    public int MinRequests { get; init; } = 10;

    /// <summary>An extra metric checked at each interval; null for none.</summary>
    public MetricCheck? Metric { get; init; }

    /// <summary>False turns analysis off (`analysis: false`).</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>
/// An extra analysis metric: an HTTP check (GET <see cref="Url"/>, pass on 2xx) or, when <see cref="Query"/> is set,
/// a Prometheus instant query against <see cref="Url"/> whose first value must not exceed <see cref="Max"/>.
/// The placeholders {version}, {app} and {environment} are replaced in both.
/// </summary>
public sealed record MetricCheck(string Url, string? Query, double? Max);

/// <summary>One canary step: send <see cref="Weight"/>% to the new release, wait <see cref="Pause"/>, analysing when <see cref="Analysis"/>.</summary>
public sealed record CanaryStep(int Weight, TimeSpan Pause, bool Analysis);

/// <summary>A request made against a new release before it takes traffic: GET <see cref="Path"/> must answer <see cref="Status"/> (and contain <see cref="Contains"/> when set).</summary>
public sealed record SmokeCheck(string Path, int Status = 200, string? Contains = null);

/// <summary>
/// The approval rule of a protected environment as catalytic.yml states it: these users and these roles (each role
/// including the ones above it) may approve, reject and roll back, instead of the default approver and admin roles;
/// with <see cref="PreventSelfReview"/> nobody approves a deployment they requested.
/// </summary>
public sealed record ApproverConfig(ImmutableArray<string> Users, ImmutableArray<string> Roles, bool PreventSelfReview);
