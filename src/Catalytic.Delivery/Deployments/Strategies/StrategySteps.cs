using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments.Strategies;

/// <summary>
/// The steps every strategy shares: start and check the new release (pre-deploy, health, smoke, approval gate), and
/// judge it on live traffic (analysis: go on, roll back, or ask a person).
/// </summary>
internal static class StrategySteps
{
    /// <summary>pre-deploy, start <paramref name="count"/> new instances, smoke checks, approval gate. Null when all passed.</summary>
    public static async Task<StrategyOutcome?> StartCheckedAsync(DeploymentRun run, int count, CancellationToken ct)
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
    public static async Task<StrategyOutcome?> AnalyseAndDecideAsync(DeploymentRun run, TimeSpan duration, CancellationToken ct)
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

    /// <summary>The outcome of a strategy whose new release passed every step.</summary>
    public static StrategyOutcome Promoted(DeploymentRun run) =>
        StrategyOutcome.Succeeded($"{run.Release.Version} is live on {run.NewInstances.Length} instance(s)" +
            (!run.Config.Analysis.Enabled ? ""
                : run.Previous is null ? " (first release: not analysed)"
                : run.InconclusiveApprovedBy is { } by ? $" (analysis inconclusive for too little traffic; continued by {by})"
                : " after passing analysis"));
}
