namespace Catalytic.Pipelines.Runs;

/// <summary>
/// Concurrency groups across every run of the store (GitHub's rule, as <c>catalytic run</c> keeps it with flock'ed
/// files): a group holds at most one admitted run or job and one pending; a newer arrival takes the pending place and
/// the one it replaces is cancelled, and with <c>cancel-in-progress</c> the admitted one is cancelled too. Groups are
/// case-insensitive (kept lower-cased) and runs and jobs share their names, as on GitHub.
/// </summary>
public sealed partial class RunScheduler
{
    /// <summary>Decides group <paramref name="group"/> again: called after anything entered or left it.</summary>
    public Task ResolveGroupAsync(string group, CancellationToken ct = default) =>
        InTransactionAsync(async (tx, fx) =>
        {
            await tx.LockGroupAsync(group);
            var runs = await tx.RunsInGroupAsync(group);
            var jobs = await tx.JobsInGroupAsync(group);
            var entries = runs.Select(r => new GroupEntry(r.CreatedAt, 0, r.Id, r.Status != RunStatuses.Pending, r.CancelInProgress, r.Id))
                .Concat(jobs.Select(j => new GroupEntry(j.CreatedAt, 1, j.Id, JobStatuses.IsAdmitted(j.Status), j.CancelInProgress, j.RunId)))
                .OrderBy(e => e.At).ThenBy(e => e.Kind).ThenBy(e => e.Id)
                .ToList();
            var pending = entries.Where(e => !e.Admitted).ToList();
            if (pending.Count == 0)
            {
                return true;
            }

            var reason = $"Canceling since a higher priority waiting request for '{group}' exists";
            var newest = pending[^1];
            foreach (var older in pending.SkipLast(1))
            {
                await CancelEntryAsync(tx, older, reason, fx, ct);
            }

            var active = 0;
            foreach (var admitted in entries.Where(e => e.Admitted))
            {
                if (!newest.CancelInProgress || !await CancelEntryAsync(tx, admitted, reason, fx, ct))
                {
                    active++;
                }
            }

            if (active == 0)
            {
                await AdmitAsync(tx, newest, fx, ct);
            }

            return true;
        }, ct);

    /// <summary>Cancels a run or job of a group; true when it has ended (a job in progress ends when its worker stops it).</summary>
    private async Task<bool> CancelEntryAsync(IRunTransaction tx, GroupEntry entry, string reason, Effects fx, CancellationToken ct)
    {
        if (await tx.LockRunAsync(entry.RunId) is not { } run)
        {
            return true;
        }

        if (entry.Kind == 0)
        {
            return (await CancelInAsync(tx, run, reason, fx, ct)).Status == RunStatuses.Completed;
        }

        if (await tx.LockJobAsync(entry.Id) is not { } job || job.IsTerminal)
        {
            return true;
        }

        var ended = await CancelJobInAsync(tx, job, reason, fx);
        await AdvanceInAsync(tx, run, fx, ct);
        return ended;
    }

    private async Task AdmitAsync(IRunTransaction tx, GroupEntry entry, Effects fx, CancellationToken ct)
    {
        if (await tx.LockRunAsync(entry.RunId) is not { } run)
        {
            return;
        }

        var now = Now;
        if (entry.Kind == 0)
        {
            if (run.Status == RunStatuses.Pending)
            {
                run = run with { Status = RunStatuses.Queued, UpdatedAt = now };
                await tx.UpdateRunAsync(run);
                await AdvanceInAsync(tx, run, fx, ct);
            }

            return;
        }

        if (await tx.LockJobAsync(entry.Id) is { Status: JobStatuses.Pending } job)
        {
            var status = RunPlanner.ReadyStatus(job.Environment, _options.Environments());
            await tx.UpdateJobAsync(job with { Status = status, QueuedAt = status == JobStatuses.Queued ? now : null });
            await NoteAsync(tx, job, status == JobStatuses.Queued
                ? $"concurrency group '{job.ConcurrencyGroup}' is free: queued"
                : $"concurrency group '{job.ConcurrencyGroup}' is free: waiting for an approval to deploy to {job.Environment}", now);
            fx.QueuedJobs |= status == JobStatuses.Queued;
            await AdvanceInAsync(tx, run, fx, ct);
        }
    }

    /// <summary>
    /// Cancels one job: one that has not started ends cancelled at once; one in progress is asked to stop (its worker hears
    /// it at its next renewal and reports it cancelled). True when it has ended.
    /// </summary>
    internal async Task<bool> CancelJobInAsync(IRunTransaction tx, JobRecord job, string reason, Effects fx)
    {
        var now = Now;
        if (job.Status == JobStatuses.InProgress)
        {
            if (!job.CancelRequested)
            {
                await tx.UpdateJobAsync(job with { CancelRequested = true, Reason = reason });
                fx.ChangedRuns.Add(job.RunId);
            }

            return false;
        }

        await tx.UpdateJobAsync(job with { Status = JobStatuses.Completed, Conclusion = Conclusions.Cancelled, Reason = reason, FinishedAt = now, LeaseExpires = null });
        await NoteAsync(tx, job, "cancelled: " + reason, now);
        if (job.ConcurrencyGroup is { } group)
        {
            fx.Groups.Add(group);
        }

        fx.ChangedRuns.Add(job.RunId);
        return true;
    }

    /// <summary>A run or job in a group; <see cref="Kind"/> 0 for a run, 1 for a job (a run sorts first at the same time).</summary>
    private sealed record GroupEntry(DateTimeOffset At, int Kind, long Id, bool Admitted, bool CancelInProgress, long RunId);
}
