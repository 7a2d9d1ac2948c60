using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Logging;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments;

/// <summary>What the engine does when the server starts: hold the edge, record what the last server left unfinished, route the live versions again.</summary>
public sealed partial class DeliveryEngine
{
    private static readonly TimeSpan MaxRestoreHold = TimeSpan.FromSeconds(30);

    /// <summary>Why (app, environment)'s live version could not be started again by <see cref="RestoreAsync"/>.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<(string App, string Environment), string> RestoreErrors { get; } = new();

    /// <summary>How many orphaned instance groups of an earlier server <see cref="RestoreAsync"/> ended.</summary>
    public int Orphans { get; private set; }

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

    /// <summary>
    /// Brings back what was live before the server stopped: ends orphaned instances of the previous server,
    /// records interrupted deployments as failed or rolled back with a reason, then starts and routes each live version.
    /// </summary>
    public async Task RestoreAsync(CancellationToken ct = default)
    {
        var killed = _supervisor.KillOrphans();
        if (killed > 0)
        {
            _log.OrphansEnded(killed);
        }

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
            _log.InterruptedDeploymentRecorded(d.App, d.Environment, d.Id, state.Name());
        }

        if (config.Value is { } cfg)
        {
            await Task.WhenAll(lives.Select(live => RestoreOneAsync(cfg, live, ct)));
        }

        if (killed > 0)
        {
            Orphans = killed;
        }
    }

    private async Task RestoreOneAsync(DeliveryConfig cfg, LiveVersion live, CancellationToken ct)
    {
        var env = cfg.FindApp(live.App)?.FindEnvironment(live.Environment);
        var release = await _store.GetReleaseAsync(live.App, live.Version, ct);
        var deployment = await _store.GetDeploymentAsync(live.DeploymentId, ct);
        if (env is null || release is null || deployment is null || !Directory.Exists(release.Path))
        {
            return;
        }

        var runtime = Runtime(live.App, live.Environment);
        runtime.Update(s => EnvironmentDecisions.Restoring(s, env));
        runtime.Hold(RestoreHold(env));
        try
        {
            using var signals = new DeploymentSignals(_shutdown.Token);
            var run = NewRun(deployment, release, null, env, runtime, signals);
            var (instances, error) = await run.StartAsync(release, env.Instances, ct);
            if (error is null)
            {
                runtime.Update(s => EnvironmentDecisions.Promote(s, live.Version, instances));
                runtime.Route(new RouteEntry(live.Version, 100, instances));
                _log.Restored(live.App, live.Environment, live.Version);
            }
            else
            {
                RestoreErrors[(live.App, live.Environment)] = error;
                _log.RestoreFailed(live.App, live.Environment, live.Version, error);
            }
        }
        finally
        {
            // Routed, or could not be: either way requests are no longer held (a failed restore answers 503).
            runtime.Hold(TimeSpan.Zero);
        }
    }
}
