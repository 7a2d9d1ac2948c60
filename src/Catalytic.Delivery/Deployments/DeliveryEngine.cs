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
    public DeliveryEngine(string stateDirectory, Func<ConfigResult> loadConfig, IDeliveryStore store, ITrafficRouter router, IVersionMetricsSource metrics, TimeProvider time)
    {
        _stateDirectory = stateDirectory;
        _loadConfig = loadConfig;
        _store = store;
        _router = router;
        _time = time;
        _releases = new ReleaseStore(Path.Combine(stateDirectory, "releases"), time);
        _supervisor = new ProcessSupervisor(stateDirectory, time);
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
        if (!await runtime.DeployLock.WaitAsync(0, ct))
        {
            return new DeliveryError(DeliveryErrorKind.Conflict, "environment", $"deployment {runtime.Active?.Id} of {request.App} to {request.Environment} is still running; wait for it, approve/reject it, or roll it back");
        }

        try
        {
            var created = _releases.Create(request.App, Path.GetFullPath(request.Artifact), request.Version);
            if (created.Error is not null)
            {
                runtime.DeployLock.Release();
                return new DeliveryError(DeliveryErrorKind.Invalid, request.Version is not null && created.Error.Contains("version", StringComparison.Ordinal) ? "version" : "artifact", created.Error);
            }

            var release = created.Release!;
            if (!await _store.AddReleaseAsync(release, ct))
            {
                release = await _store.GetReleaseAsync(release.App, release.Version, ct) ?? release;
            }

            var live = await _store.GetLiveAsync(request.App, request.Environment, ct);
            var previous = live is null ? null : await _store.GetReleaseAsync(request.App, live.Version, ct);
            var now = _time.GetUtcNow();
            var deployment = new Deployment(NewId(now), request.App, request.Environment, release.Version, live?.Version,
                DeliveryConfigParser.StrategyName(strategy), DeploymentState.Pending,
                $"{release.Version} requested by {request.By ?? "unknown"} ({DeliveryConfigParser.StrategyName(strategy)}{(created.Reused ? ", existing release" : "")})", now, now);
            await _store.AddDeploymentAsync(deployment, ct);
            Start(deployment, release, previous, cfg with { Strategy = strategy }, runtime);
            return deployment;
        }
        catch
        {
            runtime.DeployLock.Release();
            throw;
        }
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
        Start(deployment, target, current, cfg!, runtime);
        return deployment;
    }

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
            var run = NewRun(deployment, release, null, env, runtime, new ActiveDeployment(deployment.Id, new CancellationTokenSource()));
            var (instances, error) = await run.StartAsync(release, env.Instances, ct);
            if (error is null)
            {
                runtime.LiveVersion = live.Version;
                runtime.LiveInstances = instances;
                runtime.Route(new RouteEntry(live.Version, 100, instances));
            }
        }));
        if (killed > 0)
        {
            Orphans = killed;
        }
    }

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

    private void Start(Deployment deployment, Release release, Release? previous, EnvironmentConfig cfg, EnvironmentRuntime runtime)
    {
        var active = new ActiveDeployment(deployment.Id, CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token));
        runtime.Active = active;
        runtime.Config = cfg;
        var run = NewRun(deployment, release, previous, cfg, runtime, active);
        Task? task = null;
        task = Task.Run(async () =>
        {
            try
            {
                await RunAsync(run);
            }
            finally
            {
                runtime.Active = null;
                runtime.DeployLock.Release();
                _running.TryRemove(task!, out _);
            }
        });
        _running.TryAdd(task, 0);
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
