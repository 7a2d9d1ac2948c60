using Catalytic.Delivery.Routing;

namespace Catalytic.Edge.Routing;

/// <summary>
/// A route table compiled for the hot path: routable versions with cumulative weights. Immutable once built, so a
/// request that read it keeps a consistent view however many swaps happen meanwhile.
/// </summary>
internal sealed class RouteSnapshot
{
    private readonly VersionRoute[] _routable;
    private readonly int[] _cumulative;
    private readonly int _total;

    public RouteSnapshot(RouteTable table, VersionRoute[] versions)
    {
        Table = table;
        Versions = versions;
        StickyCookie = string.IsNullOrEmpty(table.StickyCookie) ? null : table.StickyCookie;

        // A version with weight but no instance cannot take traffic; the others absorb its share.
        _routable = versions.Where(v => v.Weight > 0 && v.Instances.Length > 0).ToArray();
        _cumulative = new int[_routable.Length];
        for (var i = 0; i < _routable.Length; i++)
        {
            _total += _routable[i].Weight;
            _cumulative[i] = _total;
        }

        RetryOrder = _routable.OrderByDescending(v => v.Weight).ToArray();
    }

    public RouteTable Table { get; }

    public VersionRoute[] Versions { get; }

    public string? StickyCookie { get; }

    public bool IsRoutable => _total > 0;

    /// <summary>Versions that can take traffic, heaviest first: where a failed attempt looks for another instance.</summary>
    public IReadOnlyList<VersionRoute> RetryOrder { get; }

    /// <summary>A version drawn by weight, or null when nothing is routable.</summary>
    public VersionRoute? Pick()
    {
        if (_total == 0)
        {
            return null;
        }

        var cumulative = _cumulative;
        if (cumulative.Length == 1)
        {
            return _routable[0];
        }

        var r = Random.Shared.Next(_total);
        for (var i = 0; i < cumulative.Length; i++)
        {
            if (r < cumulative[i])
            {
                return _routable[i];
            }
        }

        return _routable[^1];
    }

    /// <summary>The routable version named <paramref name="version"/>, or null.</summary>
    public VersionRoute? FindRoutable(ReadOnlySpan<char> version)
    {
        foreach (var v in _routable)
        {
            if (version.SequenceEqual(v.Version))
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>Why nothing is routable, for the 503 body.</summary>
    public string UnroutableReason() => Versions.Length == 0
        ? "the route table has no version"
        : Versions.All(v => v.Weight == 0)
            ? "every version has weight 0"
            : "no version with weight has an instance";
}

/// <summary>The cell holding the snapshot of one (app, environment); listeners keep a reference to it, so the hot path never looks up a dictionary.</summary>
internal sealed class RouteSlot(string app, string environment)
{
    private RouteSnapshot? _current;
    private long _holdUntil = long.MinValue;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;

    public string App { get; } = app;

    public string Environment { get; } = environment;

    public RouteSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Requests held now, waiting for a routable table (tests wait for them before moving on).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The switch: one atomic exchange. Wakes requests held for a routable table.</summary>
    public RouteSnapshot? Swap(RouteSnapshot next)
    {
        var previous = Interlocked.Exchange(ref _current, next);
        Signal();
        return previous;
    }

    /// <summary>
    /// Until <paramref name="timestamp"/> (a <see cref="TimeProvider"/> timestamp), requests that find nothing routable
    /// wait for a table instead of getting 503. <see cref="long.MinValue"/> ends the hold and answers the waiting ones.
    /// </summary>
    public void HoldUntil(long timestamp)
    {
        Volatile.Write(ref _holdUntil, timestamp);
        Signal();
    }

    /// <summary>True while unroutable requests are to be held (cold path only: read after a request found nothing routable).</summary>
    public bool IsHolding(long now) => Volatile.Read(ref _holdUntil) > now;

    /// <summary>
    /// Waits until the slot holds a routable snapshot or the hold ends; returns the snapshot then in force (routable
    /// or not). Cancelled with <paramref name="cancellationToken"/> (the client went away).
    /// </summary>
    public async Task<RouteSnapshot?> WaitRoutableAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            return await WaitAsync(time, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private async Task<RouteSnapshot?> WaitAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before reading the state, so a swap in between is never missed.
            var changed = Volatile.Read(ref _changed).Task;
            var snapshot = Current;
            var now = time.GetTimestamp();
            var until = Volatile.Read(ref _holdUntil);
            if (snapshot is { IsRoutable: true } || until <= now)
            {
                return snapshot;
            }

            try
            {
                await changed.WaitAsync(time.GetElapsedTime(now, until), time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The hold ran out: the loop returns the snapshot as it is now (nothing is lost).
            }
        }
    }

    private void Signal() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
