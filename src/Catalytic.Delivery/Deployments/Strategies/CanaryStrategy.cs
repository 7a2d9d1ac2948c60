using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments.Strategies;

/// <summary>Canary: a full new set, then weighted steps of traffic with pauses and analysis, then promotion.</summary>
internal static class CanaryStrategy
{
    /// <summary>Weighted steps with pauses and analysis, then full promotion and a last analysis.</summary>
    public static async Task<StrategyOutcome> RunAsync(DeploymentRun run, CancellationToken ct)
    {
        if (await StrategySteps.StartCheckedAsync(run, run.Config.Instances, ct) is { } early)
        {
            return early;
        }

        var v = run.Release.Version;
        if (run.Previous is { } prev && !run.OldInstances.IsEmpty)
        {
            var steps = run.Config.Steps;
            for (var k = 0; k < steps.Length; k++)
            {
                var step = steps[k];
                await run.TransitionAsync(DeploymentState.InProgress, $"canary step {k + 1}/{steps.Length}: {step.Weight}% of traffic to {v}, {100 - step.Weight}% to {prev.Version}");
                run.Runtime.Route(new RouteEntry(prev.Version, 100 - step.Weight, run.OldInstances), new RouteEntry(v, step.Weight, run.NewInstances));
                if (step.Analysis && run.Config.Analysis.Enabled)
                {
                    var duration = step.Pause > run.Config.Analysis.Interval ? step.Pause : run.Config.Analysis.Interval;
                    if (await StrategySteps.AnalyseAndDecideAsync(run, duration, ct) is { } stop)
                    {
                        return stop;
                    }
                }
                else
                {
                    await Task.Delay(step.Pause, run.Time, ct);
                }
            }
        }

        await run.TransitionAsync(DeploymentState.InProgress, $"promoting {v}: 100% of traffic");
        run.Runtime.Route(new RouteEntry(v, 100, run.NewInstances));
        return await StrategySteps.AnalyseAndDecideAsync(run, run.Config.Analysis.Window, ct) ?? StrategySteps.Promoted(run);
    }
}
