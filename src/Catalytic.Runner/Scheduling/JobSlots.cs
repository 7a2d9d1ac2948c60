namespace Catalytic.Runner.Scheduling;

/// <summary>
/// The run's job slots (<c>--max-parallel</c>). A freed slot goes to the waiting job with the longest chain of jobs
/// still to run after it (its <see cref="WorkflowExecutor"/> level), then to the one that became ready first: list
/// scheduling by level, which keeps the critical path moving where first-come-first-served lets a burst of leaf jobs
/// hold every slot while the jobs the rest of the graph waits for queue behind them.
/// </summary>
internal sealed class JobSlots
{
    private readonly object _gate = new();
    private readonly PriorityQueue<TaskCompletionSource, (int Level, long Order)> _waiting = new(Comparer<(int Level, long Order)>.Create(
        (a, b) => a.Level != b.Level ? b.Level.CompareTo(a.Level) : a.Order.CompareTo(b.Order)));

    private int _free;
    private long _order;
    private int _holds;

    public JobSlots(int count) => _free = Math.Max(1, count);

    /// <summary>Waits for a slot; <paramref name="level"/> is the job's priority (higher first).</summary>
    public Task WaitAsync(int level)
    {
        lock (_gate)
        {
            if (_free > 0 && _holds == 0 && _waiting.Count == 0)
            {
                _free--;
                return Task.CompletedTask;
            }

            // Continuations run on the thread pool, not inside Release (which runs in the finishing job's cleanup).
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter, (level, _order++));
            return waiter.Task;
        }
    }

    /// <summary>Gives a slot back; the best waiting job gets it.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _free++;
        }

        Dispatch();
    }

    /// <summary>
    /// Holds every free slot until the returned scope ends, so the jobs that become ready together (a workflow's first
    /// jobs) are ordered by level before any of them starts, instead of by which reached the gate first.
    /// </summary>
    public IDisposable Hold()
    {
        lock (_gate)
        {
            _holds++;
        }

        return new HoldScope(this);
    }

    private void Dispatch()
    {
        List<TaskCompletionSource>? granted = null;
        lock (_gate)
        {
            while (_holds == 0 && _free > 0 && _waiting.TryDequeue(out var next, out _))
            {
                _free--;
                (granted ??= []).Add(next);
            }
        }

        if (granted is not null)
        {
            foreach (var waiter in granted)
            {
                waiter.SetResult();
            }
        }
    }

    private sealed class HoldScope(JobSlots slots) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            lock (slots._gate)
            {
                slots._holds--;
            }

            slots.Dispatch();
        }
    }
}
