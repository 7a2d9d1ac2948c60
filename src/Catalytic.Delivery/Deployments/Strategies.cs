using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments;

/// <summary>
/// The three ways a release reaches traffic. Each records what it is about to do, then does it, and ends in a
/// <see cref="StrategyOutcome"/>; traffic is moved only through <see cref="EnvironmentRuntime.Route"/> (one atomic swap each).
/// </summary>
internal static class Strategies
{
    public static Task<StrategyOutcome> RunAsync(StrategyKind kind, DeploymentRun run, CancellationToken ct) => kind switch
    {
        StrategyKind.BlueGreen => BlueGreenAsync(run, ct),
        StrategyKind.Canary => CanaryAsync(run, ct),
        _ => RollingAsync(run, ct),
    };

    /// <summary>Full new set beside the old, health and smoke checks on its own addresses, gate, one switch, analysis.</summary>
    private static async Task<StrategyOutcome> BlueGreenAsync(DeploymentRun run, CancellationToken ct)
    {
        if (await StartCheckedAsync(run, run.Config.Instances, ct) is { } early)
        {
            return early;
        }

        await run.TransitionAsync(DeploymentState.InProgress, run.Previous is null
            ? $"routing all traffic to {run.Release.Version}"
            : $"switching all traffic from {run.Previous.Version} to {run.Release.Version} in one swap");
        run.Runtime.Route(new RouteEntry(run.Release.Version, 100, run.NewInstances));
        return await AnalyseAndDecideAsync(run, run.Config.Analysis.Window, ct) ?? Promoted(run);
    }

    /// <summary>Weighted steps with pauses and analysis, then full promotion and a last analysis.</summary>
    private static async Task<StrategyOutcome> CanaryAsync(DeploymentRun run, CancellationToken ct)
    {
        if (await StartCheckedAsync(run, run.Config.Instances, ct) is { } early)
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
                    if (await AnalyseAndDecideAsync(run, duration, ct) is { } stop)
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
        return await AnalyseAndDecideAsync(run, run.Config.Analysis.Window, ct) ?? Promoted(run);
    }

    /// <summary>One new instance at a time, each healthy and routed before an old one is retired; analysis at the end.</summary>
    private static async Task<StrategyOutcome> RollingAsync(DeploymentRun run, CancellationToken ct)
    {
        var n = run.Config.Instances;
        if (run.Previous is null || run.OldInstances.IsEmpty)
        {
            return await BlueGreenAsync(run, ct);
        }

        var prev = run.Previous.Version;
        var v = run.Release.Version;
        if (await StartCheckedAsync(run, 1, ct) is { } early)
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

        return await AnalyseAndDecideAsync(run, run.Config.Analysis.Window, ct) ?? Promoted(run);
    }

    /// <summary>pre-deploy, start <paramref name="count"/> new instances, smoke checks, approval gate. Null when all passed.</summary>
    private static async Task<StrategyOutcome?> StartCheckedAsync(DeploymentRun run, int count, CancellationToken ct)
    {
        if (await run.PreDeployAsync(ct) is { } preDeployError)
        {
            return StrategyOutcome.Failed(preDeployError);
        }

        await run.TransitionAsync(DeploymentState.InProgress, $"starting {count} instance(s) of {run.Release.Version}" + (run.Previous is null ? "" : $" beside {run.Previous.Version}"));
        var (started, error) = await run.StartAsync(run.Release, count, ct);
        if (error is not null)
        {
            return StrategyOutcome.Failed(error + (run.Previous is null ? "" : $"; {run.Previous.Version} keeps serving"));
        }

        run.NewInstances = started;
        await run.NoteAsync($"{count} instance(s) of {run.Release.Version} healthy on ports {string.Join(", ", started.Select(i => i.Port))}");
        if (await run.SmokeAsync(started, ct) is { } smokeError)
        {
            await run.DiscardAsync(started);
            run.NewInstances = [];
            return StrategyOutcome.Failed(smokeError + (run.Previous is null ? "" : $"; {run.Previous.Version} keeps serving"));
        }

        if (run.Config.ApprovalRequired)
        {
            var decision = await run.GateAsync($"{run.Release.Version} is running and healthy on {count} instance(s); approval required before it takes {run.Runtime.Environment} traffic", ct);
            if (!decision.Approved)
            {
                await run.DiscardAsync(started);
                run.NewInstances = [];
                return StrategyOutcome.Rejected($"rejected by {decision.By}{(decision.Comment is null ? "" : $": {decision.Comment}")}; no traffic moved");
            }
        }

        return null;
    }

    /// <summary>
    /// Analyses the new version for <paramref name="duration"/>. Returns null to go on, or the outcome that ends the
    /// deployment: rolled back on failure, or decided by a person when the analysis was inconclusive.
    /// </summary>
    private static async Task<StrategyOutcome?> AnalyseAndDecideAsync(DeploymentRun run, TimeSpan duration, CancellationToken ct)
    {
        var a = run.Config.Analysis;
        var v = run.Release.Version;
        if (!a.Enabled)
        {
            return null;
        }

        if (run.Previous is null)
        {
            // Nothing to roll back to: a failing verdict could only take the environment dark, and an inconclusive one
            // (a new environment has little traffic) would ask for a second approval of the same release. Argo Rollouts
            // skips the analysis of a first release too.
            await run.NoteAsync($"not analysing {v}: it is the environment's first release, so there is nothing to roll back to");
            return null;
        }

        await run.TransitionAsync(DeploymentState.Analysing,
            $"analysing {v} every {Units.Format(a.Interval)} over a {Units.Format(a.Window)} window for {Units.Format(duration)} " +
            $"(max-error-rate {a.MaxErrorRate * 100:0.##}%{(a.MaxP99Latency is { } p ? $", max-p99-latency {Units.Format(p)}" : "")}, failure-limit {a.FailureLimit}, min-requests {a.MinRequests})");
        var outcome = await run.AnalyseAsync(v, duration, ct);
        switch (outcome.Verdict)
        {
            case Verdict.Fail:
                await run.RestorePreviousAsync(outcome.Reason, ct);
                return StrategyOutcome.RolledBack($"automatic rollback{(run.Previous is null ? "" : $" to {run.Previous.Version}")}: {outcome.Reason}");
            case Verdict.Inconclusive:
                var decision = await run.GateAsync($"{outcome.Reason}; approve to continue or roll back", ct);
                if (decision.Approved)
                {
                    await run.NoteAsync($"continuing after inconclusive analysis: approved by {decision.By}");
                    run.InconclusiveApprovedBy = decision.By;
                    return null;
                }

                await run.RestorePreviousAsync($"rolled back by {decision.By} after inconclusive analysis", ct);
                return StrategyOutcome.RolledBack($"rolled back by {decision.By} after inconclusive analysis ({outcome.Reason})");
            default:
                await run.NoteAsync(outcome.Reason);
                return null;
        }
    }

    private static StrategyOutcome Promoted(DeploymentRun run) =>
        StrategyOutcome.Succeeded($"{run.Release.Version} is live on {run.NewInstances.Length} instance(s)" +
            (!run.Config.Analysis.Enabled ? ""
                : run.Previous is null ? " (first release: not analysed)"
                : run.InconclusiveApprovedBy is { } by ? $" (analysis inconclusive for too little traffic; continued by {by})"
                : " after passing analysis"));
}
