using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Deployments.State;

/// <summary>
/// Everything the engine knows about one (app, environment) at one instant: which release is live on which instances,
/// which previous one is still warm, which deployment runs and which waits its turn, and the traffic plan in force.
/// Immutable: a change is a new snapshot swapped in whole by <see cref="EnvironmentRuntime"/>, and every decision
/// (<see cref="EnvironmentDecisions"/>) is a function of a snapshot and an event, as the edge swaps its route tables.
/// </summary>
/// <param name="Config">The configuration in force (of the latest deployment or restore).</param>
/// <param name="LiveVersion">The version that serves, as far as this server has started it.</param>
/// <param name="LiveInstances">Instances of the live version.</param>
/// <param name="Warm">The previous release kept running after a switch until scale-down, so a rollback is one swap.</param>
/// <param name="Active">The deployment running now (holding the environment), if any.</param>
/// <param name="Queued">The deployment recorded and waiting for its turn (at most one: a newer one supersedes it).</param>
/// <param name="Plan">The traffic split applied to the router last.</param>
public sealed record EnvironmentState(
    string App,
    string Environment,
    EnvironmentConfig? Config,
    string? LiveVersion,
    ImmutableArray<Instance> LiveInstances,
    WarmRelease? Warm,
    RunningDeployment? Active,
    QueuedDeployment? Queued,
    ImmutableArray<RouteEntry> Plan)
{
    /// <summary>An environment nothing has happened to yet.</summary>
    public static EnvironmentState Empty(string app, string environment) => new(app, environment, null, null, [], null, null, null, []);
}

/// <summary>One version's share of an environment's traffic and the instances that serve it.</summary>
public sealed record RouteEntry(string Version, int Weight, ImmutableArray<Instance> Instances);

/// <summary>A previous release still running after a switch, stopped when <see cref="ScaleDown"/> fires.</summary>
/// <param name="ScaleDown">Cancelled when the release stops being kept warm for a reason other than its delay (rollback to it, a newer deployment).</param>
public sealed record WarmRelease(string Version, ImmutableArray<Instance> Instances, CancellationTokenSource ScaleDown);

/// <summary>The deployment that holds an environment, and what has been decided about it while it runs.</summary>
/// <param name="Signals">How to interrupt it, when it ended, and its gate (effects, not state).</param>
/// <param name="SupersededBy">The id of the newer deployment that replaces it; it hands traffic back and ends superseded.</param>
/// <param name="RollbackReason">Set when a person asked for a rollback while it ran.</param>
/// <param name="Committing">True once it passed and records its success: it can no longer be superseded.</param>
/// <param name="GateOpen">True while it waits for a person's decision (and the waiting state is recorded).</param>
public sealed record RunningDeployment(
    string Id,
    DeploymentSignals Signals,
    string? SupersededBy = null,
    string? RollbackReason = null,
    bool Committing = false,
    bool GateOpen = false);

/// <summary>A recorded deployment waiting for its environment.</summary>
/// <param name="Dropped">Cancelled by whoever replaces it (a newer deployment, a rollback), so a wait for its turn ends at once.</param>
public sealed record QueuedDeployment(string Id, string Version, CancellationTokenSource Dropped);

/// <summary>A person's decision at a gate.</summary>
public sealed record GateDecision(bool Approved, string By, string? Comment);
