using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments.Strategies;

/// <summary>A person's rollback (`catalytic rollback`): one swap to the warm previous release, or start the target first when it is cold.</summary>
internal static class ManualRollback
{
    public static async Task<StrategyOutcome> RunAsync(DeploymentRun run, CancellationToken ct)
    {
        var runtime = run.Runtime;
        var v = run.Release.Version;
        if (runtime.Update(s => EnvironmentDecisions.TakeWarm(s, v)) is { } warm)
        {
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
}
