using System.Collections.Concurrent;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Config;

namespace Catalytic.Status.Checks;

/// <summary>
/// Runs each check on its own timer (a timer, not a thread: 10,000 checks are 10,000 timer entries), first fires
/// spread over the interval by the check's name so checks of one interval do not all start in the same instant.
/// A probe still running when its next turn comes is not started twice (the turn is counted as skipped). At most
/// <see cref="MaxConcurrent"/> probes run at once. Each turn's lateness against its planned time is reported, which
/// is the scheduler's jitter (bench/checks).
/// </summary>
public sealed class CheckScheduler : IAsyncDisposable
{
    /// <summary>Probes in flight at most.</summary>
    public const int MaxConcurrent = 512;

    private readonly IProbe _probe;
    private readonly TimeProvider _time;
    private readonly Func<CheckConfig, CheckResult, CancellationToken, Task> _onResult;
    private readonly SemaphoreSlim _slots = new(MaxConcurrent, MaxConcurrent);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Prepares a scheduler that hands every result to <paramref name="onResult"/>.</summary>
    public CheckScheduler(IProbe probe, TimeProvider time, Func<CheckConfig, CheckResult, CancellationToken, Task> onResult)
    {
        _probe = probe;
        _time = time;
        _onResult = onResult;
    }

    /// <summary>Called with each turn's lateness (actual start minus planned start).</summary>
    public event Action<TimeSpan>? Lateness;

    /// <summary>Turns skipped because the previous probe of the check still ran.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    private long _skipped;

    /// <summary>Decides per turn whether a check is probed (edge checks of environments with nothing live are not).</summary>
    public Func<CheckConfig, bool> Active { get; set; } = static _ => true;

    /// <summary>Starts the timers of <paramref name="checks"/>.</summary>
    public void Start(IEnumerable<CheckConfig> checks)
    {
        var now = _time.GetUtcNow();
        foreach (var check in checks)
        {
            var offset = TimeSpan.FromTicks((long)((uint)StableHash(check.Name) % (ulong)Math.Max(1, check.Interval.Ticks)));
            var entry = new Entry(check, now + offset);
            if (!_entries.TryAdd(check.Name, entry))
            {
                continue;
            }

            entry.Owner = this;
            entry.Timer = _time.CreateTimer(static s => ((Entry)s!).Owner!.Fire((Entry)s!), entry, offset, check.Interval);
        }
    }

    /// <summary>Probes one check now and hands on its result (what a timer turn does, without the timing).</summary>
    public async Task<CheckResult> RunOnceAsync(CheckConfig check, CancellationToken ct = default)
    {
        await _slots.WaitAsync(ct);
        ProbeResult probe;
        try
        {
            probe = await _probe.ProbeAsync(check, ct);
        }
        finally
        {
            _slots.Release();
        }

        var result = CheckResult.Evaluate(check, probe, _time.GetUtcNow());
        await _onResult(check, result, ct);
        return result;
    }

    private void Fire(Entry entry)
    {
        var now = _time.GetUtcNow();
        var planned = entry.Planned;
        entry.Planned = planned + entry.Check.Interval;
        if (Interlocked.Exchange(ref entry.Running, 1) == 1)
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        Lateness?.Invoke(now - planned);
        _ = RunAsync(entry);
    }

    private async Task RunAsync(Entry entry)
    {
        try
        {
            if (Active(entry.Check) && !_stop.IsCancellationRequested)
            {
                await RunOnceAsync(entry.Check, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref entry.Running, 0);
        }
    }

    /// <summary>FNV-1a over the name: the same offset on every start, unlike string.GetHashCode.</summary>
    private static int StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var c in s)
        {
            h = (h ^ c) * 16777619u;
        }

        return (int)h;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var e in _entries.Values)
        {
            if (e.Timer is { } t)
            {
                await t.DisposeAsync();
            }
        }

        _stop.Dispose();
    }

    private sealed class Entry(CheckConfig check, DateTimeOffset planned)
    {
        public CheckConfig Check { get; } = check;

        public DateTimeOffset Planned { get; set; } = planned;

        public ITimer? Timer { get; set; }

        public CheckScheduler? Owner { get; set; }

        public int Running;
    }
}
