using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Deployments.Strategies;
using Catalytic.Delivery.Logging;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Deployments;

/// <summary>How a recorded deployment runs: its turn, its strategy, its outcome and what stays warm after it.</summary>
public sealed partial class DeliveryEngine
{
    /// <summary>
    /// Runs a recorded deployment in the background. A <paramref name="queued"/> one first waits for its turn in the
    /// environment (the deployment it superseded hands its traffic back meanwhile) and for the store's lease; a rollback
    /// (<paramref name="lease"/> given) already holds both.
    /// </summary>
    private void Start(Deployment deployment, Release release, Release? previous, EnvironmentConfig cfg, EnvironmentRuntime runtime,
        QueuedDeployment? queued, RunningDeployment running, IEnvironmentLease? lease)
    {
        Track(async () =>
        {
            if (queued is not null)
            {
                lease = await TakeTurnAsync(runtime, deployment, queued, running, cfg);
                if (lease is null)
                {
                    // Superseded or cancelled while it waited (recorded by whoever did it), or the server stops
                    // (recorded as interrupted at the next start).
                    return;
                }
            }

            try
            {
                var live = await _store.GetLiveAsync(deployment.App, deployment.Environment);
                if (queued is not null && live?.Version != deployment.PreviousVersion)
                {
                    var reason = $"{live?.Version ?? "nothing"} became live while it waited (it was recorded against {deployment.PreviousVersion ?? "nothing"}); nothing was started — deploy again";
                    await _store.TransitionAsync(deployment.Id, DeploymentState.Failed, reason, _time.GetUtcNow());
                    Ended(deployment, DeploymentState.Failed, reason);
                }
                else
                {
                    await RunAsync(NewRun(deployment, release, previous, cfg, runtime, running.Signals), lease!);
                }
            }
            catch (Exception e)
            {
                _log.OutcomeNotRecorded(e, deployment.App, deployment.Environment, deployment.Id);
            }
            finally
            {
                runtime.Update(s => EnvironmentDecisions.Finish(s, deployment.Id));
                running.Signals.Finish();
                await ReleaseAsync(lease, deployment);
            }
        });
    }

    /// <summary>
    /// Waits until <paramref name="queued"/> may run: no other deployment of the environment runs here and this node
    /// holds the store's lease (another node may be deploying the same environment). Null when it was dropped or the
    /// server stops first.
    /// </summary>
    private async Task<IEnvironmentLease?> TakeTurnAsync(EnvironmentRuntime runtime, Deployment deployment, QueuedDeployment queued, RunningDeployment running, EnvironmentConfig cfg)
    {
        IEnvironmentLease? lease = null;
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token, queued.Dropped.Token);
        try
        {
            while (true)
            {
                var s = runtime.State;
                switch (EnvironmentDecisions.TakeTurn(s, queued.Id, running, cfg))
                {
                    case Turn.Dropped:
                        await ReleaseAsync(lease, deployment);
                        return null;
                    case Turn.WaitFor other:
                        await other.Other.Signals.Finished.WaitAsync(waiting.Token);
                        break;
                    case Turn.Go go when lease is null:
                        lease = await _store.TryAcquireLeaseAsync(deployment.App, deployment.Environment, waiting.Token);
                        if (lease is null)
                        {
                            _log.WaitingForLease(deployment.App, deployment.Environment, deployment.Id);
                            lease = await _store.AcquireLeaseAsync(deployment.App, deployment.Environment, waiting.Token);
                        }

                        break; // decide again: the snapshot may have moved while it waited
                    case Turn.Go go:
                        if (runtime.TrySwap(s, go.Next))
                        {
                            return lease;
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException) when (waiting.IsCancellationRequested)
        {
            await ReleaseAsync(lease, deployment);
            return null;
        }
    }

    private DeploymentRun NewRun(Deployment d, Release release, Release? previous, EnvironmentConfig cfg, EnvironmentRuntime runtime, DeploymentSignals signals) =>
        new(d, release, previous, cfg, runtime, signals, _store, _supervisor, _analyzer, _time, ResolveSecret, _log);

    private async Task RunAsync(DeploymentRun run, IEnvironmentLease lease)
    {
        var runtime = run.Runtime;
        var id = run.Deployment.Id;
        // A release kept warm by the previous deployment is not this one's previous release any more.
        if (run.Deployment.Strategy != "rollback" && runtime.Update(s => EnvironmentDecisions.TakeWarm(s)) is { } staleWarm)
        {
            await staleWarm.ScaleDown.CancelAsync();
            await run.DiscardAsync(staleWarm.Instances);
        }

        run.OldInstances = runtime.State.LiveInstances;
        using var leaseWatch = lease.Lost.Register(static s => ((DeploymentSignals)s!).Interrupt(), run.Signals);
        StrategyOutcome outcome;
        try
        {
            outcome = await RunStrategyAsync(run);
        }
        catch (OperationCanceledException) when (run.Signals.Interrupted.IsCancellationRequested)
        {
            switch (EnvironmentDecisions.WhyInterrupted(runtime.State, id, _shutdown.IsCancellationRequested, lease.Lost.IsCancellationRequested))
            {
                case Interruption.Shutdown:
                    _log.DeploymentInterruptedByShutdown(run.Deployment.App, run.Deployment.Environment, id);
                    return;
                case Interruption.Superseded superseded:
                    outcome = await SupersededAsync(run, superseded.By);
                    break;
                case Interruption.RollbackRequested asked:
                    await run.RestorePreviousAsync(asked.Reason, CancellationToken.None);
                    outcome = StrategyOutcome.RolledBack($"{asked.Reason}{(run.Previous is null ? "" : $"; traffic is back on {run.Previous.Version}")}");
                    break;
                case Interruption.LeaseLost:
                    _log.LeaseLost(run.Deployment.App, run.Deployment.Environment, id);
                    await run.RestorePreviousAsync("this node lost its hold on the environment (its connection to the store ended)", CancellationToken.None);
                    outcome = StrategyOutcome.Failed("interrupted: this node lost its hold on the environment (its connection to the store ended); another node may deploy it now");
                    break;
                default:
                    await run.DiscardAsync(run.NewInstances);
                    outcome = StrategyOutcome.Failed("interrupted for no recorded reason; its new instances were stopped");
                    break;
            }
        }
        catch (Exception e)
        {
            _log.DeploymentCrashed(e, run.Deployment.App, run.Deployment.Environment, id);
            await run.DiscardAsync(run.NewInstances);
            outcome = StrategyOutcome.Failed($"internal error: {e.Message}");
        }

        if (outcome.State == DeploymentState.Succeeded && runtime.Update(s => EnvironmentDecisions.Commit(s, id)) is { } newer)
        {
            outcome = await SupersededAsync(run, newer);
        }

        if (outcome.State == DeploymentState.Succeeded)
        {
            await _store.SetLiveAsync(new LiveVersion(run.Deployment.App, run.Deployment.Environment, run.Release.Version, id, _time.GetUtcNow()));
            await run.TransitionAsync(DeploymentState.Succeeded, outcome.Reason);
            runtime.Update(s => EnvironmentDecisions.Promote(s, run.Release.Version, run.NewInstances));
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
                runtime.Update(s => EnvironmentDecisions.KeepLive(s, run.OldInstances));
            }

            if (!run.NewInstances.IsEmpty && runtime.State.Plan.All(e => e.Version != run.Release.Version))
            {
                await run.DiscardAsync(run.NewInstances);
            }
        }

        Ended(run.Deployment, outcome.State, outcome.Reason);
    }

    /// <summary>A newer deployment took over: traffic back to the release that was live, the new instances retired.</summary>
    private static async Task<StrategyOutcome> SupersededAsync(DeploymentRun run, string newer)
    {
        await run.RestorePreviousAsync($"superseded by {newer}", CancellationToken.None);
        return new StrategyOutcome(DeploymentState.Superseded,
            $"superseded by {newer}" + (run.Previous is null ? "; it was taken out of routing" : $"; traffic is back on {run.Previous.Version}"));
    }

    private static Task<StrategyOutcome> RunStrategyAsync(DeploymentRun run) =>
        run.Deployment.Strategy == "rollback"
            ? ManualRollback.RunAsync(run, run.Signals.Interrupted)
            : StrategyRunner.RunAsync(run.Config.Strategy, run, run.Signals.Interrupted);

    /// <summary>Keeps the previous release running for the scale-down delay, so a rollback within it is one swap.</summary>
    private void KeepWarm(DeploymentRun run, EnvironmentRuntime runtime, string version, ImmutableArray<Instance> instances)
    {
        var scaleDown = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        runtime.Update(s => EnvironmentDecisions.KeepWarm(s, new WarmRelease(version, instances, scaleDown)));
        Track(async () =>
        {
            try
            {
                await Task.Delay(run.Config.ScaleDownDelay, _time, scaleDown.Token);
            }
            catch (OperationCanceledException)
            {
                // Taken by a rollback or made stale by a newer deployment (whoever took it handles its instances), or
                // the server stops (the supervisor stops every instance).
                return;
            }

            if (!runtime.Update(s => EnvironmentDecisions.ExpireWarm(s, scaleDown)))
            {
                return;
            }

            try
            {
                await run.RetireAsync(instances, CancellationToken.None);
            }
            catch (Exception e)
            {
                _log.RetireFailed(e, run.Deployment.App, run.Deployment.Environment, version);
            }
        });
    }

    /// <summary>Lets the lease go; a failure is logged (the store frees the lease with its connection anyway).</summary>
    private async Task ReleaseAsync(IEnvironmentLease? lease, Deployment deployment)
    {
        if (lease is null)
        {
            return;
        }

        try
        {
            await lease.DisposeAsync();
        }
        catch (Exception e)
        {
            _log.LeaseReleaseFailed(e, deployment.App, deployment.Environment, deployment.Id);
        }
    }

    private void Ended(Deployment deployment, DeploymentState state, string reason)
    {
        Count(deployment.App, deployment.Environment, state);
        _log.DeploymentEnded(deployment.App, deployment.Environment, deployment.Id, state.Name(), reason);
    }

    /// <summary>Runs <paramref name="work"/> in the background; shutting down waits for it (see <see cref="DisposeAsync"/>).</summary>
    private void Track(Func<Task> work)
    {
        var task = Task.Run(work);
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
