using Catalytic.Runner.Hosting;

namespace Catalytic.Pipelines.Dispatch;

/// <summary>
/// A leased job's messages (log lines, steps started and finished) waiting to be reported, in order, as numbered
/// batches of at most <see cref="MaxBatch"/>: the one batching of the embedded worker (<c>Queue/EmbeddedWorker</c>) and
/// the remote one (<c>Workers/Client/JobReporter</c>). A batch is a copy taken under the lock and removed only once it
/// was reported, so lines added while it is in flight wait for the next one (they were once dropped with it: a job's
/// last output line missing from its log), and a batch that fails is sent again with the same first number, which the
/// store uses to skip what it already has. One batch is in flight at a time.
/// </summary>
public sealed class ReportQueue(int maxBatch)
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly List<WorkerMessage> _pending = [];
    private long _sent;
    private bool _closed;

    /// <summary>Reports one batch: the number of its first message, the messages; answers the dispatcher's verdict.</summary>
    public delegate Task<LeaseVerdict> Report(long first, IReadOnlyList<WorkerMessage> batch, CancellationToken ct);

    /// <summary>The most messages one report carries: a chatty step is reported in several batches, never one huge one.</summary>
    public int MaxBatch { get; } = maxBatch;

    /// <summary>The last verdict a report was given (<see cref="LeaseVerdict.Continue"/> before the first).</summary>
    public LeaseVerdict Verdict { get; private set; } = LeaseVerdict.Continue;

    /// <summary>Keeps <paramref name="message"/> for the next batch; returns how many wait (0 once closed: it was dropped).</summary>
    public int Add(WorkerMessage message)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return 0;
            }

            _pending.Add(message);
            return _pending.Count;
        }
    }

    /// <summary>The lease is gone: drops what waits and takes nothing more.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _pending.Clear();
        }
    }

    /// <summary>Reports the next batch through <paramref name="report"/>; null when nothing waited, else its verdict.</summary>
    public async Task<LeaseVerdict?> SendNextAsync(Report report, CancellationToken ct)
    {
        await _sending.WaitAsync(ct);
        try
        {
            List<WorkerMessage> batch;
            long first;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    return null;
                }

                batch = _pending.GetRange(0, Math.Min(_pending.Count, MaxBatch));
                first = _sent;
            }

            var verdict = await report(first, batch, ct);
            lock (_gate)
            {
                // Close() may have emptied the list while the batch was in flight.
                _pending.RemoveRange(0, Math.Min(batch.Count, _pending.Count));
                _sent = first + batch.Count;
            }

            Verdict = verdict;
            return verdict;
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Reports every batch that waits, until none is left or the lease is revoked; returns the last verdict.</summary>
    public async Task<LeaseVerdict> FlushAsync(Report report, CancellationToken ct)
    {
        while (await SendNextAsync(report, ct) is { } verdict)
        {
            if (verdict == LeaseVerdict.Revoked)
            {
                return verdict;
            }
        }

        return Verdict;
    }
}
