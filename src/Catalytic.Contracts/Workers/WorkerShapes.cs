using System.Text.Json;

namespace Catalytic.Contracts.Workers;

/// <summary>A worker asks for a job.</summary>
/// <param name="Name">Unique among the server's workers: 1 to 64 letters, digits, <c>.</c>, <c>_</c>, <c>-</c>.</param>
/// <param name="Labels">What its jobs' <c>runs-on</c> may ask for; <c>!label</c> is a mandatory one (only jobs asking for it).</param>
/// <param name="Capacity">Jobs it runs at once (1 to 256).</param>
/// <param name="Running">The leases of the jobs it runs now.</param>
/// <param name="WaitSeconds">How long the server may hold the request for a job (long poll), 0 to 60; default 30.</param>
public sealed record WorkerAcquireBody(string Name, IReadOnlyList<string> Labels, int Capacity, IReadOnlyList<string>? Running = null, int? WaitSeconds = null);

/// <summary>
/// A job handed to a worker: the lease every later call names, the run, the commit to fetch, the job as the runner's
/// JSON, and the values of the secrets it names (this answer goes to the worker that took the job and nowhere else).
/// </summary>
/// <param name="Lease">Opaque; usable only with the credential that acquired it.</param>
/// <param name="Spec">The runner's <c>JobSpec</c> (its own JSON, version 1: Catalytic.Runner's JobSpecJsonContext).</param>
/// <param name="LeaseSeconds">How long the lease holds without a renewal; renew at a third of it.</param>
/// <param name="JobToken">
/// The job's own credential for the server's API while the lease holds (<c>catalytic/deploy@v1</c> deploys with it); a
/// secret, to be masked in the job's output and never logged. Null from a server that issues none.
/// </param>
public sealed record WorkerAssignmentView(
    string Lease,
    long RunId,
    string JobKey,
    int Attempt,
    string Repository,
    string Sha,
    double LeaseSeconds,
    JsonElement Spec,
    IReadOnlyDictionary<string, string> Secrets,
    string? JobToken = null);

/// <summary>What the server says about a lease after a renewal, report or completion.</summary>
/// <param name="Verdict"><c>continue</c>, <c>cancel</c> (the run was cancelled: cancel as Ctrl-C would, report it) or <c>revoked</c> (stop at once, report nothing more).</param>
public sealed record LeaseAnswer(string Verdict);

/// <summary>The verdicts of a <see cref="LeaseAnswer"/>.</summary>
public static class LeaseVerdicts
{
    public const string Continue = "continue";
    public const string Cancel = "cancel";
    public const string Revoked = "revoked";
}

/// <summary>
/// What a job produced since the last report: the runner's <c>WorkerMessage</c>s (log lines, steps started and
/// finished), in order. <paramref name="Sequence"/> numbers the first of them within the lease (0 for the first
/// message); the server skips those it already stored, so a batch is resent as it is after a failure.
/// </summary>
public sealed record WorkerReportBody(long Sequence, IReadOnlyList<JsonElement> Messages);

/// <summary>The job ended: the runner's <c>JobOutcome</c> (result, outcome, reason, outputs, report).</summary>
public sealed record WorkerCompleteBody(JsonElement Outcome);

/// <summary>One artifact of a run.</summary>
public sealed record WorkerArtifactView(long Id, string Name, int FileCount, long SizeBytes, int? RetentionDays, DateTimeOffset CreatedAt);

/// <summary>One cache entry of a repository.</summary>
public sealed record WorkerCacheEntryView(string Id, string Key, string Version, long SizeBytes, DateTimeOffset CreatedAt, DateTimeOffset LastAccessedAt);

/// <summary><c>actions/cache</c>'s restore: the primary key, the restore keys (prefixes, in order) and the version (the paths).</summary>
public sealed record WorkerCacheLookupBody(string Key, IReadOnlyList<string> RestoreKeys, string Version);

/// <summary>A lookup's answer: the entry (null on a miss) and whether it matched the primary key exactly.</summary>
public sealed record WorkerCacheLookupView(WorkerCacheEntryView? Entry, bool ExactMatch);

/// <summary>A save's answer: <c>saved</c>, <c>already-exists</c> or <c>too-large</c>, with the entry when saved; and the store's limit.</summary>
public sealed record WorkerCacheSaveView(string Outcome, WorkerCacheEntryView? Entry, long MaxBytes);
