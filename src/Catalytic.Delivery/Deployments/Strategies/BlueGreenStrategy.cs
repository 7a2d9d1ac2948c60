using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments.Strategies;

/// <summary>Blue-green: a full new set beside the old one, checked on its own addresses, then all traffic in one swap.</summary>
internal static class BlueGreenStrategy
{
    /// <summary>Full new set beside the old, health and smoke checks on its own addresses, gate, one switch, analysis.</summary>
    public static async Task<StrategyOutcome> RunAsync(DeploymentRun run, CancellationToken ct)
    {
        if (await StrategySteps.StartCheckedAsync(run, run.Config.Instances, ct) is { } early)
        {
            return early;
        }

        await run.TransitionAsync(DeploymentState.InProgress, run.Previous is null
            ? $"routing all traffic to {run.Release.Version}"
            : $"switching all traffic from {run.Previous.Version} to {run.Release.Version} in one swap");
        run.Runtime.Route(new RouteEntry(run.Release.Version, 100, run.NewInstances));
        return await StrategySteps.AnalyseAndDecideAsync(run, run.Config.Analysis.Window, ct) ?? StrategySteps.Promoted(run);
    }
}
