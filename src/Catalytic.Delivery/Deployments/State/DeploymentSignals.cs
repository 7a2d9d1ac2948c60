namespace Catalytic.Delivery.Deployments.State;

/// <summary>
/// The effects side of a running deployment: the token that interrupts it, the task that completes when it ended and
/// the hand-over of a gate decision. What was decided (superseded, rollback asked, gate open) lives in the
/// <see cref="EnvironmentState"/> snapshot; this only carries signals between the request that decided and the run.
/// </summary>
public sealed class DeploymentSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GateWait? _gate;

    /// <summary>Signals for a deployment that <paramref name="shutdown"/> also interrupts.</summary>
    public DeploymentSignals(CancellationToken shutdown) => _cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);

    /// <summary>Cancelled to interrupt the run (supersede, rollback, shutdown).</summary>
    public CancellationToken Interrupted => _cancel.Token;

    /// <summary>Completes when the run ended, whatever the outcome.</summary>
    public Task Finished => _finished.Task;

    /// <summary>Interrupts the run; what it does next depends on why (read from the snapshot).</summary>
    public Task InterruptAsync() => _cancel.CancelAsync();

    /// <summary>As <see cref="InterruptAsync"/>, from a callback that cannot wait (another token's registration).</summary>
    public void Interrupt() => _cancel.Cancel();

    /// <summary>Marks the run ended.</summary>
    public void Finish() => _finished.TrySetResult();

    /// <summary>Arms a gate: its <see cref="GateWait.Decision"/> completes with what <see cref="Decide"/> hands over.</summary>
    internal GateWait Arm()
    {
        var gate = new GateWait();
        Volatile.Write(ref _gate, gate);
        return gate;
    }

    /// <summary>
    /// While a gate is armed but not open yet (its waiting state is being recorded), completes when it opens; else null.
    /// A decision that arrives in that moment waits for it instead of finding no gate.
    /// </summary>
    internal Task? Opening => Volatile.Read(ref _gate) is { Opened.IsCompleted: false } gate ? gate.Opened : null;

    /// <summary>
    /// Hands <paramref name="decision"/> to the armed gate; the returned task completes once the run recorded it and left
    /// the gate (null when no gate was armed).
    /// </summary>
    internal Task? Decide(GateDecision decision)
    {
        var gate = Interlocked.Exchange(ref _gate, null);
        return gate is not null && gate.Give(decision) ? gate.Left : null;
    }

    /// <inheritdoc/>
    public void Dispose() => _cancel.Dispose();
}

/// <summary>One gate a run waits at: the decision it receives, and the acknowledgement that the run recorded it.</summary>
internal sealed class GateWait
{
    private readonly TaskCompletionSource<GateDecision> _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the gate is open: its waiting state recorded, decisions accepted.</summary>
    public Task Opened => _opened.Task;

    /// <summary>Called by the run once the gate is open.</summary>
    public void MarkOpened() => _opened.TrySetResult();

    /// <summary>Completes with the person's decision.</summary>
    public Task<GateDecision> Decision => _decision.Task;

    /// <summary>Completes once the run recorded the decision and moved on.</summary>
    public Task Left => _left.Task;

    /// <summary>Gives the decision; false when one was already given.</summary>
    public bool Give(GateDecision decision) => _decision.TrySetResult(decision);

    /// <summary>Called by the run after recording the decision.</summary>
    public void MarkLeft() => _left.TrySetResult();
}
