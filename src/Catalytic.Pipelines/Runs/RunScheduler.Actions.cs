using Catalytic.Pipelines.Environments;

namespace Catalytic.Pipelines.Runs;

/// <summary>What an action on a run came to: the run as it is after it, or why it was refused.</summary>
/// <param name="Refusal">null when done; else <see cref="RunRefusal"/>'s kind and the sentence saying why.</param>
public sealed record RunActionResult(RunRecord? Run, RunRefusal? Refusal = null)
{
    public bool Ok => Refusal is null;

    internal static RunActionResult NotFound(long id) => new(null, new RunRefusal(RunRefusalKind.NotFound, $"no run {id}"));

    internal static RunActionResult Conflict(RunRecord run, string why) => new(run, new RunRefusal(RunRefusalKind.Conflict, why));
}

/// <summary>Why an action on a run was refused.</summary>
public sealed record RunRefusal(RunRefusalKind Kind, string Message);

public enum RunRefusalKind
{
    NotFound,
    Conflict,
    Forbidden,
}

/// <summary>Cancels, re-runs and approvals.</summary>
public sealed partial class RunScheduler
{
    /// <summary>
    /// Cancels run <paramref name="runId"/>: jobs not started end cancelled, jobs in progress are asked to stop (their
    /// <c>always()</c> steps still run), and jobs whose <c>if:</c> asks for it (<c>always()</c>, <c>cancelled()</c>) still
    /// start, as on GitHub. Cancelling a completed run is refused.
    /// </summary>
    public Task<RunActionResult> CancelAsync(long runId, string by, CancellationToken ct = default) =>
        InTransactionAsync(async (tx, fx) =>
        {
            if (await tx.LockRunAsync(runId) is not { } run)
            {
                return RunActionResult.NotFound(runId);
            }

            if (run.Status == RunStatuses.Completed)
            {
                return RunActionResult.Conflict(run, $"run {runId} has already completed ({run.Conclusion})");
            }

            return new RunActionResult(await CancelInAsync(tx, run, $"The run was cancelled by {by}.", fx, ct));
        }, ct);

    internal async Task<RunRecord> CancelInAsync(IRunTransaction tx, RunRecord run, string reason, Effects fx, CancellationToken ct)
    {
        if (run.Status == RunStatuses.Completed)
        {
            return run;
        }

        var now = Now;
        if (run.Status == RunStatuses.Pending)
        {
            var never = run with { Status = RunStatuses.Completed, Conclusion = Conclusions.Cancelled, CancelRequested = true, Reason = reason, FinishedAt = now, UpdatedAt = now };
            await tx.UpdateRunAsync(never);
            fx.Finished(never);
            fx.Groups.Add(run.ConcurrencyGroup!);
            return never;
        }

        run = run with { CancelRequested = true, Reason = reason, UpdatedAt = now };
        await tx.UpdateRunAsync(run);
        foreach (var job in await tx.JobsAsync(run.Id))
        {
            if (!job.IsTerminal)
            {
                await CancelJobInAsync(tx, job, reason, fx);
            }
        }

        return await AdvanceInAsync(tx, run, fx, ct);
    }

    /// <summary>
    /// A new attempt of run <paramref name="runId"/>: of the whole run once it has completed, or (<paramref name="failedOnly"/>)
    /// of its failed and cancelled jobs and every job that depends on them — keeping the jobs that succeeded, with their
    /// outputs and artifacts, also while other jobs of the run still run.
    /// </summary>
    public Task<RunActionResult> RerunAsync(long runId, bool failedOnly, string by, CancellationToken ct = default) =>
        InTransactionAsync(async (tx, fx) =>
        {
            if (await tx.LockRunAsync(runId) is not { } run)
            {
                return RunActionResult.NotFound(runId);
            }

            var jobs = await tx.JobsAsync(runId);
            var context = await _contexts.GetAsync(run, ct);
            if (context?.Workflow is not { } workflow)
            {
                return RunActionResult.Conflict(run, $"run {runId} has no jobs to run again: its workflow file is invalid ({run.Reason})");
            }

            List<JobRecord> redo;
            if (!failedOnly)
            {
                if (run.Status != RunStatuses.Completed)
                {
                    return RunActionResult.Conflict(run, $"run {runId} is still {run.Status}; cancel it first, or re-run only its failed jobs (--failed)");
                }

                redo = [.. jobs];
            }
            else
            {
                var failed = workflow.Jobs.Select(j => j.Id)
                    .Where(id => jobs.Any(r => r.JobId == id) && RunPlanner.Summarize(jobs, id, workflow).Result is Conclusions.Failure or Conclusions.Cancelled)
                    .ToHashSet(StringComparer.Ordinal);
                if (failed.Count == 0)
                {
                    return RunActionResult.Conflict(run, $"run {runId} has no failed or cancelled job to re-run");
                }

                // Every job downstream of a failed one is planned again, with the new results of its needs.
                bool grew;
                do
                {
                    grew = false;
                    foreach (var job in workflow.Jobs.Where(j => !failed.Contains(j.Id) && j.Needs.Any(failed.Contains)))
                    {
                        grew |= failed.Add(job.Id);
                    }
                }
                while (grew);

                redo = [.. jobs.Where(j => failed.Contains(j.JobId))];
                if (redo.FirstOrDefault(j => !j.IsTerminal) is { } busy)
                {
                    return RunActionResult.Conflict(run, $"job {busy.Key} of run {runId} is still {busy.Status}; re-run once it has ended");
                }
            }

            foreach (var job in redo)
            {
                await tx.UpdateJobAsync(job with { Superseded = true });
            }

            var now = Now;
            var completed = run.Status == RunStatuses.Completed;
            run = run with
            {
                Attempt = run.Attempt + 1,
                Status = completed && run.ConcurrencyGroup is not null ? RunStatuses.Pending : completed ? RunStatuses.Queued : run.Status,
                Conclusion = null,
                CancelRequested = false,
                Reason = $"attempt {run.Attempt + 1}: re-run by {by}" + (failedOnly ? " (failed jobs and their dependents)" : ""),
                StartedAt = completed ? null : run.StartedAt,
                FinishedAt = null,
                UpdatedAt = now,
            };
            await tx.UpdateRunAsync(run);
            if (run.Status == RunStatuses.Pending)
            {
                fx.Groups.Add(run.ConcurrencyGroup!);
                return new RunActionResult(run);
            }

            return new RunActionResult(await AdvanceInAsync(tx, run, fx, ct));
        }, ct);

    /// <summary>
    /// Approves (or rejects) the jobs of run <paramref name="runId"/> waiting for their environment — one job when
    /// <paramref name="job"/> names it (key or id) — as <paramref name="approver"/>, recorded with who and when. Refused
    /// (nothing recorded) when the environment's rules do not let <paramref name="approver"/> decide.
    /// </summary>
    public Task<RunActionResult> DecideAsync(long runId, string? job, bool approve, Approver approver, string? comment, CancellationToken ct = default) =>
        InTransactionAsync(async (tx, fx) =>
        {
            if (await tx.LockRunAsync(runId) is not { } run)
            {
                return RunActionResult.NotFound(runId);
            }

            var waiting = (await tx.JobsAsync(runId))
                .Where(j => j.Status == JobStatuses.Waiting && (job is null || j.Key == job || j.JobId == job))
                .ToList();
            if (waiting.Count == 0)
            {
                return RunActionResult.Conflict(run, job is null ? $"no job of run {runId} waits for an approval" : $"job {job} of run {runId} does not wait for an approval");
            }

            var rules = _options.Environments();
            foreach (var w in waiting)
            {
                if (rules.Find(w.Environment!)?.ApprovalRefusal(approver, run.Actor) is { } refusal)
                {
                    return new RunActionResult(run, new RunRefusal(RunRefusalKind.Forbidden, refusal));
                }
            }

            var now = Now;
            var verb = approve ? "approved" : "rejected";
            foreach (var w in waiting)
            {
                await tx.AddApprovalAsync(new JobApproval(w.Id, approve, approver.Name, now, comment));
                var said = $"{verb} by {approver.Name}" + (comment is { Length: > 0 } ? $": {comment}" : "");
                await NoteAsync(tx, w, $"deployment to {w.Environment} {said}", now);
                await tx.UpdateJobAsync(approve
                    ? w with { Status = JobStatuses.Queued, QueuedAt = now }
                    : w with { Status = JobStatuses.Completed, Conclusion = Conclusions.Failure, Reason = $"deployment to {w.Environment} {said}", FinishedAt = now });
                if (!approve && w.ConcurrencyGroup is { } group)
                {
                    fx.Groups.Add(group);
                }
            }

            fx.QueuedJobs |= approve;
            return new RunActionResult(await AdvanceInAsync(tx, run, fx, ct));
        }, ct);
}
