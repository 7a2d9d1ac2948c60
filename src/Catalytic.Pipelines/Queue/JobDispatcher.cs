using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Runs;
using Catalytic.Runner.Hosting;

namespace Catalytic.Pipelines.Queue;

/// <summary>
/// <see cref="IJobDispatcher"/> on the run store: the embedded worker calls it in-process, remote workers through the
/// worker endpoints. A job is handed out once: candidates are read without a lock, then locked one at a time (PostgreSQL's
/// <c>FOR UPDATE SKIP LOCKED</c>; SQLite's writers take turns) and checked again before the lease is written, in the
/// transaction that also counts the worker's free capacity and the strategy's max-parallel.
/// </summary>
public sealed class JobDispatcher(RunScheduler scheduler) : IJobDispatcher
{
    private const int Candidates = 200;

    private IRunStore Store => scheduler.Store;

    private RunSchedulerOptions Options => scheduler.Options;

    /// <inheritdoc/>
    public async Task<JobAssignment?> AcquireAsync(WorkerInfo worker, TimeSpan wait, CancellationToken ct = default)
    {
        var time = Options.Time;
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            if (await TryClaimAsync(worker, ct) is { } assignment)
            {
                return assignment;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            // Woken at once by a job queued on this server; another server's are found by the poll.
            await scheduler.Queued.WaitAsync(left < Options.PollInterval ? left : Options.PollInterval, time, ct);
        }
    }

    /// <inheritdoc/>
    public Task<LeaseVerdict> RenewAsync(string leaseId, CancellationToken ct = default) =>
        scheduler.InTransactionAsync(async (tx, fx) =>
        {
            if (await tx.LockJobByLeaseAsync(leaseId) is not { Status: JobStatuses.InProgress } job)
            {
                return LeaseVerdict.Revoked;
            }

            var now = Options.Time.GetUtcNow();
            await tx.UpdateJobAsync(job with { LeaseExpires = now + Options.LeaseDuration });
            if (job.Worker is { } name && await tx.SetWorkerLostAsync(name, false))
            {
                fx.Workers.Add(new WorkerChanged(name, false, "it renewed a lease again", now));
            }

            return job.CancelRequested ? LeaseVerdict.Cancel : LeaseVerdict.Continue;
        }, ct);

    /// <inheritdoc/>
    public Task<LeaseVerdict> ReportAsync(string leaseId, long sequence, IReadOnlyList<WorkerMessage> messages, CancellationToken ct = default) =>
        scheduler.InTransactionAsync(async (tx, fx) =>
        {
            if (await tx.LockJobByLeaseAsync(leaseId) is not { Status: JobStatuses.InProgress } job)
            {
                return LeaseVerdict.Revoked;
            }

            var now = Options.Time.GetUtcNow();
            var end = sequence + messages.Count;
            if (sequence >= 0 && end > job.LogSequence)
            {
                // A retried batch: what is stored already is skipped. The job's end (with its unmasked outputs) is never
                // stored in the log: it comes through CompleteAsync.
                var skip = (int)Math.Max(0, job.LogSequence - sequence);
                var data = new StringBuilder();
                foreach (var m in messages.Skip(skip).Where(m => m.Job is null))
                {
                    data.Append(JsonSerializer.Serialize(m, JobSpecJsonContext.Default.WorkerMessage)).Append('\n');
                }

                if (data.Length > 0)
                {
                    await tx.AppendLogAsync(new LogChunk(job.Id, job.Attempt, sequence + skip, messages.Count - skip, data.ToString(0, data.Length - 1), now));
                }

                job = job with { LogSequence = end };
                fx.ChangedRuns.Add(job.RunId);
            }

            await tx.UpdateJobAsync(job with { LeaseExpires = now + Options.LeaseDuration });
            return job.CancelRequested ? LeaseVerdict.Cancel : LeaseVerdict.Continue;
        }, ct);

    /// <inheritdoc/>
    public Task CompleteAsync(string leaseId, JobOutcome outcome, CancellationToken ct = default) => scheduler.CompleteAsync(leaseId, outcome, ct);

    /// <summary>
    /// A job re-queued because <paramref name="worker"/> lost its lease goes to another worker first: for one lease period
    /// after the re-queue only others may take it. After that the worker that lost it may too, so that a pool of one
    /// worker (or one whose peers lack the job's labels) gets its job run instead of queued for ever.
    /// </summary>
    private bool WaitsForAnother(JobRecord job, string worker) =>
        job.LostWorker == worker && job.QueuedAt is { } queued && Options.Time.GetUtcNow() < queued + Options.LeaseDuration;

    private async Task<JobAssignment?> TryClaimAsync(WorkerInfo worker, CancellationToken ct)
    {
        var candidates = (await Store.QueuedJobsAsync(0, Candidates, ct))
            .Where(j => !WaitsForAnother(j, worker.Name) && RunsOnLabels.Satisfies(worker.Labels, j.RunsOn))
            .ToList();
        string? jobToken = null;
        var claimed = await scheduler.InTransactionAsync(async (tx, fx) =>
        {
            var now = Options.Time.GetUtcNow();
            var seen = await tx.TouchWorkerAsync(new WorkerRecord
            {
                Name = worker.Name,
                Labels = [.. worker.Labels.Select(RunsOnLabels.Normalize)],
                Capacity = worker.Capacity,
                Embedded = worker.Embedded,
                FirstSeen = now,
                LastSeen = now,
            });
            if (seen.Lost && await tx.SetWorkerLostAsync(worker.Name, false))
            {
                fx.Workers.Add(new WorkerChanged(worker.Name, false, "it asked for work again", now));
            }

            if (candidates.Count == 0 || await tx.CountRunningAsync(worker.Name) >= worker.Capacity)
            {
                return null;
            }

            foreach (var candidate in candidates)
            {
                if (await tx.TryLockJobAsync(candidate.Id) is not { Status: JobStatuses.Queued, CancelRequested: false } job)
                {
                    continue; // taken, cancelled or changed since it was read
                }

                if (job.MaxParallel < job.LegCount
                    && (await tx.TryLockRunAsync(job.RunId) is null || await tx.CountRunningLegsAsync(job.RunId, job.JobId) >= job.MaxParallel))
                {
                    continue;
                }

                (jobToken, var leaseId) = JobTokens.New();
                var leased = job with
                {
                    Status = JobStatuses.InProgress,
                    Worker = worker.Name,
                    WorkerEmbedded = worker.Embedded,
                    LeaseId = leaseId,
                    LeaseExpires = now + Options.LeaseDuration,
                    StartedAt = now,
                    LogSequence = 0,
                };
                await tx.UpdateJobAsync(leased);
                await RunScheduler.NoteAsync(tx, leased, $"attempt {leased.Attempt} started on worker {worker.Name}", now);
                fx.StartedRuns.Add(leased.RunId);
                fx.ChangedRuns.Add(leased.RunId);
                return leased;
            }

            return null;
        }, ct);
        if (claimed is null)
        {
            return null;
        }

        var run = await Store.GetRunAsync(claimed.RunId, ct);
        var spec = RunContext.Deserialize(claimed.Spec!);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in spec.Secrets.Values.Distinct(StringComparer.Ordinal))
        {
            if (Options.Secrets?.Get(run!.Repository, name) is { } value)
            {
                secrets[name] = value;
            }
        }

        return new JobAssignment
        {
            LeaseId = claimed.LeaseId!,
            RunId = claimed.RunId,
            JobKey = claimed.Key,
            Attempt = claimed.Attempt,
            Spec = spec,
            Repository = run!.Repository,
            Sha = run.Sha,
            Secrets = secrets.ToImmutableDictionary(StringComparer.Ordinal),
            LeaseDuration = Options.LeaseDuration,
            JobToken = jobToken,
        };
    }
}
