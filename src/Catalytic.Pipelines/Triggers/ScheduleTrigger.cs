using System.Collections.Immutable;
using Catalytic.Pipelines.Events;
using Catalytic.Workflows.Parsing;
using Cronos;

namespace Catalytic.Pipelines.Triggers;

/// <summary>
/// A repository's <c>on: schedule</c> crons, read from the workflow files of its default branch (in the mirror) each
/// time that branch moves, fired on the injected clock in UTC with Cronos. Each occurrence is a run request whose
/// deduplication key names the occurrence, so two servers sharing a store make one run of it. On start (and for every
/// schedule read anew) the last fire time comes from <see cref="IScheduleHistory"/>: when occurrences were missed while
/// the server was down, the latest of them fires once, not once per missed minute; a schedule that never fired waits
/// for its next occurrence, as on GitHub.
/// </summary>
internal sealed class ScheduleTrigger : IAsyncDisposable
{
    private readonly RepositoryTriggers _repository;
    private readonly TriggerServices _services;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Entry[] _entries = [];
    private string? _commit;
    private Task? _loop;

    public ScheduleTrigger(RepositoryTriggers repository, TriggerServices services)
    {
        _repository = repository;
        _services = services;
    }

    /// <summary>One cron of one workflow file, with the occurrence it fires next.</summary>
    private sealed record Entry(string WorkflowPath, string Cron, CronExpression Expression)
    {
        public DateTimeOffset Next { get; set; }

        /// <summary>When the queue refused the occurrence: not to be tried again before this.</summary>
        public DateTimeOffset RetryAt { get; set; }

        public DateTimeOffset Due => Next > RetryAt ? Next : RetryAt;
    }

    /// <summary>The schedules in force: (workflow file, cron, next occurrence).</summary>
    public IReadOnlyList<(string Workflow, string Cron, DateTimeOffset Next)> Current =>
        [.. Volatile.Read(ref _entries).Select(e => (e.WorkflowPath, e.Cron, e.Next))];

    /// <summary>Reads the schedules of the default branch at <paramref name="commit"/> and starts firing them.</summary>
    public async Task UpdateAsync(string commit, CancellationToken ct)
    {
        if (commit == _commit)
        {
            return;
        }

        var now = _services.Time.GetUtcNow();
        var old = Volatile.Read(ref _entries);
        var entries = ImmutableArray.CreateBuilder<Entry>();
        foreach (var file in await _repository.Mirror.WorkflowFilesAsync(commit, ct))
        {
            if (file.Text is null || WorkflowParser.Parse(file.Path, file.Text).Workflow is not { } workflow)
            {
                continue;
            }

            foreach (var cron in workflow.On.Where(t => t.Event == "schedule").SelectMany(t => t.Cron ?? []))
            {
                if (old.FirstOrDefault(e => e.WorkflowPath == file.Path && e.Cron == cron) is { } kept)
                {
                    entries.Add(kept);
                    continue;
                }

                CronExpression expression;
                try
                {
                    expression = CronExpression.Parse(cron, CronFormat.Standard);
                }
                catch (CronFormatException e)
                {
                    TriggerLog.ScheduleInvalid(_services.Logger, _repository.Definition.Name, cron, file.Path, e.Message);
                    continue;
                }

                var entry = new Entry(file.Path, cron, expression);
                var last = await _services.ScheduleHistory.LastFiredAsync(_repository.Definition.Name, file.Path, cron, ct);
                // Missed while down: the latest missed occurrence fires now (once); never fired: the next one.
                entry.Next = last is { } l && Next(expression, l) is { } after && after <= now
                    ? Latest(expression, l, now) ?? after
                    : Next(expression, last ?? now) ?? DateTimeOffset.MaxValue;
                entries.Add(entry);
            }
        }

        Volatile.Write(ref _entries, entries.ToArray());
        _commit = commit;
        _loop ??= Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        _wake.Release();
    }

    private static DateTimeOffset? Next(CronExpression expression, DateTimeOffset after) =>
        expression.GetNextOccurrence(after.UtcDateTime, inclusive: false) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;

    private static DateTimeOffset? Latest(CronExpression expression, DateTimeOffset after, DateTimeOffset upTo)
    {
        DateTime? latest = null;
        foreach (var occurrence in expression.GetOccurrences(after.UtcDateTime, upTo.UtcDateTime, fromInclusive: false, toInclusive: true))
        {
            latest = occurrence;
        }

        return latest is { } l ? new DateTimeOffset(l, TimeSpan.Zero) : null;
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var now = _services.Time.GetUtcNow();
            var entries = Volatile.Read(ref _entries);
            foreach (var entry in entries.Where(e => e.Due <= now))
            {
                var occurrence = entry.Next;
                var missed = now - occurrence > TimeSpan.FromMinutes(1) ? " (missed while the server was down)" : "";
                if (await FireAsync(entry, occurrence, ct))
                {
                    TriggerLog.ScheduleFired(_services.Logger, _repository.Definition.Name, entry.Cron, entry.WorkflowPath, occurrence, missed);
                    entry.Next = Next(entry.Expression, now > occurrence ? now : occurrence) ?? DateTimeOffset.MaxValue;
                }
                else
                {
                    // The queue refused: the same occurrence (same key, so still one run) is tried again later.
                    entry.RetryAt = now + TimeSpan.FromSeconds(30);
                }
            }

            var soonest = entries.Length == 0 ? DateTimeOffset.MaxValue : entries.Min(e => e.Due);
            var delay = soonest == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : soonest - _services.Time.GetUtcNow();
            if (delay != Timeout.InfiniteTimeSpan && delay <= TimeSpan.Zero)
            {
                continue;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                var timer = delay == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.InfiniteTimeSpan, _services.Time, wait.Token) : Task.Delay(delay, _services.Time, wait.Token);
                await Task.WhenAny(timer, _wake.WaitAsync(wait.Token));
            }
            finally
            {
                await wait.CancelAsync();
            }
        }
    }

    /// <summary>Queues the run of one occurrence from the default branch's current commit; false when the queue refused it.</summary>
    private async Task<bool> FireAsync(Entry entry, DateTimeOffset occurrence, CancellationToken ct)
    {
        var commit = _commit;
        if (commit is null)
        {
            return true;
        }

        var file = (await _repository.Mirror.WorkflowFilesAsync(commit, ct)).FirstOrDefault(f => f.Path == entry.WorkflowPath);
        if (file?.Text is null)
        {
            return true;
        }

        var identity = _repository.Identity;
        var request = new RunRequest
        {
            Repository = _repository.Definition.Name,
            WorkflowPath = entry.WorkflowPath,
            WorkflowText = file.Text,
            EventName = "schedule",
            Payload = EventPayloads.Schedule(identity, entry.Cron, entry.WorkflowPath),
            Ref = "refs/heads/" + identity.DefaultBranch,
            Sha = commit,
            Actor = identity.Owner,
            Source = "schedule",
            Schedule = entry.Cron,
            ScheduledFor = occurrence,
            DeduplicationKey = $"schedule:{_repository.Definition.Name}:{entry.WorkflowPath}:{entry.Cron}:{occurrence.UtcDateTime:yyyy-MM-ddTHH:mm}Z",
        };
        return await _repository.EnqueueAsync([request], ct) is not null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        _wake.Dispose();
    }
}
