namespace Catalytic.Delivery.Time;

/// <summary>
/// A caller's token joined with a timeout that runs on a given clock. A linked source's own CancelAfter would run on
/// the system clock, which a test's fake clock cannot move; this keeps every timeout of delivery, the server and their
/// clients on the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class Deadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;

    /// <summary>Cancels <see cref="Token"/> when <paramref name="ct"/> is cancelled or <paramref name="after"/> has passed on <paramref name="time"/>.</summary>
    public Deadline(TimeSpan after, TimeProvider time, CancellationToken ct = default)
    {
        _timeout = new CancellationTokenSource(after, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _timeout.Token);
    }

    /// <summary>The joined token.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>True when the timeout (not the caller) cancelled <see cref="Token"/>.</summary>
    public bool Expired => _timeout.IsCancellationRequested;

    /// <inheritdoc/>
    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
