using System.Collections.Concurrent;
using Catalytic.Pipelines.Triggers;
using Catalytic.Testing.Waiting;

namespace Catalytic.Pipelines.Tests.Support;

/// <summary>
/// The run queue as the triggers see it, in memory: every request recorded in order, one run per deduplication key
/// (the guarantee the real queue gives), and the schedule history read from the recorded runs. It can be told to refuse.
/// </summary>
public sealed class RecordingQueue : IRunQueue, IScheduleHistory
{
    private readonly Lock _gate = new();
    private readonly List<RunRequest> _runs = [];
    private readonly Dictionary<string, RunCreated> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, string), DateTimeOffset> _lastFired = [];

    /// <summary>Every request the triggers submitted, duplicates included.</summary>
    public ConcurrentQueue<RunRequest> Submitted { get; } = new();

    /// <summary>When set, EnqueueAsync throws this message (a queue that is down).</summary>
    public string? Refuse { get; set; }

    /// <summary>The runs made (one per key), in order.</summary>
    public IReadOnlyList<RunRequest> Runs
    {
        get
        {
            lock (_gate)
            {
                return [.. _runs];
            }
        }
    }

    public Task<RunCreated> EnqueueAsync(RunRequest request, CancellationToken ct = default)
    {
        if (Refuse is { } why)
        {
            throw new InvalidOperationException(why);
        }

        Submitted.Enqueue(request);
        lock (_gate)
        {
            if (request.DeduplicationKey is { } key && _byKey.TryGetValue(key, out var existing))
            {
                return Task.FromResult(existing with { Duplicate = true });
            }

            _runs.Add(request);
            var created = new RunCreated(_runs.Count, _runs.Count(r => r.WorkflowPath == request.WorkflowPath && r.Repository == request.Repository), false);
            if (request.DeduplicationKey is { } k)
            {
                _byKey[k] = created;
            }

            if (request.ScheduledFor is { } at && request.Schedule is { } cron)
            {
                _lastFired[(request.Repository, request.WorkflowPath, cron)] = at;
            }

            return Task.FromResult(created);
        }
    }

    /// <summary>Records a schedule as fired at <paramref name="at"/> (a history left by an earlier server).</summary>
    public void SetLastFired(string repository, string workflow, string cron, DateTimeOffset at)
    {
        lock (_gate)
        {
            _lastFired[(repository, workflow, cron)] = at;
        }
    }

    public Task<DateTimeOffset?> LastFiredAsync(string repository, string workflowPath, string cron, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return Task.FromResult<DateTimeOffset?>(_lastFired.TryGetValue((repository, workflowPath, cron), out var at) ? at : null);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds of the runs, failing with <paramref name="what"/> after a generous deadline.</summary>
    public async Task<IReadOnlyList<RunRequest>> WaitAsync(Func<IReadOnlyList<RunRequest>, bool> condition, string what, TimeSpan? deadline = null)
    {
        var runs = Runs;
        await Eventually.UntilAsync(() => condition(runs = Runs), () => $"{what}; runs: {string.Join(", ", runs.Select(r => $"{r.EventName} {r.Ref} {r.WorkflowPath}"))}", deadline);
        return runs;
    }
}
