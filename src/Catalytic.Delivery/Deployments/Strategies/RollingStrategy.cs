using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments.Strategies;

/// <summary>Rolling: one new instance at a time, each healthy and routed before an old one is retired.</summary>
internal static class RollingStrategy
{
    /// <summary>One new instance at a time, each healthy and routed before an old one is retired; analysis at the end.</summary>
    public static async Task<StrategyOutcome> RunAsync(DeploymentRun run, CancellationToken ct)
    {
        var n = run.Config.Instances;
        if (run.Previous is null || run.OldInstances.IsEmpty)
        {
            return await BlueGreenStrategy.RunAsync(run, ct);
        }

        var prev = run.Previous.Version;
        var v = run.Release.Version;
        if (await StrategySteps.StartCheckedAsync(run, 1, ct) is { } early)
        {
            return early;
        }

        for (var i = 1; i <= n; i++)
        {
            if (i > 1)
            {
                await run.TransitionAsync(DeploymentState.InProgress, $"rolling: starting instance {i}/{n} of {v}");
                var (one, error) = await run.StartAsync(run.Release, 1, ct);
                if (error is not null)
                {
                    await run.RestorePreviousAsync(error, ct);
                    return StrategyOutcome.Failed($"{error}; traffic is back on {prev}");
                }

                run.NewInstances = run.NewInstances.AddRange(one);
            }

            // Retire one old instance per new one, keeping any old ones beyond the configured count out too.
            var keepOld = Math.Max(0, n - i);
            var retiring = run.OldInstances.Skip(keepOld).ToList();
            run.OldInstances = [.. run.OldInstances.Take(keepOld)];
            var newWeight = keepOld == 0 ? 100 : (int)Math.Round(100.0 * run.NewInstances.Length / (run.NewInstances.Length + keepOld));
            await run.TransitionAsync(DeploymentState.InProgress, $"rolling: {run.NewInstances.Length} of {n} instance(s) on {v} ({newWeight}% of traffic), retiring {retiring.Count} of {prev}");
            if (keepOld == 0)
            {
                run.Runtime.Route(new RouteEntry(v, 100, run.NewInstances));
            }
            else
            {
                run.Runtime.Route(new RouteEntry(prev, 100 - newWeight, run.OldInstances), new RouteEntry(v, newWeight, run.NewInstances));
            }

            await run.RetireAsync(retiring, ct);
        }

        return await StrategySteps.AnalyseAndDecideAsync(run, run.Config.Analysis.Window, ct) ?? StrategySteps.Promoted(run);
    }
}
