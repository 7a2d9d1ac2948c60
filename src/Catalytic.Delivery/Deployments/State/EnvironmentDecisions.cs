using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Deployments.State;

/// <summary>
/// Every decision about who runs in an environment, as a pure function of a snapshot and an event: a deployment
/// arriving (supersede), a queued one asking for its turn, a gate decision, a rollback request, a run committing its
/// success or ending. The engine applies them with <see cref="EnvironmentRuntime.Update{T}"/> (a compare-and-swap that
/// retries on a newer snapshot, so a function may be called more than once: it decides and never acts) and then carries
/// out the effects the result names (interrupt a run, record a state, cancel a wait).
/// </summary>
public static class EnvironmentDecisions
{
    /// <summary>
    /// A newer deployment arrives (as Argo Rollouts and Flagger do): the running one is marked superseded (it hands its
    /// traffic back to the release that was live and ends superseded), one waiting its turn is dropped, and the newcomer
    /// waits for the environment. A run that is already committing its success cannot be superseded: the newcomer
    /// waits for it to end and arrives again.
    /// </summary>
    public static Arrival Arrive(EnvironmentState s, QueuedDeployment incoming)
    {
        if (s.Active is { Committing: true } committing)
        {
            return new Arrival.AfterCommit(committing);
        }

        var active = s.Active is { } a ? a with { SupersededBy = a.SupersededBy ?? incoming.Id } : null;
        return new Arrival.Queued(s with { Active = active, Queued = incoming }, s.Active, s.Queued);
    }

    /// <summary>
    /// A queued deployment asks for its turn: dropped when it is no longer the one queued (a newer deployment or a
    /// rollback replaced it), told to wait while another runs, otherwise made the environment's running deployment.
    /// </summary>
    public static Turn TakeTurn(EnvironmentState s, string queuedId, RunningDeployment running, EnvironmentConfig config)
    {
        if (s.Queued?.Id != queuedId)
        {
            return new Turn.Dropped();
        }

        return s.Active is { } other
            ? new Turn.WaitFor(other)
            : new Turn.Go(s with { Active = running, Queued = null, Config = config });
    }

    /// <summary>A rollback request first cancels the deployment waiting its turn, if any.</summary>
    public static (EnvironmentState Next, QueuedDeployment? Dropped) DropQueued(EnvironmentState s) =>
        (s with { Queued = null }, s.Queued);

    /// <summary>
    /// A person asks for a rollback while <paramref name="activeId"/> runs: it is interrupted with the reason (its traffic
    /// goes back to the previous release). Null when it is no longer running (it ended meanwhile).
    /// </summary>
    public static (EnvironmentState Next, RunningDeployment? Interrupted) RequestRollback(EnvironmentState s, string activeId, string reason) =>
        s.Active is { } a && a.Id == activeId
            ? (s with { Active = a with { RollbackReason = a.RollbackReason ?? reason } }, a)
            : (s, null);

    /// <summary>A manual rollback with nothing running takes the environment at once; null when another deployment just started.</summary>
    public static EnvironmentState? StartRollback(EnvironmentState s, RunningDeployment rollback, EnvironmentConfig config) =>
        s.Active is null ? s with { Active = rollback, Config = config } : null;

    /// <summary>
    /// The release a rollback returns to: the one asked for, else the warm previous release, else the version live before
    /// the current one; an error names the field at fault when there is none or it is already live.
    /// </summary>
    public static (string? Target, DeliveryError? Error) RollbackTarget(EnvironmentState s, string liveVersion, string? previousOfLive, string? to)
    {
        var target = to ?? s.Warm?.Version ?? previousOfLive;
        if (target is null)
        {
            return (null, new DeliveryError(DeliveryErrorKind.NotFound, "to", $"no earlier release of {s.App} in {s.Environment}; name one with --to VERSION"));
        }

        return target == liveVersion
            ? (null, new DeliveryError(DeliveryErrorKind.Conflict, "to", $"{target} is already live in {s.App}/{s.Environment}"))
            : (target, null);
    }

    /// <summary>The run recorded that it waits at a gate: decisions are accepted from now on.</summary>
    public static EnvironmentState OpenGate(EnvironmentState s, string id) =>
        s.Active is { } a && a.Id == id ? s with { Active = a with { GateOpen = true } } : s;

    /// <summary>The run left its gate without a decision (interrupted).</summary>
    public static EnvironmentState CloseGate(EnvironmentState s, string id) =>
        s.Active is { GateOpen: true } a && a.Id == id ? s with { Active = a with { GateOpen = false } } : s;

    /// <summary>
    /// A person's decision for the deployment waiting at a gate (<paramref name="id"/> when given must name it): closes the
    /// gate so a second decision finds none, or says what is wrong.
    /// </summary>
    public static GateCall Decide(EnvironmentState s, string? id)
    {
        if (s.Active is not { GateOpen: true } waiting || (id is not null && id != waiting.Id))
        {
            return new GateCall(s, null, new DeliveryError(DeliveryErrorKind.NotFound, id is null ? "environment" : "id",
                id is null ? $"no deployment of {s.App} to {s.Environment} is waiting for approval" : $"deployment {id} is not waiting for approval in {s.App}/{s.Environment}"));
        }

        return new GateCall(s with { Active = waiting with { GateOpen = false } }, waiting, null);
    }

    /// <summary>
    /// A run passed and is about to record its success: from now on it cannot be superseded — unless it already was, in
    /// which case it hands its traffic back instead (the result names the newer deployment).
    /// </summary>
    public static (EnvironmentState Next, string? SupersededBy) Commit(EnvironmentState s, string id)
    {
        if (s.Active is not { } a || a.Id != id)
        {
            return (s, null);
        }

        return a.SupersededBy is { } newer ? (s, newer) : (s with { Active = a with { Committing = true } }, null);
    }

    /// <summary>Why <paramref name="id"/> was interrupted, in the order the engine honours the reasons.</summary>
    public static Interruption WhyInterrupted(EnvironmentState s, string id, bool shuttingDown, bool leaseLost)
    {
        if (shuttingDown)
        {
            return new Interruption.Shutdown();
        }

        var a = s.Active is { } active && active.Id == id ? active : null;
        if (a?.SupersededBy is { } newer)
        {
            return new Interruption.Superseded(newer);
        }

        if (a?.RollbackReason is { } reason)
        {
            return new Interruption.RollbackRequested(reason);
        }

        return leaseLost ? new Interruption.LeaseLost() : new Interruption.Unexplained();
    }

    /// <summary>A run made <paramref name="version"/> live on <paramref name="instances"/>.</summary>
    public static EnvironmentState Promote(EnvironmentState s, string version, ImmutableArray<Instance> instances) =>
        s with { LiveVersion = version, LiveInstances = instances };

    /// <summary>A run ended without a new live release; the previous release's instances are the live ones (a rolling run may have replaced some).</summary>
    public static EnvironmentState KeepLive(EnvironmentState s, ImmutableArray<Instance> instances) => s with { LiveInstances = instances };

    /// <summary>The run ended: the environment is free for the next one.</summary>
    public static EnvironmentState Finish(EnvironmentState s, string id) =>
        s.Active?.Id == id ? s with { Active = null } : s;

    /// <summary>
    /// Takes the warm release out of the snapshot: any (a new deployment makes it stale) or only <paramref name="version"/>
    /// (a rollback to it). The caller cancels its scale-down and uses or stops its instances.
    /// </summary>
    public static (EnvironmentState Next, WarmRelease? Taken) TakeWarm(EnvironmentState s, string? version = null) =>
        s.Warm is { } w && (version is null || w.Version == version) ? (s with { Warm = null }, w) : (s, null);

    /// <summary>The previous release stays warm after a switch.</summary>
    public static EnvironmentState KeepWarm(EnvironmentState s, WarmRelease warm) => s with { Warm = warm };

    /// <summary>The scale-down delay of <paramref name="scaleDown"/> passed: expired only when that release is still the warm one.</summary>
    public static (EnvironmentState Next, bool Expired) ExpireWarm(EnvironmentState s, CancellationTokenSource scaleDown) =>
        s.Warm?.ScaleDown == scaleDown ? (s with { Warm = null }, true) : (s, false);

    /// <summary>The server restarted and brings back <paramref name="config"/>'s environment.</summary>
    public static EnvironmentState Restoring(EnvironmentState s, EnvironmentConfig config) => s with { Config = config };

    /// <summary>The traffic plan in force from now on.</summary>
    public static EnvironmentState Route(EnvironmentState s, ImmutableArray<RouteEntry> plan) => s with { Plan = plan };
}

/// <summary>What a newly requested deployment does.</summary>
public abstract record Arrival
{
    private Arrival()
    {
    }

    /// <summary>The running deployment is recording its success: wait for it to end, then arrive again.</summary>
    public sealed record AfterCommit(RunningDeployment Committing) : Arrival;

    /// <summary>Queued in <paramref name="Next"/>; <paramref name="Superseded"/> is interrupted, <paramref name="Dropped"/> ends superseded before it started.</summary>
    public sealed record Queued(EnvironmentState Next, RunningDeployment? Superseded, QueuedDeployment? Dropped) : Arrival;
}

/// <summary>What a queued deployment does when it asks for its turn.</summary>
public abstract record Turn
{
    private Turn()
    {
    }

    /// <summary>It was replaced while it waited (recorded by whoever replaced it): it ends without running.</summary>
    public sealed record Dropped : Turn;

    /// <summary>Another deployment runs: wait for it to end.</summary>
    public sealed record WaitFor(RunningDeployment Other) : Turn;

    /// <summary>It runs: swap in <paramref name="Next"/>.</summary>
    public sealed record Go(EnvironmentState Next) : Turn;
}

/// <summary>Why a run's token was cancelled.</summary>
public abstract record Interruption
{
    private Interruption()
    {
    }

    /// <summary>The server stops; the run is recorded as interrupted at the next start.</summary>
    public sealed record Shutdown : Interruption;

    /// <summary>A newer deployment replaces it: traffic back to the previous release, ends superseded.</summary>
    public sealed record Superseded(string By) : Interruption;

    /// <summary>A person asked for a rollback: traffic back to the previous release, ends rolled back.</summary>
    public sealed record RollbackRequested(string Reason) : Interruption;

    /// <summary>This node lost its hold on the environment (the store's lease): it stops and hands traffic back.</summary>
    public sealed record LeaseLost : Interruption;

    /// <summary>Cancelled for no recorded reason (a bug): treated as a failure.</summary>
    public sealed record Unexplained : Interruption;
}

/// <summary>The outcome of a gate decision: the next snapshot and the deployment it was for, or why there is none.</summary>
public sealed record GateCall(EnvironmentState Next, RunningDeployment? Waiting, DeliveryError? Error);
