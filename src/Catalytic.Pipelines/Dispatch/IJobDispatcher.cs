using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Hosting;

namespace Catalytic.Pipelines.Dispatch;

/// <summary>A worker as it presents itself when it asks for work.</summary>
/// <param name="Name">Unique among the server's workers (the embedded one is named after the server).</param>
/// <param name="Labels">What its jobs' <c>runs-on</c> may ask for.</param>
/// <param name="Capacity">Jobs it runs at once.</param>
public sealed record WorkerInfo(string Name, IReadOnlyList<string> Labels, int Capacity)
{
    /// <summary>The jobs it runs now, by lease: a worker that lost track of one is told to stop it.</summary>
    public IReadOnlyList<string> Running { get; init; } = [];

    /// <summary>The embedded worker of <c>serve</c> (same process, same machine as the mirrors).</summary>
    public bool Embedded { get; init; }
}

/// <summary>One job handed to one worker under a lease, with everything it needs to run.</summary>
public sealed record JobAssignment
{
    /// <summary>Opaque and unguessable; names (job, attempt, worker). Every later call about the job carries it.</summary>
    public required string LeaseId { get; init; }

    public required long RunId { get; init; }

    /// <summary>The job's key in its run (its report id with the matrix leg), as the API and the CLI show it.</summary>
    public required string JobKey { get; init; }

    /// <summary>1 for the first attempt; a re-queued job (worker lost) or a re-run gets the next.</summary>
    public required int Attempt { get; init; }

    public required JobSpec Spec { get; init; }

    /// <summary>The repository's name on the server (its mirror is fetched from the server by this name).</summary>
    public required string Repository { get; init; }

    /// <summary>The commit to check out.</summary>
    public required string Sha { get; init; }

    /// <summary>The values of the secrets <see cref="JobSpec.Secrets"/> names (host name → value), and nothing else.</summary>
    public required IReadOnlyDictionary<string, string> Secrets { get; init; }

    /// <summary>How long the lease holds without a renewal; renew at a third of it.</summary>
    public required TimeSpan LeaseDuration { get; init; }

    /// <summary>
    /// The job's credential for the server's API (<c>cjt_…</c>: what <c>catalytic/deploy@v1</c> deploys with from a remote
    /// worker), valid while this lease holds the job and for nothing but that job's deployments. A secret: masked in the
    /// job's output, never logged. Null from a dispatcher that issues none.
    /// </summary>
    public string? JobToken { get; init; }
}

/// <summary>What a worker must do with a job after a renewal or a report.</summary>
public enum LeaseVerdict
{
    /// <summary>Go on.</summary>
    Continue,

    /// <summary>The run was cancelled: cancel the job as Ctrl-C would (post steps run) and report it.</summary>
    Cancel,

    /// <summary>The lease is gone (it lapsed and the job was re-queued elsewhere, or the job ended): stop at once, report nothing more.</summary>
    Revoked,
}

/// <summary>
/// The queue as workers see it: the embedded worker of <c>serve</c> calls it in-process, a remote
/// <c>catalytic worker</c> over HTTP. Implemented on the store, so several servers on one PostgreSQL hand each job out
/// once. Every call is idempotent where a worker may retry it (a batch of messages is numbered).
/// </summary>
public interface IJobDispatcher
{
    /// <summary>
    /// Waits up to <paramref name="wait"/> (long poll) for a job whose <c>runs-on</c> this worker's labels satisfy,
    /// within its free capacity; records the worker as seen. Null when none came in time.
    /// </summary>
    Task<JobAssignment?> AcquireAsync(WorkerInfo worker, TimeSpan wait, CancellationToken ct = default);

    /// <summary>Extends the lease by its duration.</summary>
    Task<LeaseVerdict> RenewAsync(string leaseId, CancellationToken ct = default);

    /// <summary>
    /// Appends what the job produced since the last report (log lines, started and finished steps), in order.
    /// <paramref name="sequence"/> is the number of the batch's first message within the lease; messages already
    /// stored (a retried batch) are skipped.
    /// </summary>
    Task<LeaseVerdict> ReportAsync(string leaseId, long sequence, IReadOnlyList<WorkerMessage> messages, CancellationToken ct = default);

    /// <summary>The job ended: records its outcome and releases the lease. A second call with the same lease does nothing.</summary>
    Task CompleteAsync(string leaseId, JobOutcome outcome, CancellationToken ct = default);
}

/// <summary>The artifacts and caches the server keeps, so the jobs of one run may land on different workers.</summary>
public interface IRunFiles
{
    /// <summary>The artifacts of the run that holds <paramref name="leaseId"/>'s job.</summary>
    IArtifactStore Artifacts(string leaseId);

    /// <summary>The caches of the repository that holds <paramref name="leaseId"/>'s job.</summary>
    ICacheStores Caches(string leaseId);
}
