using System.Collections.Concurrent;
using System.Globalization;
using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Logging;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Releases;
using Catalytic.Delivery.Routing;
using Catalytic.Delivery.Storage;
using Catalytic.Delivery.Targets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Delivery.Deployments;

/// <summary>
/// Runs deployments: one engine per server. Owns each environment's state (a snapshot swapped whole, see
/// <see cref="EnvironmentState"/>), talks to the router, the supervisor and the store, and records every state change
/// before acting on it. Restores the live versions at start. This file holds the requests a person or the API makes;
/// DeliveryEngine.Runs.cs how a deployment runs, DeliveryEngine.Restore.cs what happens at start.
/// </summary>
public sealed partial class DeliveryEngine : IAsyncDisposable
{
    private readonly Func<ConfigResult> _loadConfig;
    private readonly IDeliveryStore _store;
    private readonly ITrafficRouter _router;
    private readonly ReleaseStore _releases;
    private readonly ProcessSupervisor _supervisor;
    private readonly ReleaseAnalyzer _analyzer;
    private readonly TimeProvider _time;
    private readonly string _stateDirectory;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<(string, string), EnvironmentRuntime> _runtimes = new();
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Creates the engine; nothing starts until <see cref="RestoreAsync"/> or a deployment.</summary>
    /// <param name="logMasker">The command of the instances' log masking stage; null for this process's own catalytic executable (see <see cref="ProcessSupervisor"/>).</param>
    /// <param name="loggers">Where the engine, the supervisor and the analysis log; nowhere when null.</param>
    public DeliveryEngine(string stateDirectory, Func<ConfigResult> loadConfig, IDeliveryStore store, ITrafficRouter router, IVersionMetricsSource metrics, TimeProvider time,
        IReadOnlyList<string>? logMasker = null, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        _stateDirectory = stateDirectory;
        _loadConfig = loadConfig;
        _store = store;
        _router = router;
        _time = time;
        _log = loggers.CreateLogger<DeliveryEngine>();
        _releases = new ReleaseStore(Path.Combine(stateDirectory, "releases"), time);
        _supervisor = new ProcessSupervisor(stateDirectory, time, logMasker, loggers.CreateLogger<ProcessSupervisor>());
        _analyzer = new ReleaseAnalyzer(metrics, time);
        _supervisor.InstanceChanged += i => Runtime(i.App, i.Environment).Refresh(i);
    }

    /// <summary>The store in use.</summary>
    public IDeliveryStore Store => _store;

    /// <summary>The supervisor of local instances.</summary>
    public ProcessSupervisor Supervisor => _supervisor;

    /// <summary>The configuration as last loaded successfully.</summary>
    public DeliveryConfig? Config { get; private set; }

    /// <summary>Deployments that reached each terminal state, as "app|environment|state" → count (for /metrics).</summary>
    public IReadOnlyDictionary<string, long> Counters => _counters;

    /// <summary>The state of (app, environment) now: one consistent snapshot.</summary>
    public EnvironmentState State(string app, string environment) => Runtime(app, environment).State;

    /// <summary>The deployment of (app, environment) that a person can act on now (running, or waiting at a gate).</summary>
    public string? ActiveDeploymentId(string app, string environment) => State(app, environment).Active?.Id;

    /// <summary>The runtime of (app, environment), created on first use.</summary>
    internal EnvironmentRuntime Runtime(string app, string environment) =>
        _runtimes.GetOrAdd((app, environment), k => new EnvironmentRuntime(k.Item1, k.Item2, _router));

    /// <summary>Loads the configuration; on error returns every message with line:column and keeps the last good one.</summary>
    public DeliveryResult<DeliveryConfig> LoadConfig()
    {
        var result = _loadConfig();
        if (!result.Ok)
        {
            return new DeliveryError(DeliveryErrorKind.Invalid, "config", $"{result.Errors.Length} error(s) in configuration; nothing changed",
                [.. result.Errors.Select(e => e.ToString())]);
        }

        Config = result.Config!;
        return Config;
    }

    /// <summary>Validates (app, environment) against the configuration just loaded.</summary>
    public (EnvironmentConfig? Config, DeliveryError? Error) Resolve(string app, string environment)
    {
        var loaded = LoadConfig();
        if (loaded.Error is { } e)
        {
            return (null, e);
        }

        var a = loaded.Value!.FindApp(app);
        if (a is null)
        {
            return (null, new DeliveryError(DeliveryErrorKind.NotFound, "app", $"no app '{app}' in {loaded.Value.Path} (apps: {string.Join(", ", loaded.Value.Apps.Select(x => x.Name))})"));
        }

        var env = a.FindEnvironment(environment);
        return env is null
            ? (null, new DeliveryError(DeliveryErrorKind.NotFound, "environment", $"app '{app}' has no environment '{environment}' (environments: {string.Join(", ", a.Environments.Select(x => x.Name))})"))
            : (env, null);
    }

    /// <summary>
    /// Records the release and a pending deployment, then runs the strategy in the background.
    /// Returns the deployment as recorded; poll <see cref="IDeliveryStore.GetDeploymentAsync"/> for its progress.
    /// </summary>
    public async Task<DeliveryResult<Deployment>> DeployAsync(DeployRequest request, CancellationToken ct = default)
    {
        var (cfg, error) = Resolve(request.App, request.Environment);
        if (error is not null)
        {
            return error;
        }

        var strategy = cfg!.Strategy;
        if (request.Strategy is { } s && !DeliveryConfigParser.TryParseStrategy(s, out strategy))
        {
            return new DeliveryError(DeliveryErrorKind.Invalid, "strategy", $"strategy '{s}' must be rolling, blue-green or canary");
        }

        var runtime = Runtime(request.App, request.Environment);
        var created = _releases.Create(request.App, Path.GetFullPath(request.Artifact), request.Version);
        if (created.Error is not null)
        {
            return new DeliveryError(DeliveryErrorKind.Invalid, request.Version is not null && created.Error.Contains("version", StringComparison.Ordinal) ? "version" : "artifact", created.Error);
        }

        var release = created.Release!;
        if (!await _store.AddReleaseAsync(release, ct))
        {
            release = await _store.GetReleaseAsync(release.App, release.Version, ct) ?? release;
        }

        var now = _time.GetUtcNow();
        var queued = new QueuedDeployment(NewId(now), release.Version, new CancellationTokenSource());
        var arrival = await ArriveAsync(runtime, queued);
        var superseded = arrival.Superseded;
        if (arrival.Dropped is { } dropped)
        {
            await dropped.Dropped.CancelAsync();
        }

        var live = await _store.GetLiveAsync(request.App, request.Environment, ct);
        var previous = live is null ? null : await _store.GetReleaseAsync(request.App, live.Version, ct);
        var running = superseded is null ? null : await _store.GetDeploymentAsync(superseded.Id, ct);
        var by = request.By ?? "unknown";
        var strategyName = DeliveryConfigParser.StrategyName(strategy);
        var deployment = new Deployment(queued.Id, request.App, request.Environment, release.Version, live?.Version,
            strategyName, DeploymentState.Pending,
            $"{release.Version} requested by {by} ({strategyName}{(created.Reused ? ", existing release" : "")})" +
            (running is null ? "" : $"; supersedes {running.Id} ({running.Version}, {running.State.Name()}), whose traffic goes back to {live?.Version ?? "nothing"} first"),
            now, now, by);
        await _store.AddDeploymentAsync(deployment, ct);
        _log.DeploymentRequested(request.App, request.Environment, deployment.Id, release.Version, by, strategyName);
        if (arrival.Dropped is { } droppedOne)
        {
            await _store.TransitionAsync(droppedOne.Id, DeploymentState.Superseded, $"superseded by {queued.Id} ({release.Version}) before it started", _time.GetUtcNow(), ct);
            Count(request.App, request.Environment, DeploymentState.Superseded);
            _log.DeploymentSuperseded(request.App, request.Environment, droppedOne.Id, queued.Id);
        }

        if (superseded is not null && running is not null)
        {
            await _store.AddEventAsync(new DeploymentEvent(superseded.Id, _time.GetUtcNow(), running.State,
                $"superseded by {queued.Id} ({release.Version}) requested by {by}; returning traffic to {running.PreviousVersion ?? "nothing"}"), ct);
            _log.DeploymentSuperseded(request.App, request.Environment, superseded.Id, queued.Id);
            await superseded.Signals.InterruptAsync();
        }

        Start(deployment, release, previous, cfg with { Strategy = strategy }, runtime, queued, new RunningDeployment(deployment.Id, new DeploymentSignals(_shutdown.Token)), lease: null);
        return deployment;
    }

    /// <summary>Queues <paramref name="queued"/>, waiting first for a run that is committing its success (it cannot be superseded any more).</summary>
    private static async Task<Arrival.Queued> ArriveAsync(EnvironmentRuntime runtime, QueuedDeployment queued)
    {
        while (true)
        {
            var arrival = runtime.Update(s =>
            {
                var a = EnvironmentDecisions.Arrive(s, queued);
                return (a is Arrival.Queued q ? q.Next : s, a);
            });
            if (arrival is Arrival.Queued done)
            {
                return done;
            }

            // The running deployment is recording its success: it is live in a moment and this one follows it.
            await ((Arrival.AfterCommit)arrival).Committing.Signals.Finished;
        }
    }

    /// <summary>
    /// Decides the gate of the deployment waiting in (app, environment). The decision is recorded before it takes effect,
    /// and the answer comes once the deployment recorded it and left the gate, so a client that waits next never sees
    /// the gate it just passed.
    /// </summary>
    public async Task<DeliveryResult<Deployment>> DecideAsync(string app, string environment, string? id, bool approve, string by, string? comment = null, CancellationToken ct = default)
    {
        var runtime = Runtime(app, environment);
        GateCall Decide() => runtime.Update(s =>
        {
            var c = EnvironmentDecisions.Decide(s, id);
            return (c.Next, c);
        });

        var call = Decide();
        if (call.Error is not null && runtime.State.Active is { } active && (id is null || id == active.Id) && active.Signals.Opening is { } opening)
        {
            // Its waiting state is recorded (what the person saw) and its gate opens in a moment: decide then.
            await Task.WhenAny(opening, active.Signals.Finished).WaitAsync(ct);
            call = Decide();
        }

        if (call.Error is { } refused)
        {
            return refused;
        }

        var waiting = call.Waiting!;
        try
        {
            await _store.AddApprovalAsync(new Approval(waiting.Id, approve, by, _time.GetUtcNow(), comment), ct);
        }
        catch (Exception)
        {
            // Not recorded, so not decided: the gate opens again for the next decision.
            runtime.Update(s => EnvironmentDecisions.OpenGate(s, waiting.Id));
            throw;
        }

        _log.GateDecided(app, environment, waiting.Id, approve ? "approved" : "rejected", by);
        if (waiting.Signals.Decide(new GateDecision(approve, by, comment)) is { } left)
        {
            // Or the run ended another way meanwhile (superseded, rolled back): its record says how.
            await Task.WhenAny(left, waiting.Signals.Finished).WaitAsync(ct);
        }

        return (await _store.GetDeploymentAsync(waiting.Id, ct))!;
    }

    /// <summary>
    /// Rolls (app, environment) back. A running deployment is interrupted and its traffic returned to the previous
    /// release; otherwise <paramref name="to"/> (default: the version live before the current one) becomes live again,
    /// in one swap when it is still warm.
    /// </summary>
    public async Task<DeliveryResult<Deployment>> RollbackAsync(string app, string environment, string? to, string by, CancellationToken ct = default)
    {
        var (cfg, error) = Resolve(app, environment);
        if (error is not null)
        {
            return error;
        }

        var runtime = Runtime(app, environment);
        _log.RollbackRequested(app, environment, by);
        if (runtime.Update(EnvironmentDecisions.DropQueued) is { } waiting)
        {
            await waiting.Dropped.CancelAsync();
            await _store.TransitionAsync(waiting.Id, DeploymentState.Cancelled, $"cancelled before it started: rollback requested by {by}", _time.GetUtcNow(), ct);
            Count(app, environment, DeploymentState.Cancelled);
        }

        if (runtime.State.Active is { } active)
        {
            var running = await _store.GetDeploymentAsync(active.Id, ct);
            if (to is not null && to != running?.PreviousVersion)
            {
                return new DeliveryError(DeliveryErrorKind.Conflict, "to", $"deployment {active.Id} is running; it can only be rolled back to {running?.PreviousVersion ?? "nothing"}");
            }

            if (runtime.Update(s => EnvironmentDecisions.RequestRollback(s, active.Id, $"rollback requested by {by}")) is { } interrupted)
            {
                await interrupted.Signals.InterruptAsync();
            }

            return running!;
        }

        var live = await _store.GetLiveAsync(app, environment, ct);
        if (live is null)
        {
            return new DeliveryError(DeliveryErrorKind.NotFound, "environment", $"nothing is live in {app}/{environment}; there is nothing to roll back");
        }

        var previousOfLive = to is null && runtime.State.Warm is null ? (await _store.GetDeploymentAsync(live.DeploymentId, ct))?.PreviousVersion : null;
        var (target, targetError) = EnvironmentDecisions.RollbackTarget(runtime.State, live.Version, previousOfLive, to);
        if (targetError is not null)
        {
            return targetError;
        }

        var release = await _store.GetReleaseAsync(app, target!, ct);
        if (release is null)
        {
            return new DeliveryError(DeliveryErrorKind.NotFound, "to", $"no release {target} of {app} in the release store");
        }

        var busy = new DeliveryError(DeliveryErrorKind.Conflict, "environment", "another deployment just started; try again when it ends");
        var lease = await _store.TryAcquireLeaseAsync(app, environment, ct);
        if (lease is null)
        {
            return busy;
        }

        var current = await _store.GetReleaseAsync(app, live.Version, ct);
        var now = _time.GetUtcNow();
        var deployment = new Deployment(NewId(now), app, environment, target!, live.Version, "rollback", DeploymentState.Pending,
            $"rollback from {live.Version} to {target} requested by {by}", now, now, by);
        var rollback = new RunningDeployment(deployment.Id, new DeploymentSignals(_shutdown.Token));
        if (!runtime.Update(s => EnvironmentDecisions.StartRollback(s, rollback, cfg!) is { } next ? (next, true) : (s, false)))
        {
            await ReleaseAsync(lease, deployment);
            return busy;
        }

        try
        {
            await _store.AddDeploymentAsync(deployment, ct);
        }
        catch (Exception)
        {
            runtime.Update(s => EnvironmentDecisions.Finish(s, deployment.Id));
            await ReleaseAsync(lease, deployment);
            throw;
        }

        Start(deployment, release, current, cfg!, runtime, queued: null, rollback, lease);
        return deployment;
    }

    /// <summary>Log files of the instances of (app, environment) still running, newest release first.</summary>
    public IReadOnlyList<string> LogFiles(string app, string environment)
    {
        var running = _supervisor.Instances.Where(i => i.App == app && i.Environment == environment).Select(i => i.LogPath).ToList();
        if (running.Count > 0)
        {
            return running;
        }

        var dir = _supervisor.LogDirectory(app, environment);
        return Directory.Exists(dir) ? [.. new DirectoryInfo(dir).GetFiles("*.log").OrderByDescending(f => f.LastWriteTimeUtc).Take(4).Select(f => f.FullName)] : [];
    }

    /// <summary>The values of the secrets (app, environment) references, as the server resolves them now, for masking.</summary>
    public IReadOnlyList<string> SecretValues(string app, string environment) =>
        Config?.FindApp(app)?.FindEnvironment(environment) is { } env
            ? [.. env.Secrets.Values.Select(ResolveSecret).OfType<string>()]
            : [];

    /// <summary>Stops every deployment and instance; interrupted deployments are recorded at the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        var runs = _running.Keys.ToList();
        try
        {
            await Task.WhenAll(runs).WaitAsync(ShutdownWait, _time);
        }
        catch (TimeoutException)
        {
            _log.RunsOutlivedShutdown(runs.Count(r => !r.IsCompleted), Units.Format(ShutdownWait));
        }
        catch (Exception e)
        {
            // Each run logs its own failure; this is what escaped them.
            _log.RunFailedAtShutdown(e);
        }

        await _supervisor.DisposeAsync();
    }

    /// <summary>How long stopping waits for the runs to record where they stopped before the instances are stopped under them.</summary>
    private static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(10);

    private string? ResolveSecret(string name)
    {
        if (System.Environment.GetEnvironmentVariable("CATALYTIC_SECRET_" + DeploymentRun.SecretVariable(name)) is { Length: > 0 } v)
        {
            return v;
        }

        var file = Path.Combine(_stateDirectory, "secrets", name);
        return File.Exists(file) ? File.ReadAllText(file).TrimEnd('\n', '\r') : null;
    }

    private void Count(string app, string environment, DeploymentState state) =>
        _counters.AddOrUpdate($"{app}|{environment}|{state.Name()}", 1, (_, n) => n + 1);

    private static string NewId(DateTimeOffset now) =>
        "d-" + now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
}
