using System.Collections.Immutable;
using Catalytic.Status.Conditions;

namespace Catalytic.Status.Config;

/// <summary>
/// The `checks:`, `notifications:`, `alerts:` and `status:` sections of catalytic.yml, parsed and immutable.
/// Defaults are documented in docs/status.md.
/// </summary>
public sealed record StatusConfig
{
    /// <summary>An empty configuration: nothing checked, nothing routed.</summary>
    public static StatusConfig Empty { get; } = new();

    /// <summary>Checks by name, in file order (the edge's own health checks are added by the host).</summary>
    public ImmutableArray<CheckConfig> Checks { get; init; } = [];

    /// <summary>Channels by name.</summary>
    public ImmutableDictionary<string, ChannelConfig> Channels { get; init; } = ImmutableDictionary<string, ChannelConfig>.Empty;

    /// <summary>The routing tree's top-level routes (first match wins unless `continue`).</summary>
    public ImmutableArray<RouteConfig> Routes { get; init; } = [];

    /// <summary>Inhibition rules; the built-in one (critical environment-down mutes the environment's warnings) comes first.</summary>
    public ImmutableArray<InhibitRule> Inhibit { get; init; } = [InhibitRule.EnvironmentDown];

    /// <summary>Scheduled summaries.</summary>
    public ImmutableArray<ReportConfig> Reports { get; init; } = [];

    /// <summary>Settings of the built-in alert kinds, by kind name (see <see cref="AlertKindSettings"/>).</summary>
    public ImmutableDictionary<string, AlertKindSettings> AlertKinds { get; init; } = ImmutableDictionary<string, AlertKindSettings>.Empty;

    /// <summary>Check every environment the edge serves on its health path (`status: edge-checks`, default true).</summary>
    public bool EdgeChecks { get; init; } = true;

    /// <summary>How long raw check results are kept (`status: keep`, default 90 days); hourly and daily summaries are kept 400 days.</summary>
    public TimeSpan Keep { get; init; } = TimeSpan.FromDays(90);

    /// <summary>The public status page.</summary>
    public StatusPageConfig Page { get; init; } = new();

    /// <summary>Base URL of the dashboard, for links in notifications (`status: url`); null leaves links out.</summary>
    public Uri? DashboardUrl { get; init; }

    /// <summary>The settings of <paramref name="kind"/>, or its defaults.</summary>
    public AlertKindSettings Kind(string kind) => AlertKinds.TryGetValue(kind, out var s) ? s : AlertKindSettings.Defaults(kind);
}

/// <summary>What a check's URL scheme asks for.</summary>
public enum CheckKind
{
    /// <summary>http:// or https://</summary>
    Http,

    /// <summary>tcp://host:port — a connection.</summary>
    Tcp,

    /// <summary>tls://host:port — a connection and a TLS handshake.</summary>
    Tls,

    /// <summary>dns://server/name — one query.</summary>
    Dns,
}

/// <summary>One configured condition and whether its failure only degrades the check.</summary>
public sealed record CheckCondition(Condition Condition, bool DegradedOnly);

/// <summary>One check (`checks.NAME`).</summary>
public sealed record CheckConfig
{
    /// <summary>Key under `checks:` (edge checks: edge/APP/ENVIRONMENT).</summary>
    public required string Name { get; init; }

    /// <summary>What is checked.</summary>
    public required Uri Url { get; init; }

    /// <summary>Probe kind, from the scheme.</summary>
    public CheckKind Kind { get; init; }

    /// <summary>Time between probes (default 60 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time a probe may take (default 10 s, at most the interval).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>HTTP method (default GET).</summary>
    public string Method { get; init; } = "GET";

    /// <summary>HTTP request headers.</summary>
    public ImmutableSortedDictionary<string, string> Headers { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>HTTP request body.</summary>
    public string? Body { get; init; }

    /// <summary>Accept any certificate on https (the expiry is still read).</summary>
    public bool Insecure { get; init; }

    /// <summary>The DNS query type (A, AAAA, MX…; default A).</summary>
    public string DnsQueryType { get; init; } = "A";

    /// <summary>Conditions; each is evaluated and reported on every probe. Default: [STATUS] &lt; 400 for HTTP, [CONNECTED] == true otherwise.</summary>
    public ImmutableArray<CheckCondition> Conditions { get; init; } = [];

    /// <summary>Consecutive failed probes before the check is down (default 3).</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>Consecutive passed probes before a down check is up again (default 2).</summary>
    public int SuccessThreshold { get; init; } = 2;

    /// <summary>Severity of the check-down alert (default critical); degraded is always warning.</summary>
    public string Severity { get; init; } = "critical";

    /// <summary>Extra labels on its alerts and metrics (app, environment, team…).</summary>
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Troubleshooting guide shown in every notification of this check.</summary>
    public string? Runbook { get; init; }

    /// <summary>Windows in which alerts are silenced but results are recorded.</summary>
    public ImmutableArray<MaintenanceWindow> Maintenance { get; init; } = [];

    /// <summary>The server as a location of <see cref="From"/> (and of results).</summary>
    public const string Local = "local";

    /// <summary>Every remote worker, as a location of <see cref="From"/>; each reports under its own name.</summary>
    public const string Workers = "workers";

    /// <summary>Where it runs: <see cref="Local"/> (the server) and/or <see cref="Workers"/> (each remote worker).</summary>
    public ImmutableArray<string> From { get; init; } = [Local];

    /// <summary>
    /// How many locations must see it down for the verdict to be down (default 1; with workers, 2). Counted among the
    /// locations that reported within three intervals, and never more than there are of those.
    /// </summary>
    public int Quorum { get; init; } = 1;

    /// <summary>The server probes it itself.</summary>
    public bool RunsLocally => From.Contains(Local);

    /// <summary>Remote workers probe it and report (see <c>StatusService.ObserveRemoteAsync</c>).</summary>
    public bool RunsOnWorkers => From.Contains(Workers);

    /// <summary>Shown on the public status page (default true).</summary>
    public bool Public { get; init; } = true;

    /// <summary>Where the check was defined (file:line:column), for messages.</summary>
    public string Source { get; init; } = "";

    /// <summary>The URL as shown anywhere (messages, API, CLI): no user information and no query, either of which may hold a credential.</summary>
    public string Target => $"{Url.Scheme}://{Url.Authority}{Url.AbsolutePath}";
}

/// <summary>A recurring window: from <see cref="Start"/> for <see cref="Duration"/> on the given days, in <see cref="TimeZone"/>.</summary>
public sealed record MaintenanceWindow(TimeOnly Start, TimeSpan Duration, ImmutableArray<DayOfWeek> Every, TimeZoneInfo TimeZone)
{
    /// <summary>True when <paramref name="now"/> falls inside a window (one that began today or on an earlier day and still runs).</summary>
    public bool Contains(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, TimeZone);
        // A window may run past midnight (or for days): look back as many days as it lasts.
        for (var back = 0; back <= (int)Math.Ceiling(Duration.TotalDays); back++)
        {
            var day = local.Date.AddDays(-back);
            if (!Every.IsEmpty && !Every.Contains(day.DayOfWeek))
            {
                continue;
            }

            var startLocal = day + Start.ToTimeSpan();
            var start = new DateTimeOffset(startLocal, TimeZone.GetUtcOffset(startLocal));
            if (now >= start && now < start + Duration)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A notification channel (`notifications.channels.NAME`); exactly one of the kinds is set.</summary>
public sealed record ChannelConfig
{
    /// <summary>Key under `channels:`.</summary>
    public required string Name { get; init; }

    /// <summary>Slack incoming webhook.</summary>
    public SlackChannelConfig? Slack { get; init; }

    /// <summary>Email over SMTP.</summary>
    public EmailChannelConfig? Email { get; init; }

    /// <summary>Generic webhook.</summary>
    public WebhookChannelConfig? Webhook { get; init; }

    /// <summary>"slack", "email" or "webhook".</summary>
    public string KindName => Slack is not null ? "slack" : Email is not null ? "email" : "webhook";
}

/// <summary>Slack: the incoming webhook URL is itself a credential, so it may come from a secret.</summary>
/// <param name="WebhookUrl">Literal URL, or null when <paramref name="WebhookUrlSecret"/> names the secret holding it.</param>
public sealed record SlackChannelConfig(string? WebhookUrl, string? WebhookUrlSecret);

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpTls
{
    /// <summary>Plain connection (a relay on loopback).</summary>
    None,

    /// <summary>STARTTLS after connecting (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,
}

/// <summary>Email over SMTP through MailKit; the password is a secret's name, never a literal.</summary>
public sealed record EmailChannelConfig(string Host, int Port, SmtpTls Tls, string From, ImmutableArray<string> To, string? Username, string? PasswordSecret);

/// <summary>A generic webhook: Alertmanager's version-4 payload or Catalytic's own, HMAC-SHA256-signed when a secret is named.</summary>
public sealed record WebhookChannelConfig(string Url, string Format, string? SecretName);

/// <summary>One node of the routing tree.</summary>
public sealed record RouteConfig
{
    /// <summary>Label equality matchers (all must hold); empty matches everything.</summary>
    public ImmutableSortedDictionary<string, string> Match { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Label regular-expression matchers (anchored, as Alertmanager's).</summary>
    public ImmutableSortedDictionary<string, string> MatchRe { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Channels notified.</summary>
    public ImmutableArray<string> To { get; init; } = [];

    /// <summary>Labels that make a group; "..." (the default) groups by every label, so each alert is its own group.</summary>
    public ImmutableArray<string> GroupBy { get; init; } = ["..."];

    /// <summary>Wait before a new group's first notification (default 30 s).</summary>
    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before notifying a group again about new or resolved alerts (default 5 m with a group-by, 10 s with the per-alert default).</summary>
    public TimeSpan GroupInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait before repeating an unchanged firing group (default 4 h).</summary>
    public TimeSpan RepeatInterval { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Notify when the group's alerts resolve (default true).</summary>
    public bool SendResolved { get; init; } = true;

    /// <summary>Keep matching the following siblings after this one matched.</summary>
    public bool Continue { get; init; }

    /// <summary>A critical alert not acknowledged within this long goes to the next channel of <see cref="EscalateTo"/>.</summary>
    public TimeSpan? EscalateAfter { get; init; }

    /// <summary>The escalation chain, one channel (or more) per step.</summary>
    public ImmutableArray<string> EscalateTo { get; init; } = [];

    /// <summary>Child routes, tried in order when this one matches.</summary>
    public ImmutableArray<RouteConfig> Routes { get; init; } = [];

    /// <summary>A stable name for the notification log ("0", "0.1"…).</summary>
    public string Key { get; init; } = "";
}

/// <summary>An inhibition rule: a firing source alert mutes target alerts that agree with it on <see cref="Equal"/>.</summary>
public sealed record InhibitRule(ImmutableSortedDictionary<string, string> Source, ImmutableSortedDictionary<string, string> Target, ImmutableArray<string> Equal)
{
    /// <summary>A critical environment-down alert mutes the warnings of the same app and environment.</summary>
    public static InhibitRule EnvironmentDown { get; } = new(
        ImmutableSortedDictionary<string, string>.Empty.Add("alertname", "environment-down").Add("severity", "critical"),
        ImmutableSortedDictionary<string, string>.Empty.Add("severity", "warning"),
        ["app", "environment"]);
}

/// <summary>A scheduled summary: `every: daily|weekly`, `at: HH:MM`, `day` (weekly), `timezone`, `to: [channels]`.</summary>
public sealed record ReportConfig(string Name, bool Weekly, TimeOnly At, DayOfWeek Day, TimeZoneInfo TimeZone, ImmutableArray<string> To);

/// <summary>The public page (`status: page`).</summary>
public sealed record StatusPageConfig
{
    /// <summary>Serve /status without login (default true).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Heading of the page.</summary>
    public string Title { get; init; } = "Service status";
}

/// <summary>Settings of one built-in alert kind (`alerts.KIND`): severity, runbook, on/off and the kind's threshold.</summary>
public sealed record AlertKindSettings
{
    /// <summary>Raise this kind (default true).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Severity of the alert (each kind has its default).</summary>
    public required string Severity { get; init; }

    /// <summary>Troubleshooting guide linked from every notification of this kind.</summary>
    public string? Runbook { get; init; }

    /// <summary>approval-waiting: how long a deployment may wait at its gate (default 30 m).</summary>
    public TimeSpan After { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>deployment-success-rate: the lowest acceptable share over 7 days (default 0.9); slo-burn-rate: the objective (default 0.999).</summary>
    public double Threshold { get; init; }

    /// <summary>The built-in kinds and their default severities.</summary>
    public static readonly ImmutableSortedDictionary<string, string> KindSeverities = new Dictionary<string, string>
    {
        ["run-failed"] = "critical",
        ["deployment-failed"] = "critical",
        ["deployment-rolled-back"] = "critical",
        ["approval-waiting"] = "warning",
        ["worker-lost"] = "warning",
        ["check-down"] = "critical",
        ["check-degraded"] = "warning",
        ["environment-down"] = "critical",
        ["certificate-expiring"] = "warning",
        ["deployment-success-rate"] = "warning",
        ["slo-burn-rate"] = "critical",
    }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    /// <summary>The defaults of <paramref name="kind"/>.</summary>
    public static AlertKindSettings Defaults(string kind) => new()
    {
        Severity = KindSeverities.TryGetValue(kind, out var s) ? s : "warning",
        Threshold = kind switch { "deployment-success-rate" => 0.9, "slo-burn-rate" => 0.999, _ => 0 },
    };
}
