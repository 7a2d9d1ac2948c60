using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Releases;
using Catalytic.Delivery.Routing;
using Catalytic.Delivery.Storage;
using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Deployments;

/// <summary>A request to ship an artifact to an environment.</summary>
/// <param name="Artifact">Folder copied into the release store.</param>
/// <param name="Version">Release version; defaults to the artifact's content hash.</param>
/// <param name="Strategy">rolling | blue-green | canary; defaults to the environment's.</param>
/// <param name="By">Who asked (recorded).</param>
public sealed record DeployRequest(string App, string Environment, string Artifact, string? Version = null, string? Strategy = null, string? By = null);

/// <summary>Why a request was refused: the field at fault and what is wrong. <see cref="Kind"/> maps to an HTTP status.</summary>
public sealed record DeliveryError(DeliveryErrorKind Kind, string Field, string Message, ImmutableArray<string> Details = default);

/// <summary>Classes of refusal.</summary>
public enum DeliveryErrorKind
{
    /// <summary>Bad input (400).</summary>
    Invalid,

    /// <summary>No such app, environment, release or deployment (404).</summary>
    NotFound,

    /// <summary>Not possible in the current state, e.g. a deployment already running (409).</summary>
    Conflict,
}

/// <summary>A value or the reason there is none.</summary>
public sealed record DeliveryResult<T>(T? Value, DeliveryError? Error) where T : class
{
    /// <summary>Success.</summary>
    public static implicit operator DeliveryResult<T>(T value) => new(value, null);

    /// <summary>Failure.</summary>
    public static implicit operator DeliveryResult<T>(DeliveryError error) => new(null, error);
}

/// <summary>
/// Runs deployments: one engine per server. Owns the environments' runtimes, talks to the router, the supervisor
/// and the store, and records every state change before acting on it. Restores the live versions at start.
/// </summary>
public sealed class DeliveryEngine : IAsyncDisposable
{
    private readonly Func<ConfigResult> _loadConfig;
    private readonly IDeliveryStore _store;
    private readonly ITrafficRouter _router;
    private readonly ReleaseStore _releases;
    private readonly ProcessSupervisor _supervisor;
    private readonly ReleaseAnalyzer _analyzer;
    private readonly TimeProvider _time;
    private readonly string _stateDirectory;
    private readonly ConcurrentDictionary<(string, string), EnvironmentRuntime> _runtimes = new();
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Creates the engine; nothing starts until <see cref="RestoreAsync"/> or a deployment.</summary>
    /// <param name="logMasker">The command of the instances' log masking stage; null for this process's own catalytic executable (see <see cref="ProcessSupervisor"/>).</param>
    public DeliveryEngine(string stateDirectory, Func<ConfigResult> loadConfig, IDeliveryStore store, ITrafficRouter router, IVersionMetricsSource metrics, TimeProvider time, IReadOnlyList<string>? logMasker = null)
    {
        _stateDirectory = stateDirectory;
        _loadConfig = loadConfig;
        _store = store;
        _router = router;
        _time = time;
        _releases = new ReleaseStore(Path.Combine(stateDirectory, "releases"), time);
        _supervisor = new ProcessSupervisor(stateDirectory, time, logMasker);
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

    /// <summary>The runtime of (app, environment), created on first use.</summary>
    public EnvironmentRuntime Runtime(string app, string environment) =>
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

        // A newer deployment supersedes the one running (as Argo Rollouts and Flagger do): the running one hands its
        // traffic back to the release that was live and ends `superseded`; one waiting its turn is dropped.
        var now = _time.GetUtcNow();
        var queued = new QueuedDeployment(NewId(now), release.Version);
        ActiveDeployment? superseded;
        QueuedDeployment? dropped;
        while (true)
        {
            Task? committing = null;
            lock (runtime.Decisions)
            {
                superseded = runtime.Active;
                if (superseded is { Committing: true })
                {
                    committing = superseded.Finished.Task;
                }
                else
                {
                    if (superseded is not null && superseded.SupersededBy is null)
                    {
                        superseded.SupersededBy = queued.Id;
                    }

                    dropped = runtime.Queued;
                    dropped?.SupersededBy = queued.Id;
                    runtime.Queued = queued;
                    break;
                }
            }

            // The running deployment is recording its success: it is live in a moment and this one follows it.
            await committing;
        }

        var live = await _store.GetLiveAsync(request.App, request.Environment, ct);
        var previous = live is null ? null : await _store.GetReleaseAsync(request.App, live.Version, ct);
        var running = superseded is null ? null : await _store.GetDeploymentAsync(superseded.Id, ct);
        var by = request.By ?? "unknown";
        var deployment = new Deployment(queued.Id, request.App, request.Environment, release.Version, live?.Version,
            DeliveryConfigParser.StrategyName(strategy), DeploymentState.Pending,
            $"{release.Version} requested by {by} ({DeliveryConfigParser.StrategyName(strategy)}{(created.Reused ? ", existing release" : "")})" +
            (running is null ? "" : $"; supersedes {running.Id} ({running.Version}, {running.State.Name()}), whose traffic goes back to {live?.Version ?? "nothing"} first"),
            now, now);
        await _store.AddDeploymentAsync(deployment, ct);
        if (dropped is not null)
        {
            await _store.TransitionAsync(dropped.Id, DeploymentState.Superseded, $"superseded by {queued.Id} ({release.Version}) before it started", _time.GetUtcNow(), ct);
            Count(request.App, request.Environment, DeploymentState.Superseded);
        }

        if (superseded is not null && running is not null)
        {
            await _store.AddEventAsync(new DeploymentEvent(superseded.Id, _time.GetUtcNow(), running.State,
                $"superseded by {queued.Id} ({release.Version}) requested by {by}; returning traffic to {running.PreviousVersion ?? "nothing"}"), ct);
            await superseded.Cancel.CancelAsync();
        }

        Start(deployment, release, previous, cfg! with { Strategy = strategy }, runtime, queued);
        return deployment;
    }

    /// <summary>Decides the gate of the deployment waiting in (app, environment); the decision is recorded before it takes effect.</summary>
    public async Task<DeliveryResult<Deployment>> DecideAsync(string app, string environment, string? id, bool approve, string by, string? comment = null, CancellationToken ct = default)
    {
        var runtime = Runtime(app, environment);
        var active = runtime.Active;
        if (active is null || !active.GateOpen || (id is not null && id != active.Id))
        {
            return new DeliveryError(DeliveryErrorKind.NotFound, id is null ? "environment" : "id",
                id is null ? $"no deployment of {app} to {environment} is waiting for approval" : $"deployment {id} is not waiting for approval in {app}/{environment}");
        }

        await _store.AddApprovalAsync(new Approval(active.Id, approve, by, _time.GetUtcNow(), comment), ct);
        active.Decide(new GateDecision(approve, by, comment));
        return (await _store.GetDeploymentAsync(active.Id, ct))!;
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
        QueuedDeployment? waiting;
        lock (runtime.Decisions)
        {
            waiting = runtime.Queued;
            runtime.Queued = null;
            waiting?.SupersededBy = "rollback";
        }

        if (waiting is not null)
        {
            await _store.TransitionAsync(waiting.Id, DeploymentState.Cancelled, $"cancelled before it started: rollback requested by {by}", _time.GetUtcNow(), ct);
            Count(app, environment, DeploymentState.Cancelled);
        }

        if (runtime.Active is { } active)
        {
            var running = await _store.GetDeploymentAsync(active.Id, ct);
            if (to is not null && to != running?.PreviousVersion)
            {
                return new DeliveryError(DeliveryErrorKind.Conflict, "to", $"deployment {active.Id} is running; it can only be rolled back to {running?.PreviousVersion ?? "nothing"}");
            }

            active.RollbackReason = $"rollback requested by {by}";
            await active.Cancel.CancelAsync();
            return running!;
        }

        var live = await _store.GetLiveAsync(app, environment, ct);
        if (live is null)
        {
            return new DeliveryError(DeliveryErrorKind.NotFound, "environment", $"nothing is live in {app}/{environment}; there is nothing to roll back");
        }

        if (to is null)
        {
            to = runtime.Warm?.Version ?? (await _store.GetDeploymentAsync(live.DeploymentId, ct))?.PreviousVersion;
            if (to is null)
            {
                return new DeliveryError(DeliveryErrorKind.NotFound, "to", $"no earlier release of {app} in {environment}; name one with --to VERSION");
            }
        }

        if (to == live.Version)
        {
            return new DeliveryError(DeliveryErrorKind.Conflict, "to", $"{to} is already live in {app}/{environment}");
        }

        var target = await _store.GetReleaseAsync(app, to, ct);
        if (target is null)
        {
            return new DeliveryError(DeliveryErrorKind.NotFound, "to", $"no release {to} of {app} in the release store");
        }

        if (!await runtime.DeployLock.WaitAsync(0, ct))
        {
            return new DeliveryError(DeliveryErrorKind.Conflict, "environment", "another deployment just started; try again when it ends");
        }

        var current = await _store.GetReleaseAsync(app, live.Version, ct);
        var now = _time.GetUtcNow();
        var deployment = new Deployment(NewId(now), app, environment, to, live.Version, "rollback", DeploymentState.Pending,
            $"rollback from {live.Version} to {to} requested by {by}", now, now);
        await _store.AddDeploymentAsync(deployment, ct);
        Start(deployment, target, current, cfg!, runtime, queued: null);
        return deployment;
    }

    /// <summary>
    /// Tells the router to hold (not refuse) requests to every environment with a live version while
    /// <see cref="RestoreAsync"/> starts it again, each for up to its health start-timeout (at most 30 s). Call it
    /// before the edge starts listening, so no request of a restart is answered 503.
    /// </summary>
    public async Task HoldLiveAsync(CancellationToken ct = default)
    {
        var cfg = LoadConfig().Value;
        foreach (var live in await _store.ListLiveAsync(ct))
        {
            if (cfg?.FindApp(live.App)?.FindEnvironment(live.Environment) is { } env)
            {
                Runtime(live.App, live.Environment).Hold(RestoreHold(env));
            }
        }
    }

    private static TimeSpan RestoreHold(EnvironmentConfig env) => env.Health.StartTimeout < MaxRestoreHold ? env.Health.StartTimeout : MaxRestoreHold;

    private static readonly TimeSpan MaxRestoreHold = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Brings back what was live before the server stopped: ends orphaned instances of the previous server,
    /// records interrupted deployments as failed or rolled back with a reason, then starts and routes each live version.
    /// </summary>
    public async Task RestoreAsync(CancellationToken ct = default)
    {
        var killed = _supervisor.KillOrphans();
        var config = LoadConfig();
        var lives = await _store.ListLiveAsync(ct);
        foreach (var d in await _store.ListDeploymentsAsync(limit: 1000, ct: ct))
        {
            if (d.State.IsTerminal())
            {
                continue;
            }

            var live = lives.FirstOrDefault(l => l.App == d.App && l.Environment == d.Environment);
            var trafficMoved = d.State is DeploymentState.Analysing || (d.State is DeploymentState.InProgress && d.Reason.Contains("traffic", StringComparison.Ordinal));
            var state = trafficMoved ? DeploymentState.RolledBack : DeploymentState.Failed;
            await _store.TransitionAsync(d.Id, state,
                $"interrupted: the server stopped while the deployment was {d.State.Name()} ({d.Reason}); {(live is null ? "nothing was live" : $"{live.Version} restored as the live version")}",
                _time.GetUtcNow(), ct);
            Count(d.App, d.Environment, state);
        }

        if (config.Value is not { } cfg)
        {
            return;
        }

        await Task.WhenAll(lives.Select(async live =>
        {
            var env = cfg.FindApp(live.App)?.FindEnvironment(live.Environment);
            var release = await _store.GetReleaseAsync(live.App, live.Version, ct);
            var deployment = await _store.GetDeploymentAsync(live.DeploymentId, ct);
            if (env is null || release is null || deployment is null || !Directory.Exists(release.Path))
            {
                return;
            }

            var runtime = Runtime(live.App, live.Environment);
            runtime.Config = env;
            runtime.Hold(RestoreHold(env));
            try
            {
                var run = NewRun(deployment, release, null, env, runtime, new ActiveDeployment(deployment.Id, new CancellationTokenSource()));
                var (instances, error) = await run.StartAsync(release, env.Instances, ct);
                if (error is null)
                {
                    runtime.LiveVersion = live.Version;
                    runtime.LiveInstances = instances;
                    runtime.Route(new RouteEntry(live.Version, 100, instances));
                }
                else
                {
                    RestoreErrors[(live.App, live.Environment)] = error;
                }
            }
            finally
            {
                // Routed, or could not be: either way requests are no longer held (a failed restore answers 503).
                runtime.Hold(TimeSpan.Zero);
            }
        }));
        if (killed > 0)
        {
            Orphans = killed;
        }
    }

    /// <summary>Why (app, environment)'s live version could not be started again by <see cref="RestoreAsync"/>.</summary>
    public ConcurrentDictionary<(string App, string Environment), string> RestoreErrors { get; } = new();

    /// <summary>How many orphaned instance groups of an earlier server <see cref="RestoreAsync"/> ended.</summary>
    public int Orphans { get; private set; }

    /// <summary>The deployments of (app, environment) that a person can act on now (running, or waiting at a gate).</summary>
    public string? ActiveDeploymentId(string app, string environment) => Runtime(app, environment).Active?.Id;

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

    /// <summary>Stops every deployment and instance; interrupted deployments are recorded at the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        foreach (var r in _runtimes.Values)
        {
            if (r.Active is { } a)
            {
                await a.Cancel.CancelAsync();
            }
        }

        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(TimeSpan.FromSeconds(10), _time);
        }
        catch (Exception)
        {
            // Shutting down: whatever a run failed with is recorded at the next start.
        }

        await _supervisor.DisposeAsync();
    }

    /// <summary>
    /// Runs a recorded deployment in the background. A <paramref name="queued"/> one first waits for the environment's
    /// lock (the deployment it superseded hands its traffic back meanwhile); a rollback (null) already holds it.
    /// </summary>
    private void Start(Deployment deployment, Release release, Release? previous, EnvironmentConfig cfg, EnvironmentRuntime runtime, QueuedDeployment? queued)
    {
        var active = new ActiveDeployment(deployment.Id, CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token));
        if (queued is null)
        {
            Become(runtime, active, cfg);
        }

        Task? task = null;
        task = Task.Run(async () =>
        {
            if (queued is not null)
            {
                try
                {
                    await runtime.DeployLock.WaitAsync(_shutdown.Token);
                }
                catch (OperationCanceledException)
                {
                    _running.TryRemove(task!, out _);
                    return; // the server stops; the pending deployment is recorded as interrupted at the next start
                }

                var mine = false;
                lock (runtime.Decisions)
                {
                    if (queued.SupersededBy is null)
                    {
                        mine = true;
                        if (runtime.Queued == queued)
                        {
                            runtime.Queued = null;
                        }

                        Become(runtime, active, cfg);
                    }
                }

                if (!mine)
                {
                    // Superseded (or cancelled by a rollback) while it waited; that was recorded by whoever did it.
                    runtime.DeployLock.Release();
                    _running.TryRemove(task!, out _);
                    return;
                }
            }

            try
            {
                var live = await _store.GetLiveAsync(deployment.App, deployment.Environment);
                if (queued is not null && live?.Version != deployment.PreviousVersion)
                {
                    await _store.TransitionAsync(deployment.Id, DeploymentState.Failed,
                        $"{live?.Version ?? "nothing"} became live while it waited (it was recorded against {deployment.PreviousVersion ?? "nothing"}); nothing was started — deploy again",
                        _time.GetUtcNow());
                    Count(deployment.App, deployment.Environment, DeploymentState.Failed);
                }
                else
                {
                    await RunAsync(NewRun(deployment, release, previous, cfg, runtime, active));
                }
            }
            finally
            {
                lock (runtime.Decisions)
                {
                    runtime.Active = null;
                }

                active.Finished.TrySetResult();
                runtime.DeployLock.Release();
                _running.TryRemove(task!, out _);
            }
        });
        _running.TryAdd(task, 0);
    }

    private static void Become(EnvironmentRuntime runtime, ActiveDeployment active, EnvironmentConfig cfg)
    {
        runtime.Active = active;
        runtime.Config = cfg;
    }

    private DeploymentRun NewRun(Deployment d, Release release, Release? previous, EnvironmentConfig cfg, EnvironmentRuntime runtime, ActiveDeployment active) =>
        new(d, release, previous, cfg, runtime, active, _store, _supervisor, _analyzer, _time, ResolveSecret);

    private async Task RunAsync(DeploymentRun run)
    {
        var runtime = run.Runtime;
        // A release kept warm by the previous deployment is not this one's previous release any more.
        if (runtime.Warm is { } staleWarm && run.Deployment.Strategy != "rollback")
        {
            runtime.Warm = null;
            await staleWarm.ScaleDown.CancelAsync();
            await run.DiscardAsync(staleWarm.Instances);
        }

        run.OldInstances = runtime.LiveInstances;
        StrategyOutcome outcome;
        try
        {
            outcome = await RunStrategyAsync(run);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException) when (run.Active.SupersededBy is { } newer)
        {
            outcome = await SupersededAsync(run, newer);
        }
        catch (OperationCanceledException) when (run.Active.RollbackReason is { } reason)
        {
            await run.RestorePreviousAsync(reason, CancellationToken.None);
            outcome = StrategyOutcome.RolledBack($"{reason}{(run.Previous is null ? "" : $"; traffic is back on {run.Previous.Version}")}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await run.DiscardAsync(run.NewInstances);
            outcome = StrategyOutcome.Failed($"internal error: {e.Message}");
        }

        if (outcome.State == DeploymentState.Succeeded)
        {
            string? newer;
            lock (runtime.Decisions)
            {
                newer = run.Active.SupersededBy;
                run.Active.Committing = newer is null;
            }

            if (newer is not null)
            {
                outcome = await SupersededAsync(run, newer);
            }
        }

        if (outcome.State == DeploymentState.Succeeded)
        {
            await _store.SetLiveAsync(new LiveVersion(run.Deployment.App, run.Deployment.Environment, run.Release.Version, run.Deployment.Id, _time.GetUtcNow()));
            await run.TransitionAsync(DeploymentState.Succeeded, outcome.Reason);
            runtime.LiveVersion = run.Release.Version;
            runtime.LiveInstances = run.NewInstances;
            if (!run.OldInstances.IsEmpty && run.Previous is not null)
            {
                KeepWarm(run, runtime, run.Previous.Version, run.OldInstances);
            }
        }
        else
        {
            await run.TransitionAsync(outcome.State, outcome.Reason);
            if (run.Previous is not null && run.Deployment.Strategy != "rollback")
            {
                runtime.LiveInstances = run.OldInstances;
            }

            if (!run.NewInstances.IsEmpty && runtime.Plan.All(e => e.Version != run.Release.Version))
            {
                await run.DiscardAsync(run.NewInstances);
            }
        }

        Count(run.Deployment.App, run.Deployment.Environment, outcome.State);
    }

    /// <summary>A newer deployment took over: traffic back to the release that was live, the new instances retired.</summary>
    private static async Task<StrategyOutcome> SupersededAsync(DeploymentRun run, string newer)
    {
        await run.RestorePreviousAsync($"superseded by {newer}", CancellationToken.None);
        return new StrategyOutcome(DeploymentState.Superseded,
            $"superseded by {newer}" + (run.Previous is null ? "; it was taken out of routing" : $"; traffic is back on {run.Previous.Version}"));
    }

    private Task<StrategyOutcome> RunStrategyAsync(DeploymentRun run) =>
        run.Deployment.Strategy == "rollback"
            ? SwapBackAsync(run, run.Active.Cancel.Token)
            : Strategies.RunAsync(run.Config.Strategy, run, run.Active.Cancel.Token);

    private void KeepWarm(DeploymentRun run, EnvironmentRuntime runtime, string version, ImmutableArray<Instance> instances)
    {
        var cts = new CancellationTokenSource();
        runtime.Warm = new WarmRelease(version, instances, cts);
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(run.Config.ScaleDownDelay, _time, cts.Token);
                if (runtime.Warm?.ScaleDown == cts)
                {
                    runtime.Warm = null;
                    await run.RetireAsync(instances, CancellationToken.None);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>A manual rollback: one swap to the warm previous release, or start the target first when it is cold.</summary>
    private static async Task<StrategyOutcome> SwapBackAsync(DeploymentRun run, CancellationToken ct)
    {
        var runtime = run.Runtime;
        var v = run.Release.Version;
        if (runtime.Warm is { } warm && warm.Version == v)
        {
            runtime.Warm = null;
            await warm.ScaleDown.CancelAsync();
            run.NewInstances = warm.Instances;
            await run.NoteAsync($"{v} is still warm on {warm.Instances.Length} instance(s)");
        }
        else
        {
            await run.TransitionAsync(DeploymentState.InProgress, $"starting {run.Config.Instances} instance(s) of {v}");
            var (started, error) = await run.StartAsync(run.Release, run.Config.Instances, ct);
            if (error is not null)
            {
                return StrategyOutcome.Failed(error);
            }

            run.NewInstances = started;
        }

        await run.TransitionAsync(DeploymentState.InProgress, $"switching all traffic from {run.Previous?.Version} back to {v} in one swap");
        runtime.Route(new RouteEntry(v, 100, run.NewInstances));
        return StrategyOutcome.Succeeded($"{v} is live again (rolled back from {run.Previous?.Version})");
    }

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
