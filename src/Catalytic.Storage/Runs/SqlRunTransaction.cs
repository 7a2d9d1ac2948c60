using System.Data.Common;
using System.Text.Json;
using Catalytic.Pipelines.Runs;
using Catalytic.Pipelines.Triggers;

namespace Catalytic.Storage.Runs;

/// <summary>
/// One writing transaction of <see cref="SqlRunStore"/> on a connection of its own. Row locks are the dialect's
/// (<c>FOR UPDATE</c>, <c>FOR UPDATE SKIP LOCKED</c>, an advisory lock per concurrency group on PostgreSQL; on SQLite
/// the transaction holds the database's write lock from its start, so every read in it is already exclusive).
/// </summary>
internal sealed class SqlRunTransaction(SqlRunStore store, DbConnection connection, DbTransaction transaction, CancellationToken ct) : IRunTransaction
{
    private const string RunSet =
        "workflow_name = @workflow_name, run_number = @run_number, attempt = @attempt, status = @status, conclusion = @conclusion, reason = @reason, " +
        "concurrency_group = @concurrency_group, cancel_in_progress = @cancel_in_progress, cancel_requested = @cancel_requested, " +
        "started_at = @started_at, finished_at = @finished_at, updated_at = @updated_at";

    private const string JobSet =
        "run_attempt = @run_attempt, job_key = @job_key, leg = @leg, leg_count = @leg_count, label = @label, status = @status, conclusion = @conclusion, " +
        "reason = @reason, runs_on = @runs_on, environment = @environment, concurrency_group = @concurrency_group, cancel_in_progress = @cancel_in_progress, " +
        "max_parallel = @max_parallel, fail_fast = @fail_fast, attempt = @attempt, worker = @worker, worker_embedded = @worker_embedded, " +
        "lost_worker = @lost_worker, lease_id = @lease_id, lease_expires = @lease_expires, cancel_requested = @cancel_requested, superseded = @superseded, " +
        "spec = @spec, outputs = @outputs, report = @report, log_sequence = @log_sequence, queued_at = @queued_at, started_at = @started_at, " +
        "finished_at = @finished_at";

    private int _disposed;

    public async Task<RunCreated?> FindByDeduplicationKeyAsync(string key) =>
        (await QueryAsync("SELECT id, run_number FROM runs WHERE dedup_key = @key", r => new RunCreated(r.GetInt64(0), Sql.Int(r, 1), false), ("key", key))).FirstOrDefault();

    public async Task<int> NextRunNumberAsync(string repository, string workflowPath) =>
        (await QueryAsync("""
            INSERT INTO run_numbers (repository, workflow_path, last) VALUES (@repo, @wf, 1)
            ON CONFLICT (repository, workflow_path) DO UPDATE SET last = run_numbers.last + 1 RETURNING last
            """, r => Sql.Int(r, 0), ("repo", repository), ("wf", workflowPath)))[0];

    public async Task<long?> InsertRunAsync(RunRecord run, RunRequestData request)
    {
        var ids = await QueryAsync($"""
            INSERT INTO runs (repository, workflow_path, workflow_name, run_number, attempt, event, ref, sha, actor, source, default_branch, status,
              conclusion, reason, dedup_key, schedule, scheduled_for, concurrency_group, cancel_in_progress, cancel_requested, created_at,
              started_at, finished_at, updated_at, commit_message)
            VALUES (@repository, @workflow_path, @workflow_name, @run_number, @attempt, @event, @ref, @sha, @actor, @source, @default_branch, @status,
              @conclusion, @reason, @dedup_key, @schedule, @scheduled_for, @concurrency_group, @cancel_in_progress, @cancel_requested, @created_at,
              @started_at, @finished_at, @updated_at, @commit_message)
            ON CONFLICT (dedup_key) DO NOTHING RETURNING id
            """, r => r.GetInt64(0), RunArgs(run));
        if (ids.Count == 0)
        {
            return null;
        }

        await ExecAsync("INSERT INTO run_requests (run_id, workflow_text, payload, inputs, errors) VALUES (@id, @text, @payload, @inputs, @errors)",
            ("id", ids[0]), ("text", request.WorkflowText), ("payload", request.Payload),
            ("inputs", JsonSerializer.Serialize(request.Inputs.ToDictionary(StringComparer.Ordinal), RunJson.Default.DictionaryStringString)),
            ("errors", Sql.Json(request.Errors)));
        return ids[0];
    }

    public async Task<RunRecord?> LockRunAsync(long id) =>
        (await QueryAsync($"SELECT {SqlRunStore.RunColumns} FROM runs WHERE id = @id{store.ForUpdate}", SqlRunStore.ReadRun, ("id", id))).FirstOrDefault();

    public async Task<RunRecord?> TryLockRunAsync(long id) =>
        (await QueryAsync($"SELECT {SqlRunStore.RunColumns} FROM runs WHERE id = @id{store.SkipLocked}", SqlRunStore.ReadRun, ("id", id))).FirstOrDefault();

    public Task UpdateRunAsync(RunRecord run) => ExecAsync($"UPDATE runs SET {RunSet} WHERE id = @id", [.. RunArgs(run), ("id", run.Id)]);

    public Task<IReadOnlyList<JobRecord>> JobsAsync(long runId) =>
        QueryAsync($"SELECT {SqlRunStore.JobColumns} FROM jobs WHERE run_id = @id AND superseded = 0 ORDER BY id", SqlRunStore.ReadJob, ("id", runId));

    public async Task<long> InsertJobAsync(JobRecord job) =>
        (await QueryAsync("""
            INSERT INTO jobs (run_id, job_id, created_at, run_attempt, job_key, leg, leg_count, label, status, conclusion, reason, runs_on, environment,
              concurrency_group, cancel_in_progress, max_parallel, fail_fast, attempt, worker, worker_embedded, lost_worker, lease_id, lease_expires,
              cancel_requested, superseded, spec, outputs, report, log_sequence, queued_at, started_at, finished_at)
            VALUES (@run_id, @job_id, @created_at, @run_attempt, @job_key, @leg, @leg_count, @label, @status, @conclusion, @reason, @runs_on, @environment,
              @concurrency_group, @cancel_in_progress, @max_parallel, @fail_fast, @attempt, @worker, @worker_embedded, @lost_worker, @lease_id, @lease_expires,
              @cancel_requested, @superseded, @spec, @outputs, @report, @log_sequence, @queued_at, @started_at, @finished_at)
            RETURNING id
            """, r => r.GetInt64(0), JobArgs(job)))[0];

    public Task UpdateJobAsync(JobRecord job) => ExecAsync($"UPDATE jobs SET {JobSet} WHERE id = @id", [.. JobArgs(job), ("id", job.Id)]);

    public async Task<JobRecord?> LockJobAsync(long id) =>
        (await QueryAsync($"SELECT {SqlRunStore.JobColumns} FROM jobs WHERE id = @id{store.ForUpdate}", SqlRunStore.ReadJob, ("id", id))).FirstOrDefault();

    public async Task<JobRecord?> TryLockJobAsync(long id) =>
        (await QueryAsync($"SELECT {SqlRunStore.JobColumns} FROM jobs WHERE id = @id{store.SkipLocked}", SqlRunStore.ReadJob, ("id", id))).FirstOrDefault();

    public async Task<JobRecord?> LockJobByLeaseAsync(string leaseId) =>
        (await QueryAsync($"SELECT {SqlRunStore.JobColumns} FROM jobs WHERE lease_id = @lease{store.ForUpdate}", SqlRunStore.ReadJob, ("lease", leaseId))).FirstOrDefault();

    public async Task LockGroupAsync(string group)
    {
        if (store.LockGroupSql is { } sql)
        {
            await QueryAsync(sql, _ => 0, ("g", group));
        }
    }

    public Task<IReadOnlyList<RunRecord>> RunsInGroupAsync(string group) =>
        QueryAsync($"SELECT {SqlRunStore.RunColumns} FROM runs WHERE concurrency_group = @g AND status <> 'completed' ORDER BY created_at, id", SqlRunStore.ReadRun, ("g", group));

    public Task<IReadOnlyList<JobRecord>> JobsInGroupAsync(string group) =>
        QueryAsync($"SELECT {SqlRunStore.JobColumns} FROM jobs WHERE concurrency_group = @g AND status <> 'completed' AND superseded = 0 ORDER BY created_at, id",
            SqlRunStore.ReadJob, ("g", group));

    public async Task<WorkerRecord> TouchWorkerAsync(WorkerRecord worker) =>
        (await QueryAsync("""
            INSERT INTO workers (name, labels, capacity, embedded, first_seen, last_seen, lost) VALUES (@name, @labels, @capacity, @embedded, @seen, @seen, 0)
            ON CONFLICT (name) DO UPDATE SET labels = excluded.labels, capacity = excluded.capacity, embedded = excluded.embedded, last_seen = excluded.last_seen
            RETURNING name, labels, capacity, embedded, first_seen, last_seen, lost
            """, SqlRunStore.ReadWorker, ("name", worker.Name), ("labels", Sql.Json(worker.Labels)), ("capacity", worker.Capacity),
            ("embedded", worker.Embedded), ("seen", worker.LastSeen)))[0];

    public async Task<bool> SetWorkerLostAsync(string name, bool lost) =>
        await ExecAsync("UPDATE workers SET lost = @lost WHERE name = @name AND lost <> @lost", ("lost", lost), ("name", name)) > 0;

    public async Task<int> CountRunningAsync(string worker) =>
        (await QueryAsync("SELECT COUNT(*) FROM jobs WHERE worker = @w AND status = 'in_progress'", r => Sql.Int(r, 0), ("w", worker)))[0];

    public async Task<int> CountRunningLegsAsync(long runId, string jobId) =>
        (await QueryAsync("SELECT COUNT(*) FROM jobs WHERE run_id = @run AND job_id = @job AND status = 'in_progress' AND superseded = 0",
            r => Sql.Int(r, 0), ("run", runId), ("job", jobId)))[0];

    public Task AppendLogAsync(LogChunk chunk) =>
        ExecAsync("INSERT INTO job_logs (job_row, attempt, sequence, count, data, at) VALUES (@job, @attempt, @seq, @count, @data, @at)",
            ("job", chunk.JobRowId), ("attempt", chunk.Attempt), ("seq", chunk.Sequence), ("count", chunk.Count), ("data", chunk.Data), ("at", chunk.At));

    public Task AddApprovalAsync(JobApproval approval) =>
        ExecAsync("INSERT INTO job_approvals (job_row, approved, by_name, at, comment) VALUES (@job, @ok, @by, @at, @comment)",
            ("job", approval.JobRowId), ("ok", approval.Approved), ("by", approval.By), ("at", approval.At), ("comment", approval.Comment));

    public Task CommitAsync() => transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
        finally
        {
            store.EndWrite();
        }
    }

    private static (string, object?)[] RunArgs(RunRecord run) =>
    [
        ("repository", run.Repository), ("workflow_path", run.WorkflowPath), ("workflow_name", run.WorkflowName), ("run_number", run.RunNumber),
        ("attempt", run.Attempt), ("event", run.Event), ("ref", run.Ref), ("sha", run.Sha), ("actor", run.Actor), ("source", run.Source),
        ("default_branch", run.DefaultBranch), ("status", run.Status), ("conclusion", run.Conclusion), ("reason", run.Reason),
        ("dedup_key", run.DeduplicationKey), ("schedule", run.Schedule), ("scheduled_for", Sql.Ticks(run.ScheduledFor)),
        ("concurrency_group", run.ConcurrencyGroup), ("cancel_in_progress", run.CancelInProgress), ("cancel_requested", run.CancelRequested),
        ("created_at", run.CreatedAt), ("started_at", Sql.Ticks(run.StartedAt)), ("finished_at", Sql.Ticks(run.FinishedAt)), ("updated_at", run.UpdatedAt),
        ("commit_message", run.CommitMessage),
    ];

    private static (string, object?)[] JobArgs(JobRecord job) =>
    [
        ("run_id", job.RunId), ("job_id", job.JobId), ("created_at", job.CreatedAt), ("run_attempt", job.RunAttempt), ("job_key", job.Key),
        ("leg", job.Leg), ("leg_count", job.LegCount), ("label", job.Label), ("status", job.Status), ("conclusion", job.Conclusion),
        ("reason", job.Reason), ("runs_on", Sql.Json(job.RunsOn)), ("environment", job.Environment), ("concurrency_group", job.ConcurrencyGroup),
        ("cancel_in_progress", job.CancelInProgress), ("max_parallel", job.MaxParallel), ("fail_fast", job.FailFast), ("attempt", job.Attempt),
        ("worker", job.Worker), ("worker_embedded", job.WorkerEmbedded), ("lost_worker", job.LostWorker), ("lease_id", job.LeaseId),
        ("lease_expires", Sql.Ticks(job.LeaseExpires)), ("cancel_requested", job.CancelRequested), ("superseded", job.Superseded),
        ("spec", job.Spec), ("outputs", job.Outputs), ("report", job.Report), ("log_sequence", job.LogSequence),
        ("queued_at", Sql.Ticks(job.QueuedAt)), ("started_at", Sql.Ticks(job.StartedAt)), ("finished_at", Sql.Ticks(job.FinishedAt)),
    ];

    private Task<int> ExecAsync(string sql, params (string, object?)[] args) => Sql.ExecAsync(connection, transaction, sql, ct, args);

    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, params (string, object?)[] args) =>
        Sql.QueryAsync(connection, transaction, sql, read, ct, args);
}
