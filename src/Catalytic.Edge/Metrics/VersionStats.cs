namespace Catalytic.Edge.Metrics;

/// <summary>
/// Request metrics of one (app, environment, version): cumulative counters for Prometheus, and a ring of per-second
/// buckets (count, errors, latency histogram) for windowed reads. Writers only use <see cref="Interlocked"/>; a slot
/// is cleared under its own lock once when a new second first reaches it.
/// </summary>
internal sealed class VersionStats(string app, string environment, string version)
{
    /// <summary>How many seconds of history the ring keeps.</summary>
    public const int RingSeconds = 300;

    /// <summary>Upper bounds (µs) of the Prometheus duration buckets; +Inf is implied after the last.</summary>
    internal static readonly long[] DurationBoundsMicros =
        [500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000];

    private const int MaxStatus = 600;

    private readonly SecondSlot?[] _ring = new SecondSlot?[RingSeconds];
    private readonly long[] _byStatus = new long[MaxStatus];
    private readonly long[] _durationBuckets = new long[DurationBoundsMicros.Length + 1];
    private long _durationSumMicros;
    private long _count;
    private long _proxyFailures;
    private long _active;

    public string App { get; } = app;

    public string Environment { get; } = environment;

    public string Version { get; } = version;

    /// <summary>Requests being proxied to this version now.</summary>
    public long Active => Volatile.Read(ref _active);

    /// <summary>Requests that failed in the proxy (backend refused, reset or timed out), whatever status the client saw.</summary>
    public long ProxyFailures => Volatile.Read(ref _proxyFailures);

    public void Begin() => Interlocked.Increment(ref _active);

    public void Abandon() => Interlocked.Decrement(ref _active);

    /// <summary>Records a finished request.</summary>
    /// <param name="unixSecond">The second the request finished in (from the router's <see cref="TimeProvider"/>).</param>
    /// <param name="status">The status code the client got.</param>
    /// <param name="proxyFailure">True when the backend failed to answer or broke off its answer.</param>
    /// <param name="micros">Latency in microseconds.</param>
    public void End(long unixSecond, int status, bool proxyFailure, long micros)
    {
        Interlocked.Decrement(ref _active);
        Record(unixSecond, status, proxyFailure, micros);
    }

    /// <summary>Records a finished request without touching the active gauge.</summary>
    public void Record(long unixSecond, int status, bool proxyFailure, long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        var isError = proxyFailure || status >= 500;
        Interlocked.Increment(ref _byStatus[(uint)status < MaxStatus ? status : 0]);
        Interlocked.Increment(ref _durationBuckets[DurationIndex(micros)]);
        Interlocked.Add(ref _durationSumMicros, micros);
        Interlocked.Increment(ref _count);
        if (proxyFailure)
        {
            Interlocked.Increment(ref _proxyFailures);
        }

        var slot = SlotFor(unixSecond);
        if (slot is null)
        {
            return;
        }

        Interlocked.Increment(ref slot.Requests);
        if (isError)
        {
            Interlocked.Increment(ref slot.Errors);
        }

        Interlocked.Increment(ref slot.Latency[LatencyBuckets.IndexOf(micros)]);
    }

    /// <summary>Requests, errors and the latency histogram of the seconds in (<paramref name="nowSecond"/> − <paramref name="seconds"/>, <paramref name="nowSecond"/>].</summary>
    public WindowReading Read(long nowSecond, int seconds)
    {
        seconds = Math.Clamp(seconds, 1, RingSeconds);
        var histogram = new long[LatencyBuckets.Count];
        long requests = 0, errors = 0;
        for (var s = nowSecond - seconds + 1; s <= nowSecond; s++)
        {
            var slot = Volatile.Read(ref _ring[Index(s)]);
            if (slot is null || Volatile.Read(ref slot.Second) != s)
            {
                continue;
            }

            requests += Volatile.Read(ref slot.Requests);
            errors += Volatile.Read(ref slot.Errors);
            var latency = slot.Latency;
            for (var i = 0; i < latency.Length; i++)
            {
                histogram[i] += Volatile.Read(ref latency[i]);
            }
        }

        return new WindowReading(requests, errors, histogram);
    }

    /// <summary>A consistent-enough copy of the cumulative counters for exposition.</summary>
    public CumulativeReading ReadCumulative()
    {
        var byStatus = new List<(int Status, long Count)>();
        for (var s = 0; s < MaxStatus; s++)
        {
            var n = Volatile.Read(ref _byStatus[s]);
            if (n != 0)
            {
                byStatus.Add((s, n));
            }
        }

        var buckets = new long[_durationBuckets.Length];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = Volatile.Read(ref _durationBuckets[i]);
        }

        // The count is the sum of the buckets so that the +Inf bucket always equals _count in the output.
        return new CumulativeReading(byStatus, buckets, buckets.Sum(), Volatile.Read(ref _durationSumMicros), Active, ProxyFailures);
    }

    private static int DurationIndex(long micros)
    {
        var bounds = DurationBoundsMicros;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (micros <= bounds[i])
            {
                return i;
            }
        }

        return bounds.Length;
    }

    private static int Index(long second) => (int)(((second % RingSeconds) + RingSeconds) % RingSeconds);

    private SecondSlot? SlotFor(long second)
    {
        ref var cell = ref _ring[Index(second)];
        var slot = Volatile.Read(ref cell);
        if (slot is null)
        {
            var fresh = new SecondSlot { Second = second };
            slot = Interlocked.CompareExchange(ref cell, fresh, null) ?? fresh;
        }

        if (Volatile.Read(ref slot.Second) == second)
        {
            return slot;
        }

        lock (slot)
        {
            var held = slot.Second;
            if (held == second)
            {
                return slot;
            }

            if (held > second)
            {
                // A late writer from a second the ring has already reused: its count is too old to matter.
                return null;
            }

            Array.Clear(slot.Latency);
            slot.Requests = 0;
            slot.Errors = 0;
            Volatile.Write(ref slot.Second, second);
            return slot;
        }
    }

    private sealed class SecondSlot
    {
        public long Second;
        public int Requests;
        public int Errors;
        public readonly int[] Latency = new int[LatencyBuckets.Count];
    }
}

/// <summary>Counts and latency histogram summed over a window.</summary>
internal readonly record struct WindowReading(long Requests, long Errors, long[] Histogram)
{
    /// <summary>The latency at quantile <paramref name="q"/> (nearest rank), or null without requests.</summary>
    public TimeSpan? Quantile(double q)
    {
        long total = 0;
        foreach (var n in Histogram)
        {
            total += n;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(q * total);
        rank = Math.Clamp(rank, 1, total);
        long seen = 0;
        for (var i = 0; i < Histogram.Length; i++)
        {
            seen += Histogram[i];
            if (seen >= rank)
            {
                return TimeSpan.FromMicroseconds(LatencyBuckets.Representative(i));
            }
        }

        return TimeSpan.FromMicroseconds(LatencyBuckets.Representative(Histogram.Length - 1));
    }
}

/// <summary>Cumulative counters of one version since the edge started.</summary>
internal sealed record CumulativeReading(
    IReadOnlyList<(int Status, long Count)> ByStatus,
    long[] DurationBuckets,
    long Count,
    long DurationSumMicros,
    long Active,
    long ProxyFailures);
