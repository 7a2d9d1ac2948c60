using Catalytic.Pipelines.Triggers;

namespace Catalytic.Pipelines.Runs;

/// <summary>
/// Where runs, jobs, their logs and the workers live: SQLite for one server, PostgreSQL for several sharing the work
/// (Catalytic.Storage implements both with one contract test suite). Reads stand alone; every change is made in an
/// <see cref="IRunTransaction"/>, so the scheduler decides on rows nobody else changes meanwhile.
/// </summary>
public interface IRunStore : IScheduleHistory, IAsyncDisposable
{
    /// <summary>Creates the tables when missing.</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>
    /// Starts a transaction that may write. On SQLite writers take turns (a transaction holds the write lock from its
    /// start); on PostgreSQL rows are locked as they are read for change.
    /// </summary>
    Task<IRunTransaction> BeginAsync(CancellationToken ct = default);

    Task<RunRecord?> GetRunAsync(long id, CancellationToken ct = default);

    /// <summary>What <paramref name="runId"/> was asked with; null when there is no such run.</summary>
    Task<RunRequestData?> GetRequestAsync(long runId, CancellationToken ct = default);

    /// <summary>Runs matching <paramref name="query"/>, newest first.</summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunQuery query, CancellationToken ct = default);

    /// <summary>The run's current jobs in planning order; with <paramref name="history"/>, the superseded ones of earlier attempts too.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(long runId, bool history = false, CancellationToken ct = default);

    Task<JobRecord?> GetJobAsync(long id, CancellationToken ct = default);

    /// <summary>The job holding (or that last held) <paramref name="leaseId"/>, unlocked.</summary>
    Task<JobRecord?> GetJobByLeaseAsync(string leaseId, CancellationToken ct = default);

    /// <summary>How the latest completed run before <paramref name="run"/> of the same workflow on the same ref ended; null when none did.</summary>
    Task<string?> PreviousConclusionAsync(RunRecord run, CancellationToken ct = default);

    /// <summary>Whether <paramref name="exception"/> is a passing refusal (a deadlock, a serialisation failure, a busy database) after which the transaction may simply be run again.</summary>
    bool IsTransient(Exception exception);

    /// <summary>The approvals recorded for the run's jobs, oldest first.</summary>
    Task<IReadOnlyList<JobApproval>> ListApprovalsAsync(long runId, CancellationToken ct = default);

    /// <summary>Every worker seen, with the jobs each runs now.</summary>
    Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken ct = default);

    /// <summary>The ids of the runs that have not completed.</summary>
    Task<IReadOnlyList<long>> ActiveRunIdsAsync(CancellationToken ct = default);

    /// <summary>Jobs in progress whose lease expired before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<JobRecord>> ExpiredLeasesAsync(DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Jobs in progress on <paramref name="worker"/>.</summary>
    Task<IReadOnlyList<JobRecord>> JobsOnWorkerAsync(string worker, CancellationToken ct = default);

    /// <summary>The concurrency groups (lower-cased) that have a run or a job waiting in them.</summary>
    Task<IReadOnlyList<string>> PendingGroupsAsync(CancellationToken ct = default);

    /// <summary>
    /// Queued jobs after <paramref name="afterId"/> in queue order, at most <paramref name="limit"/>, read without a lock:
    /// candidates a worker then tries to lock one by one (<see cref="IRunTransaction.TryLockJobAsync"/>).
    /// </summary>
    Task<IReadOnlyList<JobRecord>> QueuedJobsAsync(long afterId, int limit, CancellationToken ct = default);

    /// <summary>
    /// The job's log batches of <paramref name="attempt"/> (every attempt when null) stored after batch
    /// <paramref name="afterId"/> (<see cref="LogChunk.Id"/>; 0 from the start), in order, read a page at a time (never
    /// the whole log at once).
    /// </summary>
    IAsyncEnumerable<LogChunk> ReadLogAsync(long jobRowId, int? attempt, long afterId, CancellationToken ct = default);

    /// <summary>
    /// Deletes the logs of completed runs beyond the newest <paramref name="keepRuns"/> (when given) and of runs that
    /// finished before <paramref name="finishedBefore"/> (when given); the runs' records stay. Returns the batches deleted.
    /// </summary>
    Task<long> PruneLogsAsync(int? keepRuns, DateTimeOffset? finishedBefore, CancellationToken ct = default);

    /// <summary>Runs that finished in [<paramref name="from"/>, <paramref name="to"/>): their repository, conclusion and duration.</summary>
    Task<IReadOnlyList<(string Repository, string Conclusion, TimeSpan Duration)>> FinishedRunsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);
}

/// <summary>
/// One unit of change to runs and jobs. Nothing is visible to others before <see cref="CommitAsync"/>; disposing
/// without committing rolls back.
/// </summary>
public interface IRunTransaction : IAsyncDisposable
{
    /// <summary>The run made for <paramref name="key"/>, if any.</summary>
    Task<RunCreated?> FindByDeduplicationKeyAsync(string key);

    /// <summary>The next run number of (repository, workflow).</summary>
    Task<int> NextRunNumberAsync(string repository, string workflowPath);

    /// <summary>Inserts a run and its request; null when its deduplication key was taken meanwhile (by another server).</summary>
    Task<long?> InsertRunAsync(RunRecord run, RunRequestData request);

    /// <summary>The run, locked for change until the end of the transaction; null when there is none.</summary>
    Task<RunRecord?> LockRunAsync(long id);

    /// <summary>Writes every mutable field of <paramref name="run"/>.</summary>
    Task UpdateRunAsync(RunRecord run);

    /// <summary>The run's current (not superseded) jobs, in planning order.</summary>
    Task<IReadOnlyList<JobRecord>> JobsAsync(long runId);

    Task<long> InsertJobAsync(JobRecord job);

    /// <summary>Writes every mutable field of <paramref name="job"/>.</summary>
    Task UpdateJobAsync(JobRecord job);

    /// <summary>The run, locked, or null when another transaction holds it (PostgreSQL's SKIP LOCKED) or it does not exist.</summary>
    Task<RunRecord?> TryLockRunAsync(long id);

    /// <summary>The job, locked (waiting for another transaction that holds it); null when it does not exist.</summary>
    Task<JobRecord?> LockJobAsync(long id);

    /// <summary>The job, locked; null when another transaction holds it (PostgreSQL's SKIP LOCKED) or it does not exist.</summary>
    Task<JobRecord?> TryLockJobAsync(long id);

    /// <summary>The job holding <paramref name="leaseId"/>, locked; null when no job holds it (any more).</summary>
    Task<JobRecord?> LockJobByLeaseAsync(string leaseId);

    /// <summary>Serialises every change to concurrency group <paramref name="group"/> until the end of the transaction.</summary>
    Task LockGroupAsync(string group);

    /// <summary>The runs in <paramref name="group"/> that have not completed, oldest first.</summary>
    Task<IReadOnlyList<RunRecord>> RunsInGroupAsync(string group);

    /// <summary>The jobs in <paramref name="group"/> that have not completed, oldest first.</summary>
    Task<IReadOnlyList<JobRecord>> JobsInGroupAsync(string group);

    /// <summary>Records that the worker asked for work now (insert or update), locked so its free capacity is counted once.</summary>
    Task<WorkerRecord> TouchWorkerAsync(WorkerRecord worker);

    /// <summary>Marks <paramref name="name"/> lost or back; returns whether that changed anything.</summary>
    Task<bool> SetWorkerLostAsync(string name, bool lost);

    /// <summary>Jobs in progress on <paramref name="worker"/>.</summary>
    Task<int> CountRunningAsync(string worker);

    /// <summary>Legs of (run, workflow job) in progress: max-parallel counts these.</summary>
    Task<int> CountRunningLegsAsync(long runId, string jobId);

    /// <summary>Stores a batch of a job's messages.</summary>
    Task AppendLogAsync(LogChunk chunk);

    Task AddApprovalAsync(JobApproval approval);

    Task CommitAsync();
}
