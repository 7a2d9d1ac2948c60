using System.Collections.Immutable;
using System.Diagnostics;
using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Logging;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Catalytic.Delivery.Targets;
using Catalytic.Delivery.Time;
using Catalytic.Platform.Secrets;
using Microsoft.Extensions.Logging;

namespace Catalytic.Delivery.Deployments;

/// <summary>
/// Everything a strategy may do during one deployment, each step recorded before it is taken:
/// start and check instances, move traffic, open the approval gate, analyse, roll back.
/// </summary>
internal sealed class DeploymentRun
{
    // Smoke checks time out on the run's clock (below); the client's own timer, on the system clock, is off.
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private static readonly TimeSpan SmokeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DrainSettle = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(20);
    private readonly IDeliveryStore _store;
    private readonly ProcessSupervisor _supervisor;
    private readonly ReleaseAnalyzer _analyzer;
    private readonly Func<string, string?> _secret;
    private readonly ILogger _log;
    private readonly HashSet<string> _secretValues = new(StringComparer.Ordinal);

    internal DeploymentRun(Deployment deployment, Release release, Release? previous, EnvironmentConfig config, EnvironmentRuntime runtime, DeploymentSignals signals,
        IDeliveryStore store, ProcessSupervisor supervisor, ReleaseAnalyzer analyzer, TimeProvider time, Func<string, string?> secret, ILogger log)
    {
        Deployment = deployment;
        Release = release;
        Previous = previous;
        Config = config;
        Runtime = runtime;
        Signals = signals;
        _store = store;
        _supervisor = supervisor;
        _analyzer = analyzer;
        Time = time;
        _secret = secret;
        _log = log;
    }

    /// <summary>The deployment as last recorded.</summary>
    public Deployment Deployment { get; private set; }

    /// <summary>The release being deployed.</summary>
    public Release Release { get; }

    /// <summary>The release live before (null for the first deployment).</summary>
    public Release? Previous { get; }

    /// <summary>The environment's configuration.</summary>
    public EnvironmentConfig Config { get; }

    /// <summary>The environment's live state.</summary>
    public EnvironmentRuntime Runtime { get; }

    /// <summary>Interruption, end and gate hand-over of this deployment.</summary>
    public DeploymentSignals Signals { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    // The strategy's working set of this one run (not shared: only the run's own task reads and writes it).

    /// <summary>Instances of the previous release still running (shrinks as a rolling deployment retires them).</summary>
    public ImmutableArray<Instance> OldInstances { get; set; } = [];

    /// <summary>Who let the deployment go on after an inconclusive analysis, if anyone (for the final reason).</summary>
    public string? InconclusiveApprovedBy { get; set; }

    /// <summary>Instances of the new release started so far.</summary>
    public ImmutableArray<Instance> NewInstances { get; set; } = [];

    /// <summary>
    /// Puts all traffic back on the previous release in one swap: tops its instances up to the configured count
    /// first when some were retired (rolling), then routes, then retires the new instances after draining.
    /// With no previous release the environment is left without routes.
    /// </summary>
    public async Task RestorePreviousAsync(string reason, CancellationToken ct)
    {
        var previous = Previous;
        await TransitionAsync(DeploymentState.InProgress, previous is null
            ? $"taking {Release.Version} out of routing (no previous release to return to): {reason}"
            : $"rolling back to {previous.Version}: {reason}");
        if (previous is not null && OldInstances.Length < Config.Instances)
        {
            var (more, error) = await StartAsync(previous, Config.Instances - OldInstances.Length, ct);
            if (error is not null && OldInstances.IsEmpty)
            {
                await NoteAsync($"could not restart {previous.Version}: {error}; {Release.Version} keeps serving");
                return;
            }

            OldInstances = OldInstances.AddRange(more);
        }

        if (previous is null)
        {
            Runtime.Route();
        }
        else
        {
            Runtime.Route(new RouteEntry(previous.Version, 100, OldInstances));
        }

        var retired = NewInstances;
        NewInstances = [];
        // The outcome is recorded now; the new instances drain and stop behind it.
        _ = RetireLoggedAsync(retired, Release.Version);
    }

    private async Task RetireLoggedAsync(ImmutableArray<Instance> instances, string version)
    {
        try
        {
            await RetireAsync(instances, CancellationToken.None);
        }
        catch (Exception e)
        {
            _log.RetireFailed(e, Runtime.App, Runtime.Environment, version);
        }
    }

    /// <summary>Records a state change (before the step it announces is taken).</summary>
    public async Task TransitionAsync(DeploymentState state, string reason) =>
        Deployment = await _store.TransitionAsync(Deployment.Id, state, reason, Time.GetUtcNow());

    /// <summary>Records an observation without changing the state.</summary>
    public Task NoteAsync(string message) => _store.AddEventAsync(new DeploymentEvent(Deployment.Id, Time.GetUtcNow(), Deployment.State, message));

    /// <summary>Runs pre-deploy once in the new release folder; returns the failure, or null.</summary>
    public async Task<string?> PreDeployAsync(CancellationToken ct)
    {
        if (Config.PreDeploy is not { } command)
        {
            return null;
        }

        await TransitionAsync(DeploymentState.InProgress, $"running pre-deploy: {command}");
        var psi = new ProcessStartInfo("/bin/sh") { WorkingDirectory = Release.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        var env = InstanceEnv(out var missing);
        if (missing is not null)
        {
            return missing;
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        var logPath = Path.Combine(_supervisor.LogDirectory(Runtime.App, Runtime.Environment), $"pre-deploy-{Release.Version}.log");
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        await File.WriteAllTextAsync(logPath, Mask(await stdout + await stderr), CancellationToken.None);
        return p.ExitCode == 0 ? null : $"pre-deploy `{command}` exited with code {p.ExitCode}; nothing was started and no traffic moved (output: {logPath})";
    }

    /// <summary>Starts <paramref name="count"/> instances of <paramref name="release"/> and waits until all are healthy; on failure stops them and returns the reason.</summary>
    public async Task<(ImmutableArray<Instance> Instances, string? Error)> StartAsync(Release release, int count, CancellationToken ct)
    {
        var env = InstanceEnv(out var missing);
        if (missing is not null)
        {
            return ([], missing);
        }

        var logDir = _supervisor.LogDirectory(Runtime.App, Runtime.Environment);
        var started = Enumerable.Range(0, count).Select(_ => _supervisor.Start(new InstanceSpec(Runtime.App, Runtime.Environment, release.Version, release.Path,
            Config.Run, env, [.. _secretValues], Config.Health, Config.StopTimeout, Path.Combine(logDir, $"{release.Version}-{Guid.NewGuid().ToString("N")[..6]}.log")))).ToImmutableArray();
        bool[] healthy;
        try
        {
            healthy = await Task.WhenAll(started.Select(i => i.WaitHealthyAsync(Config.Health.StartTimeout, ct)));
        }
        catch (OperationCanceledException)
        {
            // Interrupted (rollback, superseded, shutdown) before they were handed over: nobody else knows them.
            await Task.WhenAll(started.Select(_supervisor.StopAsync));
            throw;
        }

        if (healthy.All(h => h))
        {
            return (started, null);
        }

        var bad = started.Where((_, n) => !healthy[n]).ToList();
        var reason = $"{bad.Count} of {count} new instance(s) of {release.Version} not healthy within {Units.Format(Config.Health.StartTimeout)} " +
            $"(GET {Config.Health.Path}; {string.Join(", ", bad.Select(b => $"port {b.Port}: {b.Health.ToString().ToLowerInvariant()}, {b.Restarts} restart(s)"))}; log: {bad[0].LogPath})";
        await Task.WhenAll(started.Select(_supervisor.StopAsync));
        return ([], reason);
    }

    /// <summary>Runs the smoke checks against the instances' own addresses; returns the first failure, or null.</summary>
    public async Task<string?> SmokeAsync(ImmutableArray<Instance> instances, CancellationToken ct)
    {
        foreach (var check in Config.Smoke)
        {
            foreach (var instance in instances)
            {
                var url = new Uri(instance.Address, check.Path.TrimStart('/'));
                using var deadline = new Deadline(SmokeTimeout, Time, ct);
                try
                {
                    using var r = await Http.GetAsync(url, deadline.Token);
                    var body = await r.Content.ReadAsStringAsync(deadline.Token);
                    if ((int)r.StatusCode != check.Status)
                    {
                        return $"smoke check GET {check.Path} on {instance.Address} answered {(int)r.StatusCode}, expected {check.Status}";
                    }

                    if (check.Contains is { } text && !body.Contains(text, StringComparison.Ordinal))
                    {
                        return $"smoke check GET {check.Path} on {instance.Address}: body does not contain '{text}'";
                    }
                }
                catch (HttpRequestException e)
                {
                    return $"smoke check GET {check.Path} on {instance.Address} failed: {e.Message}";
                }
                catch (OperationCanceledException) when (deadline.Expired && !ct.IsCancellationRequested)
                {
                    return $"smoke check GET {check.Path} on {instance.Address} did not answer within {Units.Format(SmokeTimeout)}";
                }
            }
        }

        if (!Config.Smoke.IsEmpty)
        {
            await NoteAsync($"{Config.Smoke.Length} smoke check(s) passed on {instances.Length} instance(s)");
        }

        return null;
    }

    /// <summary>
    /// Holds the deployment at waiting-for-approval with <paramref name="reason"/> until a person decides.
    /// Returns the decision (its record is written by the engine when it is made).
    /// </summary>
    public async Task<GateDecision> GateAsync(string reason, CancellationToken ct)
    {
        // Recorded first, then opened: a decision is only taken for a gate a person can see. A decision that comes between
        // the two (it saw the record) waits for the opening (Signals.Opening) rather than finding no gate.
        var gate = Signals.Arm();
        await TransitionAsync(DeploymentState.WaitingForApproval, reason);
        Runtime.Update(s => EnvironmentDecisions.OpenGate(s, Deployment.Id));
        gate.MarkOpened();
        _log.GateOpened(Runtime.App, Runtime.Environment, Deployment.Id, reason);
        GateDecision d;
        try
        {
            d = await gate.Decision.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Runtime.Update(s => EnvironmentDecisions.CloseGate(s, Deployment.Id));
            throw;
        }

        try
        {
            await TransitionAsync(DeploymentState.InProgress, $"{(d.Approved ? "approved" : "rejected")} by {d.By}{(d.Comment is null ? "" : $": {d.Comment}")}");
        }
        finally
        {
            // The person who decided gets the answer now: the run has left the gate.
            gate.MarkLeft();
        }

        return d;
    }

    /// <summary>Analyses <paramref name="version"/> for <paramref name="duration"/>, recording every check with its numbers.</summary>
    public Task<AnalysisOutcome> AnalyseAsync(string version, TimeSpan duration, CancellationToken ct) =>
        _analyzer.RunAsync(Runtime.App, Runtime.Environment, version, Config.Analysis, duration, c =>
        {
            _log.AnalysisCheck(Runtime.App, Runtime.Environment, version, c.Message);
            return NoteAsync($"analysis of {version}: {c.Message}");
        }, ct);

    /// <summary>
    /// Takes instances out of service once they are out of routing: waits until the edge forwards no request to any of
    /// them (at most <see cref="EnvironmentConfig.Drain"/>), then stops them (SIGTERM, SIGKILL after stop-timeout).
    /// They are stopped even when the wait is interrupted, so a cancelled deployment leaves no unrouted instance behind.
    /// </summary>
    public async Task RetireAsync(IEnumerable<Instance> instances, CancellationToken ct = default)
    {
        var list = instances.ToList();
        if (list.Count == 0)
        {
            return;
        }

        try
        {
            var left = await DrainAsync(list, ct);
            if (left > 0)
            {
                await NoteAsync($"{left} request(s) still in flight on {string.Join(", ", list.Select(i => i.Version + " :" + i.Port).Distinct())} after drain {Units.Format(Config.Drain)}; stopping anyway");
            }
        }
        finally
        {
            await Task.WhenAll(list.Select(_supervisor.StopAsync));
        }
    }

    /// <summary>Waits until the router forwards nothing to <paramref name="instances"/>, at most the drain time; returns the requests still in flight.</summary>
    private async Task<int> DrainAsync(List<Instance> instances, CancellationToken ct)
    {
        var start = Time.GetTimestamp();
        // A request that read the previous table an instant before the swap may not be counted yet: give it a moment.
        await Task.Delay(TimeSpan.FromTicks(Math.Min(DrainSettle.Ticks, Config.Drain.Ticks)), Time, ct);
        while (true)
        {
            var inFlight = instances.Sum(Runtime.InFlight);
            if (inFlight == 0 || Time.GetElapsedTime(start) >= Config.Drain)
            {
                return inFlight;
            }

            await Task.Delay(DrainPoll, Time, ct);
        }
    }

    /// <summary>Stops instances without draining (they never took traffic).</summary>
    public Task DiscardAsync(IEnumerable<Instance> instances) => Task.WhenAll(instances.Select(_supervisor.StopAsync));

    /// <summary>The variables given to every instance: env, then resolved secrets. <paramref name="missing"/> names an unresolved secret.</summary>
    private Dictionary<string, string> InstanceEnv(out string? missing)
    {
        missing = null;
        var env = new Dictionary<string, string>(Config.Env, StringComparer.Ordinal);
        foreach (var (variable, secret) in Config.Secrets)
        {
            if (_secret(secret) is { } value)
            {
                env[variable] = value;
                _secretValues.Add(value);
            }
            else
            {
                missing = $"secret '{secret}' (for {variable}) is not set; set CATALYTIC_SECRET_{SecretVariable(secret)} in the server's environment or write .catalytic/secrets/{secret}";
            }
        }

        return env;
    }

    /// <summary><paramref name="text"/> with every secret value this deployment resolved replaced by ***.</summary>
    public string Mask(string text) => SecretMasker.Apply(text, _secretValues);

    /// <summary>The server environment variable that holds a secret: CATALYTIC_SECRET_ + upper-case name with '-' and '.' as '_'.</summary>
    public static string SecretVariable(string secret) => secret.ToUpperInvariant().Replace('-', '_').Replace('.', '_');
}
