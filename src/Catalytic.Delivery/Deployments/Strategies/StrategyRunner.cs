using Catalytic.Delivery.Config;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Deployments.Strategies;

/// <summary>
/// The three ways a release reaches traffic (one class each in this folder). Each records what it is about to do, then
/// does it, and ends in a <see cref="StrategyOutcome"/>; traffic is moved only through the environment's Route (one
/// atomic swap each).
/// </summary>
internal static class StrategyRunner
{
    public static Task<StrategyOutcome> RunAsync(StrategyKind kind, DeploymentRun run, CancellationToken ct) => kind switch
    {
        StrategyKind.BlueGreen => BlueGreenStrategy.RunAsync(run, ct),
        StrategyKind.Canary => CanaryStrategy.RunAsync(run, ct),
        _ => RollingStrategy.RunAsync(run, ct),
    };
}

/// <summary>How a strategy ended.</summary>
public sealed record StrategyOutcome(DeploymentState State, string Reason)
{
    /// <summary>The new release is live.</summary>
    public static StrategyOutcome Succeeded(string reason) => new(DeploymentState.Succeeded, reason);

    /// <summary>Stopped before traffic moved.</summary>
    public static StrategyOutcome Failed(string reason) => new(DeploymentState.Failed, reason);

    /// <summary>Traffic went back to the previous release.</summary>
    public static StrategyOutcome RolledBack(string reason) => new(DeploymentState.RolledBack, reason);

    /// <summary>Rejected at the gate.</summary>
    public static StrategyOutcome Rejected(string reason) => new(DeploymentState.Rejected, reason);
}
