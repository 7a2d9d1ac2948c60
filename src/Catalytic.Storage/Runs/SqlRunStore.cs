using System.Collections.Immutable;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Catalytic.Pipelines.Runs;
using Catalytic.Pipelines.Triggers;
using Catalytic.Storage.Sql;

namespace Catalytic.Storage.Runs;

/// <summary>
/// <see cref="IRunStore"/> over plain ADO.NET, in the SQL SQLite and PostgreSQL share (ON CONFLICT, RETURNING, @name
/// parameters). The dialects differ in their DDL, how a writing transaction begins, and how rows are locked
/// (<see cref="ForUpdate"/>, <see cref="SkipLocked"/>, <see cref="LockGroupSql"/>). Times are UTC ticks, flags 0/1,
/// lists JSON: each round-trips exactly in both.
/// </summary>
public abstract class SqlRunStore : IRunStore
{
    internal const string RunColumns =
        "id, repository, workflow_path, workflow_name, run_number, attempt, event, ref, sha, actor, source, default_branch, status, conclusion, " +
        "reason, dedup_key, schedule, scheduled_for, concurrency_group, cancel_in_progress, cancel_requested, created_at, started_at, finished_at, updated_at, " +
        "commit_message";

    internal const string JobColumns =
        "id, run_id, run_attempt, job_id, job_key, leg, leg_count, label, status, conclusion, reason, runs_on, environment, concurrency_group, " +
        "cancel_in_progress, max_parallel, fail_fast, attempt, worker, worker_embedded, lost_worker, lease_id, lease_expires, cancel_requested, " +
        "superseded, spec, outputs, report, log_sequence, created_at, queued_at, started_at, finished_at";

    private const int LogPage = 64;

    /// <summary>Opens a ready connection.</summary>
    protected internal abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>The column type of an auto-incrementing key.</summary>
    protected abstract string AutoIdColumn { get; }

    /// <summary>Appended to a SELECT that locks the rows it reads until the transaction ends ("" where writers take turns).</summary>
    protected internal abstract string ForUpdate { get; }

    /// <summary>Appended to a SELECT that locks the rows it reads, passing over those another transaction holds.</summary>
    protected internal abstract string SkipLocked { get; }

    /// <summary>A statement serialising every transaction that names the group @g; null where writers take turns anyway.</summary>
    protected internal abstract string? LockGroupSql { get; }

    /// <summary>Begins a writing transaction on <paramref name="connection"/>.</summary>
    protected internal abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>Called once when a transaction begun by <see cref="BeginWriteAsync"/> has ended (committed or not).</summary>
    protected internal virtual void EndWrite()
    {
    }

    /// <inheritdoc/>
    public abstract bool IsTransient(Exception exception);

    /// <inheritdoc/>
    public virtual async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await Sql.ExecAsync(c, null, $"""
            CREATE TABLE IF NOT EXISTS runs (
              id {AutoIdColumn}, repository TEXT NOT NULL, workflow_path TEXT NOT NULL, workflow_name TEXT NOT NULL, run_number INTEGER NOT NULL,
              attempt INTEGER NOT NULL, event TEXT NOT NULL, ref TEXT NOT NULL, sha TEXT NOT NULL, actor TEXT NOT NULL, source TEXT NOT NULL,
              default_branch TEXT NULL, status TEXT NOT NULL, conclusion TEXT NULL, reason TEXT NULL, dedup_key TEXT NULL UNIQUE,
              schedule TEXT NULL, scheduled_for BIGINT NULL, concurrency_group TEXT NULL, cancel_in_progress INTEGER NOT NULL,
              cancel_requested INTEGER NOT NULL, created_at BIGINT NOT NULL, started_at BIGINT NULL, finished_at BIGINT NULL, updated_at BIGINT NOT NULL);
            CREATE INDEX IF NOT EXISTS runs_status ON runs (status, id);
            CREATE INDEX IF NOT EXISTS runs_repo ON runs (repository, id);
            CREATE INDEX IF NOT EXISTS runs_workflow ON runs (repository, workflow_path, ref, id);
            CREATE INDEX IF NOT EXISTS runs_group ON runs (concurrency_group, status);
            CREATE INDEX IF NOT EXISTS runs_ref ON runs (ref, id);
            CREATE INDEX IF NOT EXISTS runs_conclusion ON runs (conclusion, id);
            CREATE INDEX IF NOT EXISTS runs_repo_ref ON runs (repository, ref, id);
            CREATE TABLE IF NOT EXISTS run_requests (
              run_id BIGINT PRIMARY KEY, workflow_text TEXT NOT NULL, payload TEXT NOT NULL, inputs TEXT NOT NULL, errors TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS run_numbers (
              repository TEXT NOT NULL, workflow_path TEXT NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (repository, workflow_path));
            CREATE TABLE IF NOT EXISTS jobs (
              id {AutoIdColumn}, run_id BIGINT NOT NULL, run_attempt INTEGER NOT NULL, job_id TEXT NOT NULL, job_key TEXT NOT NULL, leg INTEGER NOT NULL,
              leg_count INTEGER NOT NULL, label TEXT NOT NULL, status TEXT NOT NULL, conclusion TEXT NULL, reason TEXT NULL, runs_on TEXT NOT NULL,
              environment TEXT NULL, concurrency_group TEXT NULL, cancel_in_progress INTEGER NOT NULL, max_parallel INTEGER NOT NULL,
              fail_fast INTEGER NOT NULL, attempt INTEGER NOT NULL, worker TEXT NULL, worker_embedded INTEGER NOT NULL, lost_worker TEXT NULL,
              lease_id TEXT NULL, lease_expires BIGINT NULL, cancel_requested INTEGER NOT NULL, superseded INTEGER NOT NULL, spec TEXT NULL,
              outputs TEXT NULL, report TEXT NULL, log_sequence BIGINT NOT NULL, created_at BIGINT NOT NULL, queued_at BIGINT NULL,
              started_at BIGINT NULL, finished_at BIGINT NULL);
            CREATE INDEX IF NOT EXISTS jobs_run ON jobs (run_id, id);
            CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, id);
            CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (lease_id);
            CREATE INDEX IF NOT EXISTS jobs_worker ON jobs (worker, status);
            CREATE INDEX IF NOT EXISTS jobs_group ON jobs (concurrency_group, status);
            CREATE TABLE IF NOT EXISTS job_logs (
              id {AutoIdColumn}, job_row BIGINT NOT NULL, attempt INTEGER NOT NULL, sequence BIGINT NOT NULL, count INTEGER NOT NULL,
              data TEXT NOT NULL, at BIGINT NOT NULL);
            CREATE INDEX IF NOT EXISTS job_logs_job ON job_logs (job_row, id);
            CREATE TABLE IF NOT EXISTS job_approvals (
              id {AutoIdColumn}, job_row BIGINT NOT NULL, approved INTEGER NOT NULL, by_name TEXT NOT NULL, at BIGINT NOT NULL, comment TEXT NULL);
            CREATE INDEX IF NOT EXISTS job_approvals_job ON job_approvals (job_row);
            CREATE TABLE IF NOT EXISTS workers (
              name TEXT PRIMARY KEY, labels TEXT NOT NULL, capacity INTEGER NOT NULL, embedded INTEGER NOT NULL, first_seen BIGINT NOT NULL,
              last_seen BIGINT NOT NULL, lost INTEGER NOT NULL);
            """, ct);
        // Added for the runs page (issue 13): the commit's subject line. Older databases gain the column; PostgreSQL
        // servers starting together are serialised by its schema lock, SQLite's writers by its file lock.
        if (!await SqlCommands.HasColumnAsync(c, "runs", "commit_message", ct))
        {
            await Sql.ExecAsync(c, null, "ALTER TABLE runs ADD COLUMN commit_message TEXT NULL", ct);
        }
    }

    /// <inheritdoc/>
    public async Task<IRunTransaction> BeginAsync(CancellationToken ct = default)
    {
        var c = await OpenAsync(ct);
        try
        {
            return new SqlRunTransaction(this, c, await BeginWriteAsync(c, ct), ct);
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<RunRecord?> GetRunAsync(long id, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {RunColumns} FROM runs WHERE id = @id", ReadRun, ct, ("id", id))).FirstOrDefault();

    /// <inheritdoc/>
    public async Task<RunRequestData?> GetRequestAsync(long runId, CancellationToken ct = default) =>
        (await QueryAsync("SELECT workflow_text, payload, inputs, errors FROM run_requests WHERE run_id = @id", r => new RunRequestData(
            r.GetString(0),
            r.GetString(1),
            JsonSerializer.Deserialize(r.GetString(2), RunJson.Default.DictionaryStringString) ?? [],
            [.. JsonSerializer.Deserialize(r.GetString(3), RunJson.Default.StringArray) ?? []]), ct, ("id", runId))).FirstOrDefault();

    /// <inheritdoc/>
    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken ct = default)
    {
        var where = new StringBuilder(" WHERE 1 = 1");
        var args = new List<(string, object?)> { ("limit", Math.Clamp(query.Limit, 1, 1000)) };
        if (query.Repository is { } repo)
        {
            where.Append(" AND repository = @repo");
            args.Add(("repo", repo));
        }

        if (query.Branch is { } branch)
        {
            where.Append(" AND ref = @ref");
            args.Add(("ref", branch.StartsWith("refs/", StringComparison.Ordinal) ? branch : "refs/heads/" + branch));
        }

        if (query.Status is { } status)
        {
            // A conclusion (success, failure…) is asked for as a status too, as GitHub's API allows. The two sets do not
            // overlap, so one column is compared, not both with OR: the OR kept SQLite off (status, id) and
            // (conclusion, id), and a rare status scanned every run (120 ms p95 with 100,000 runs, bench/dashboard).
            where.Append(RunStatuses.All.Contains(status) ? " AND status = @status" : " AND conclusion = @status");
            args.Add(("status", status));
        }

        if (query.Before is { } before)
        {
            where.Append(" AND id < @before");
            args.Add(("before", before));
        }

        return QueryAsync($"SELECT {RunColumns} FROM runs{where} ORDER BY id DESC LIMIT @limit", ReadRun, ct, [.. args]);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(long runId, bool history = false, CancellationToken ct = default) =>
        QueryAsync($"SELECT {JobColumns} FROM jobs WHERE run_id = @id{(history ? "" : " AND superseded = 0")} ORDER BY id", ReadJob, ct, ("id", runId));

    /// <inheritdoc/>
    public async Task<JobRecord?> GetJobAsync(long id, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {JobColumns} FROM jobs WHERE id = @id", ReadJob, ct, ("id", id))).FirstOrDefault();

    /// <inheritdoc/>
    public async Task<JobRecord?> GetJobByLeaseAsync(string leaseId, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {JobColumns} FROM jobs WHERE lease_id = @lease", ReadJob, ct, ("lease", leaseId))).FirstOrDefault();

    /// <inheritdoc/>
    public async Task<string?> PreviousConclusionAsync(RunRecord run, CancellationToken ct = default) =>
        (await QueryAsync("""
            SELECT conclusion FROM runs WHERE repository = @repo AND workflow_path = @wf AND ref = @ref AND status = 'completed' AND id < @id
            ORDER BY id DESC LIMIT 1
            """, r => r.IsDBNull(0) ? null : r.GetString(0), ct, ("repo", run.Repository), ("wf", run.WorkflowPath), ("ref", run.Ref), ("id", run.Id))).FirstOrDefault();

    /// <inheritdoc/>
    public Task<IReadOnlyList<JobApproval>> ListApprovalsAsync(long runId, CancellationToken ct = default) =>
        QueryAsync("""
            SELECT a.job_row, a.approved, a.by_name, a.at, a.comment FROM job_approvals a JOIN jobs j ON j.id = a.job_row
            WHERE j.run_id = @id ORDER BY a.id
            """, r => new JobApproval(r.GetInt64(0), Sql.Flag(r, 1), r.GetString(2), Sql.Time(r, 3), Sql.Text(r, 4)), ct, ("id", runId));

    /// <inheritdoc/>
    public Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken ct = default) =>
        QueryAsync("""
            SELECT w.name, w.labels, w.capacity, w.embedded, w.first_seen, w.last_seen, w.lost,
              (SELECT COUNT(*) FROM jobs j WHERE j.worker = w.name AND j.status = 'in_progress')
            FROM workers w ORDER BY w.name
            """, r => ReadWorker(r) with { Busy = Sql.Int(r, 7) }, ct);

    /// <inheritdoc/>
    // IN, not <> completed: the (status, id) index answers it instead of a scan of every run.
    public Task<IReadOnlyList<long>> ActiveRunIdsAsync(CancellationToken ct = default) =>
        QueryAsync($"SELECT id FROM runs WHERE status IN ('{RunStatuses.Queued}', '{RunStatuses.Pending}', '{RunStatuses.Waiting}', '{RunStatuses.InProgress}') ORDER BY id", r => r.GetInt64(0), ct);

    /// <inheritdoc/>
    public Task<IReadOnlyList<JobRecord>> ExpiredLeasesAsync(DateTimeOffset now, CancellationToken ct = default) =>
        QueryAsync($"SELECT {JobColumns} FROM jobs WHERE status = 'in_progress' AND lease_expires < @now ORDER BY id", ReadJob, ct, ("now", now.UtcTicks));

    /// <inheritdoc/>
    public Task<IReadOnlyList<JobRecord>> JobsOnWorkerAsync(string worker, CancellationToken ct = default) =>
        QueryAsync($"SELECT {JobColumns} FROM jobs WHERE worker = @w AND status = 'in_progress' ORDER BY id", ReadJob, ct, ("w", worker));

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> PendingGroupsAsync(CancellationToken ct = default) =>
        QueryAsync("""
            SELECT concurrency_group FROM runs WHERE status = 'pending' AND concurrency_group IS NOT NULL
            UNION SELECT concurrency_group FROM jobs WHERE status = 'pending' AND superseded = 0 AND concurrency_group IS NOT NULL
            """, r => r.GetString(0), ct);

    /// <inheritdoc/>
    public Task<IReadOnlyList<JobRecord>> QueuedJobsAsync(long afterId, int limit, CancellationToken ct = default) =>
        QueryAsync($"SELECT {JobColumns} FROM jobs WHERE status = 'queued' AND superseded = 0 AND id > @after ORDER BY id LIMIT @limit",
            ReadJob, ct, ("after", afterId), ("limit", limit));

    /// <inheritdoc/>
    public async IAsyncEnumerable<LogChunk> ReadLogAsync(long jobRowId, int? attempt, long afterId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var filter = attempt is null ? "" : " AND attempt = @attempt";
        while (true)
        {
            var page = await QueryAsync($"SELECT id, job_row, attempt, sequence, count, data, at FROM job_logs WHERE job_row = @job{filter} AND id > @after ORDER BY id LIMIT {LogPage}",
                r => new LogChunk(r.GetInt64(1), Sql.Int(r, 2), r.GetInt64(3), Sql.Int(r, 4), r.GetString(5), Sql.Time(r, 6), r.GetInt64(0)),
                ct, ("job", jobRowId), ("attempt", attempt ?? 0), ("after", afterId));
            foreach (var chunk in page)
            {
                yield return chunk;
                afterId = chunk.Id;
            }

            if (page.Count < LogPage)
            {
                yield break;
            }
        }
    }

    /// <inheritdoc/>
    public async Task<long> PruneLogsAsync(int? keepRuns, DateTimeOffset? finishedBefore, CancellationToken ct = default)
    {
        var conditions = new List<string>();
        if (keepRuns is { } keep)
        {
            conditions.Add($"r.id NOT IN (SELECT id FROM runs WHERE status = 'completed' ORDER BY id DESC LIMIT {Math.Max(0, keep).ToString(CultureInfo.InvariantCulture)})");
        }

        if (finishedBefore is not null)
        {
            conditions.Add("r.finished_at < @before");
        }

        if (conditions.Count == 0)
        {
            return 0;
        }

        await using var c = await OpenAsync(ct);
        return await Sql.ExecAsync(c, null, $"""
            DELETE FROM job_logs WHERE job_row IN (
              SELECT j.id FROM jobs j JOIN runs r ON r.id = j.run_id WHERE r.status = 'completed' AND ({string.Join(" OR ", conditions)}))
            """, ct, ("before", finishedBefore?.UtcTicks ?? 0));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<(string Repository, string Conclusion, TimeSpan Duration)>> FinishedRunsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        QueryAsync("""
            SELECT repository, conclusion, COALESCE(started_at, created_at), finished_at FROM runs
            WHERE status = 'completed' AND finished_at >= @from AND finished_at < @to ORDER BY finished_at
            """, r => (r.GetString(0), Sql.Text(r, 1) ?? Conclusions.Failure, TimeSpan.FromTicks(r.GetInt64(3) - r.GetInt64(2))), ct, ("from", from.UtcTicks), ("to", to.UtcTicks));

    /// <inheritdoc/>
    public async Task<DateTimeOffset?> LastFiredAsync(string repository, string workflowPath, string cron, CancellationToken ct = default) =>
        (await QueryAsync("SELECT MAX(scheduled_for) FROM runs WHERE repository = @repo AND workflow_path = @wf AND schedule = @cron",
            r => Sql.MaybeTime(r, 0), ct, ("repo", repository), ("wf", workflowPath), ("cron", cron))).FirstOrDefault();

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    internal static RunRecord ReadRun(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Repository = r.GetString(1),
        WorkflowPath = r.GetString(2),
        WorkflowName = r.GetString(3),
        RunNumber = Sql.Int(r, 4),
        Attempt = Sql.Int(r, 5),
        Event = r.GetString(6),
        Ref = r.GetString(7),
        Sha = r.GetString(8),
        Actor = r.GetString(9),
        Source = r.GetString(10),
        DefaultBranch = Sql.Text(r, 11),
        Status = r.GetString(12),
        Conclusion = Sql.Text(r, 13),
        Reason = Sql.Text(r, 14),
        DeduplicationKey = Sql.Text(r, 15),
        Schedule = Sql.Text(r, 16),
        ScheduledFor = Sql.MaybeTime(r, 17),
        ConcurrencyGroup = Sql.Text(r, 18),
        CancelInProgress = Sql.Flag(r, 19),
        CancelRequested = Sql.Flag(r, 20),
        CreatedAt = Sql.Time(r, 21),
        StartedAt = Sql.MaybeTime(r, 22),
        FinishedAt = Sql.MaybeTime(r, 23),
        UpdatedAt = Sql.Time(r, 24),
        CommitMessage = Sql.Text(r, 25),
    };

    internal static JobRecord ReadJob(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        RunId = r.GetInt64(1),
        RunAttempt = Sql.Int(r, 2),
        JobId = r.GetString(3),
        Key = r.GetString(4),
        Leg = Sql.Int(r, 5),
        LegCount = Sql.Int(r, 6),
        Label = r.GetString(7),
        Status = r.GetString(8),
        Conclusion = Sql.Text(r, 9),
        Reason = Sql.Text(r, 10),
        RunsOn = Sql.List(r.GetString(11)),
        Environment = Sql.Text(r, 12),
        ConcurrencyGroup = Sql.Text(r, 13),
        CancelInProgress = Sql.Flag(r, 14),
        MaxParallel = Sql.Int(r, 15),
        FailFast = Sql.Flag(r, 16),
        Attempt = Sql.Int(r, 17),
        Worker = Sql.Text(r, 18),
        WorkerEmbedded = Sql.Flag(r, 19),
        LostWorker = Sql.Text(r, 20),
        LeaseId = Sql.Text(r, 21),
        LeaseExpires = Sql.MaybeTime(r, 22),
        CancelRequested = Sql.Flag(r, 23),
        Superseded = Sql.Flag(r, 24),
        Spec = Sql.Text(r, 25),
        Outputs = Sql.Text(r, 26),
        Report = Sql.Text(r, 27),
        LogSequence = r.GetInt64(28),
        CreatedAt = Sql.Time(r, 29),
        QueuedAt = Sql.MaybeTime(r, 30),
        StartedAt = Sql.MaybeTime(r, 31),
        FinishedAt = Sql.MaybeTime(r, 32),
    };

    internal static WorkerRecord ReadWorker(DbDataReader r) => new()
    {
        Name = r.GetString(0),
        Labels = Sql.List(r.GetString(1)),
        Capacity = Sql.Int(r, 2),
        Embedded = Sql.Flag(r, 3),
        FirstSeen = Sql.Time(r, 4),
        LastSeen = Sql.Time(r, 5),
        Lost = Sql.Flag(r, 6),
    };

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var c = await OpenAsync(ct);
        return await Sql.QueryAsync(c, null, sql, read, ct, args);
    }
}

/// <summary>The ADO.NET plumbing both stores share: commands with parameters, and reading columns the same way from both databases.</summary>
internal static class Sql
{
    public static async Task<int> ExecAsync(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public static Task<IReadOnlyList<T>> QueryAsync<T>(DbConnection c, DbTransaction? tx, string sql, Func<DbDataReader, T> read, CancellationToken ct, params (string Name, object? Value)[] args) =>
        SqlCommands.QueryAsync(c, tx, sql, read, ct, Typed(args));

    public static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public static int Int(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);

    public static bool Flag(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture) != 0;

    public static DateTimeOffset Time(DbDataReader r, int i) => new(r.GetInt64(i), TimeSpan.Zero);

    public static DateTimeOffset? MaybeTime(DbDataReader r, int i) => r.IsDBNull(i) ? null : Time(r, i);

    public static ImmutableArray<string> List(string json) => [.. JsonSerializer.Deserialize(json, RunJson.Default.StringArray) ?? []];

    /// <summary>A time as stored, or a NULL typed for a BIGINT column.</summary>
    public static object Ticks(DateTimeOffset? at) => at is { } t ? t.UtcTicks : NullBigint;

    private static readonly TypedNull NullBigint = new(System.Data.DbType.Int64);

    public static string Json(ImmutableArray<string> list) => JsonSerializer.Serialize(list.IsDefault ? [] : list.ToArray(), RunJson.Default.StringArray);

    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, (string Name, object? Value)[] args) =>
        SqlCommands.Command(c, tx, sql, Typed(args));

    /// <summary>
    /// The run store's values as stored: a flag as 1 or 0, a time as ticks, a <see cref="TypedNull"/> as a NULL of its
    /// type; a plain null is left to <see cref="SqlCommands.Command"/>, which makes it text (the nullable columns compared
    /// or written with a NULL hold text or ticks, and ticks go through <see cref="Ticks"/>).
    /// </summary>
    private static IEnumerable<(string Name, object? Value, System.Data.DbType? Type)> Typed((string Name, object? Value)[] args) =>
        args.Select(a => a.Value switch
        {
            TypedNull n => (a.Name, (object?)null, (System.Data.DbType?)n.Type),
            bool b => (a.Name, b ? 1 : 0, null),
            DateTimeOffset t => (a.Name, t.UtcTicks, null),
            var v => (a.Name, v, null),
        });
}

/// <summary>A NULL parameter of a known type (PostgreSQL refuses a text NULL for a BIGINT column).</summary>
internal sealed record TypedNull(System.Data.DbType Type);
