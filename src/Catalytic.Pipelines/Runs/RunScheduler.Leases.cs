using System.Globalization;
using System.Text.Json;
using Catalytic.Platform.Text;
using Catalytic.Runner.Hosting;

namespace Catalytic.Pipelines.Runs;

/// <summary>
/// Leases: a job in progress belongs to the worker holding its lease until it completes or the lease lapses. A job
/// whose worker is lost is re-queued once, for another worker (its log keeps both attempts and says why); a job that
/// deploys (<c>environment:</c>) is never re-run by itself, nor is one lost twice. On start, the jobs of this server's
/// embedded worker (which died with the last process) are lost at once, remote workers get one lease period to come
/// back, and every run and group a crash left half-done is taken up again.
/// </summary>
public sealed partial class RunScheduler
{
    /// <summary>Looks for lapsed leases and applies the rule to each; returns how many jobs were found lost.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var lost = 0;
        foreach (var expired in await _store.ExpiredLeasesAsync(Now, ct))
        {
            var worker = expired.Worker ?? "?";
            var at = expired.LeaseExpires?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "?";
            if (await LoseAsync(expired.RunId, expired.LeaseId!, $"worker {worker} stopped renewing its lease (it lapsed at {at} UTC)", requireExpired: true, sameWorkerMayRetry: false, ct))
            {
                lost++;
            }
        }

        return lost;
    }

    /// <summary>
    /// Treats the job holding <paramref name="leaseId"/> as lost by its worker for <paramref name="why"/> (a graceful stop of
    /// the embedded worker, a worker that says it lost track of the job). False when no job holds that lease any more.
    /// With <paramref name="sameWorkerMayRetry"/> (a server that stopped or restarted: its embedded worker's next process
    /// is a new worker of the same name) the re-queued attempt may go to a worker of the same name.
    /// </summary>
    public Task<bool> LoseAsync(long runId, string leaseId, string why, bool sameWorkerMayRetry = false, CancellationToken ct = default) =>
        LoseAsync(runId, leaseId, why, requireExpired: false, sameWorkerMayRetry, ct);

    /// <summary>
    /// Recovers after a start: the embedded worker <paramref name="embeddedWorker"/>'s jobs died with the previous process
    /// (lost now); jobs of remote workers get a full lease period from now to be renewed (their worker kept them running
    /// and retries while the server was away); groups with someone waiting and runs not completed are decided again.
    /// </summary>
    public async Task RecoverAsync(string? embeddedWorker, CancellationToken ct = default)
    {
        if (embeddedWorker is not null)
        {
            foreach (var job in await _store.JobsOnWorkerAsync(embeddedWorker, ct))
            {
                await LoseAsync(job.RunId, job.LeaseId!, $"the server restarted; its embedded worker {embeddedWorker} ran the job and stopped with it", sameWorkerMayRetry: true, ct);
            }
        }

        var grace = Now + _options.LeaseDuration;
        foreach (var job in await _store.ExpiredLeasesAsync(grace, ct))
        {
            if (job.WorkerEmbedded)
            {
                continue; // another server's embedded worker: that server renews it, or its lease lapses as usual
            }

            await InTransactionAsync(async (tx, _) =>
            {
                if (await tx.LockRunAsync(job.RunId) is not null && await tx.LockJobByLeaseAsync(job.LeaseId!) is { Status: JobStatuses.InProgress } held
                    && held.LeaseExpires < grace)
                {
                    await tx.UpdateJobAsync(held with { LeaseExpires = grace });
                }

                return true;
            }, ct);
        }

        foreach (var group in await _store.PendingGroupsAsync(ct))
        {
            await ResolveGroupAsync(group, ct);
        }

        foreach (var runId in await _store.ActiveRunIdsAsync(ct))
        {
            await AdvanceAsync(runId, ct);
        }
    }

    /// <summary>Records the end of the job holding <paramref name="leaseId"/>; nothing when no job holds it (any more).</summary>
    internal Task CompleteAsync(string leaseId, JobOutcome outcome, CancellationToken ct) =>
        InTransactionAsync(async (tx, fx) =>
        {
            if (await _store.GetJobByLeaseAsync(leaseId, ct) is not { } found
                || await tx.LockRunAsync(found.RunId) is not { } run
                || await tx.LockJobByLeaseAsync(leaseId) is not { Status: JobStatuses.InProgress } job)
            {
                return false;
            }

            var now = Now;
            var masked = outcome.Report?.Outputs ?? [];
            var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in outcome.Outputs ?? [])
            {
                // GitHub's runner does not send an output that holds a secret: the job's masker changed it, so it is kept back.
                if (masked.TryGetValue(k, out var m) && m == v)
                {
                    outputs[k] = v;
                }
                else
                {
                    await NoteAsync(tx, job, $"##[warning]Skip output '{k}' since it may contain secret.", now);
                }
            }

            var conclusion = outcome.Result is Conclusions.Success or Conclusions.Failure or Conclusions.Cancelled or Conclusions.Skipped
                ? outcome.Result
                : Conclusions.Failure;
            var reason = outcome.Reason is { Length: > 4096 } r ? r[..4096] : outcome.Reason;
            if (job.CancelRequested && conclusion == Conclusions.Cancelled && job.Reason is { } why)
            {
                reason = why;
            }

            var report = outcome.Report is null ? null : JsonSerializer.Serialize(outcome.Report, RunJson.Default.JobReport);
            await CompleteJobInAsync(tx, run, job with
            {
                Outputs = JsonSerializer.Serialize(outputs, RunJson.Default.DictionaryStringString),
                Report = report,
            }, conclusion, reason, fx, ct);
            return true;
        }, ct);

    /// <summary>Ends <paramref name="job"/> with <paramref name="conclusion"/>: fail-fast for its siblings, then the run advances.</summary>
    internal async Task CompleteJobInAsync(IRunTransaction tx, RunRecord run, JobRecord job, string conclusion, string? reason, Effects fx, CancellationToken ct)
    {
        var now = Now;
        await tx.UpdateJobAsync(job with
        {
            Status = JobStatuses.Completed,
            Conclusion = conclusion,
            Reason = reason,
            FinishedAt = now,
            LeaseExpires = null,
        });
        var started = job.StartedAt ?? now;
        fx.FinishedJobs.Add(new JobFinished(run.Repository, run.Id, job.Key, conclusion, job.Worker, now - started, started - (job.QueuedAt ?? job.CreatedAt), now));
        if (job.ConcurrencyGroup is { } group)
        {
            fx.Groups.Add(group);
        }

        if (conclusion == Conclusions.Failure && job.FailFast && job.LegCount > 1)
        {
            foreach (var sibling in (await tx.JobsAsync(run.Id)).Where(j => j.JobId == job.JobId && j.Id != job.Id && !j.IsTerminal))
            {
                await CancelJobInAsync(tx, sibling, $"cancelled by fail-fast: '{job.Label}' failed", fx);
            }
        }

        await AdvanceInAsync(tx, run, fx, ct);
    }

    private Task<bool> LoseAsync(long runId, string leaseId, string why, bool requireExpired, bool sameWorkerMayRetry, CancellationToken ct) =>
        InTransactionAsync(async (tx, fx) =>
        {
            var now = Now;
            if (await tx.LockRunAsync(runId) is not { } run
                || await tx.LockJobByLeaseAsync(leaseId) is not { Status: JobStatuses.InProgress } job
                || (requireExpired && job.LeaseExpires >= now))
            {
                return false;
            }

            var worker = job.Worker ?? "?";
            await NoteAsync(tx, job, $"##[error]The job's worker {worker} was lost: {why}.", now);
            if (await tx.SetWorkerLostAsync(worker, true))
            {
                fx.Workers.Add(new WorkerChanged(worker, true, why, now));
            }

            string decision;
            if (job.CancelRequested)
            {
                decision = "it was being cancelled: cancelled";
                await CompleteJobInAsync(tx, run, job, Conclusions.Cancelled, job.Reason ?? "cancelled; its worker was lost before it stopped", fx, ct);
            }
            else if (job.Environment is not null)
            {
                decision = "it deploys: not re-run";
                await CompleteJobInAsync(tx, run, job, Conclusions.Failure,
                    $"worker lost: {why}; a job that deploys to {job.Environment} is never re-run by itself (re-run it when that is safe: catalytic rerun {run.Id} --failed)", fx, ct);
            }
            else if (job.Attempt >= 2)
            {
                decision = "it was lost before: not re-queued again";
                await CompleteJobInAsync(tx, run, job, Conclusions.Failure, $"worker lost again (then {worker}): {why}; a job is re-queued once", fx, ct);
            }
            else
            {
                decision = sameWorkerMayRetry ? "re-queued (attempt 2)" : "re-queued (attempt 2), for another worker first";
                var requeued = job with
                {
                    Attempt = job.Attempt + 1,
                    Status = JobStatuses.Queued,
                    Worker = null,
                    WorkerEmbedded = false,
                    LeaseId = null,
                    LeaseExpires = null,
                    LostWorker = sameWorkerMayRetry ? null : worker,
                    LogSequence = 0,
                    QueuedAt = now,
                };
                await tx.UpdateJobAsync(requeued);
                await NoteAsync(tx, requeued, $"attempt {requeued.Attempt}: re-queued because worker {worker} was lost ({why})" + (sameWorkerMayRetry ? "" : $"; another worker takes it first, {worker} too after {Durations.Format(_options.LeaseDuration)}"), now);
                fx.QueuedJobs = true;
                fx.ChangedRuns.Add(run.Id);
            }

            RunLog.WorkerLost(Log, run.Id, job.Key, worker, decision);
            return true;
        }, ct);
}
