namespace Catalytic.Pipelines.Queue;

/// <summary>
/// Wakes whoever waits for something to change in this process (a job queued, a log batch stored): every waiter of
/// the moment is released by one <see cref="Pulse"/>. Changes made by another server are found by the waiters' own
/// polls; this only makes the local ones immediate.
/// </summary>
public sealed class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Releases every current waiter.</summary>
    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for the next pulse, at most <paramref name="timeout"/> on <paramref name="time"/>; true when pulsed.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var next = Volatile.Read(ref _next).Task;
        if (timeout <= TimeSpan.Zero)
        {
            return next.IsCompleted;
        }

        try
        {
            await next.WaitAsync(timeout, time, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
