using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Catalytic.Pipelines.Runs;

/// <summary>Where a run stands (GitHub's words).</summary>
public static class RunStatuses
{
    /// <summary>Recorded; no job has started yet.</summary>
    public const string Queued = "queued";

    /// <summary>Waiting for its workflow's concurrency group.</summary>
    public const string Pending = "pending";

    /// <summary>A job has started.</summary>
    public const string InProgress = "in_progress";

    /// <summary>Nothing runs; a job waits for an approval.</summary>
    public const string Waiting = "waiting";

    /// <summary>Ended: see its conclusion.</summary>
    public const string Completed = "completed";

    /// <summary>Every status a run can have (none is also a conclusion's name).</summary>
    public static readonly FrozenSet<string> All = FrozenSet.ToFrozenSet([Queued, Pending, InProgress, Waiting, Completed], StringComparer.Ordinal);
}

/// <summary>Where a job stands.</summary>
public static class JobStatuses
{
    /// <summary>Waiting for its concurrency group.</summary>
    public const string Pending = "pending";

    /// <summary>Waiting for an approval of its environment.</summary>
    public const string Waiting = "waiting";

    /// <summary>Ready: a worker whose labels match may take it.</summary>
    public const string Queued = "queued";

    /// <summary>Leased to a worker.</summary>
    public const string InProgress = "in_progress";

    /// <summary>Ended: see its conclusion.</summary>
    public const string Completed = "completed";

    /// <summary>Whether a job in <paramref name="status"/> holds its place in a concurrency group (it is past pending).</summary>
    public static bool IsAdmitted(string status) => status is Waiting or Queued or InProgress;
}

/// <summary>How a run or a job ended.</summary>
public static class Conclusions
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Cancelled = "cancelled";
    public const string Skipped = "skipped";
}

/// <summary>
/// One run as the store keeps it: one workflow of one repository at one commit for one event. The request it came from
/// (workflow text, payload, inputs) is kept apart (<see cref="RunRequestData"/>), so listing runs reads only this.
/// </summary>
public sealed record RunRecord
{
    public long Id { get; init; }

    public required string Repository { get; init; }

    public required string WorkflowPath { get; init; }

    /// <summary>The workflow's <c>name:</c> (its path when it has none or cannot be read).</summary>
    public required string WorkflowName { get; init; }

    /// <summary>1, 2, … per (repository, workflow file).</summary>
    public int RunNumber { get; init; }

    /// <summary>1, then one more for each re-run.</summary>
    public int Attempt { get; init; } = 1;

    public required string Event { get; init; }

    public required string Ref { get; init; }

    public required string Sha { get; init; }

    public required string Actor { get; init; }

    /// <summary>What noticed it: commit, poll, webhook, schedule, api…</summary>
    public required string Source { get; init; }

    /// <summary>The first line of the commit's message, when the trigger knew it (at most <see cref="RunScheduler.MaxCommitMessage"/> characters).</summary>
    public string? CommitMessage { get; init; }

    /// <summary>The repository's default branch when the run was made (runs on it and on tags are watched by status).</summary>
    public string? DefaultBranch { get; init; }

    public string Status { get; init; } = RunStatuses.Queued;

    public string? Conclusion { get; init; }

    /// <summary>Why it ended as it did, for a person (an invalid workflow, a cancel and by whom, a concurrency group).</summary>
    public string? Reason { get; init; }

    public string? DeduplicationKey { get; init; }

    public string? Schedule { get; init; }

    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>The workflow's concurrency group (case-insensitive: kept lower-cased), or null.</summary>
    public string? ConcurrencyGroup { get; init; }

    public bool CancelInProgress { get; init; }

    /// <summary>Set by a cancel: no new job starts except those whose <c>if:</c> asks for it (<c>always()</c>, <c>cancelled()</c>).</summary>
    public bool CancelRequested { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Whether the run is on the repository's default branch or a tag (what status alerts on).</summary>
    public bool IsDefaultBranchOrTag =>
        Ref.StartsWith("refs/tags/", StringComparison.Ordinal) || (DefaultBranch is { } b && Ref == "refs/heads/" + b);
}

/// <summary>What a run was asked with: the workflow's text at its commit, the event payload, dispatch inputs and the workflow's errors.</summary>
public sealed record RunRequestData(string WorkflowText, string Payload, IReadOnlyDictionary<string, string> Inputs, ImmutableArray<string> Errors);

/// <summary>
/// One job of a run as the store keeps it: one leg of a workflow job (one matrix combination, or the job itself), from
/// the moment its <c>needs</c> were done and it was planned. A re-queued job keeps its row (<see cref="Attempt"/> 2); a
/// re-run makes new rows and marks the old ones superseded.
/// </summary>
public sealed record JobRecord
{
    public long Id { get; init; }

    public long RunId { get; init; }

    /// <summary>The run attempt that planned it.</summary>
    public int RunAttempt { get; init; } = 1;

    /// <summary>The job's id in the workflow.</summary>
    public required string JobId { get; init; }

    /// <summary>Its key in the run: the job id, with <c>.N</c> (1-based) for a leg of a matrix of several.</summary>
    public required string Key { get; init; }

    /// <summary>0-based leg of its strategy; <see cref="LegCount"/> legs in all.</summary>
    public int Leg { get; init; }

    public int LegCount { get; init; } = 1;

    /// <summary>How it is shown: <c>build (ubuntu, 20)</c>.</summary>
    public required string Label { get; init; }

    public string Status { get; init; } = JobStatuses.Queued;

    public string? Conclusion { get; init; }

    public string? Reason { get; init; }

    /// <summary>The labels a worker must all have (lower-cased).</summary>
    public ImmutableArray<string> RunsOn { get; init; } = [];

    /// <summary>The <c>environment:</c> it deploys to, or null.</summary>
    public string? Environment { get; init; }

    /// <summary>Its job-level concurrency group (lower-cased), or null.</summary>
    public string? ConcurrencyGroup { get; init; }

    public bool CancelInProgress { get; init; }

    /// <summary>Legs of its strategy that may run at once.</summary>
    public int MaxParallel { get; init; } = int.MaxValue;

    public bool FailFast { get; init; }

    /// <summary>1; 2 once re-queued after its worker was lost (a job is re-queued once).</summary>
    public int Attempt { get; init; } = 1;

    public string? Worker { get; init; }

    public bool WorkerEmbedded { get; init; }

    /// <summary>The worker that lost it the first time: the re-queued attempt goes to another one.</summary>
    public string? LostWorker { get; init; }

    public string? LeaseId { get; init; }

    public DateTimeOffset? LeaseExpires { get; init; }

    /// <summary>Its worker is to cancel it (the run was cancelled, a sibling failed under fail-fast, a newer run took the group).</summary>
    public bool CancelRequested { get; init; }

    public bool Superseded { get; init; }

    /// <summary>The job as a worker gets it (JSON of <c>JobSpec</c>); null for a job that never runs (skipped, failed before start).</summary>
    public string? Spec { get; init; }

    /// <summary>The outputs it set (JSON object), those that held no secret: what <c>needs.&lt;job&gt;.outputs</c> gives.</summary>
    public string? Outputs { get; init; }

    /// <summary>Its report as the worker made it (JSON, masked): steps, durations.</summary>
    public string? Report { get; init; }

    /// <summary>Messages stored for the current attempt (log lines and step events), numbered from 0.</summary>
    public long LogSequence { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? QueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public bool IsTerminal => Status == JobStatuses.Completed;
}

/// <summary>A worker as the server last saw it.</summary>
public sealed record WorkerRecord
{
    public required string Name { get; init; }

    public ImmutableArray<string> Labels { get; init; } = [];

    public int Capacity { get; init; }

    public bool Embedded { get; init; }

    public DateTimeOffset FirstSeen { get; init; }

    public DateTimeOffset LastSeen { get; init; }

    /// <summary>Set when a lease of it lapsed; cleared when it asks for work or renews again.</summary>
    public bool Lost { get; init; }

    /// <summary>Jobs it runs now (filled by listings).</summary>
    public int Busy { get; init; }
}

/// <summary>A job of a run's workflow as written: its id, its name (the id when the name is an expression) and the jobs it needs.</summary>
public sealed record WorkflowJobNode(string Id, string Name, ImmutableArray<string> Needs);

/// <summary>An approval decision about a job waiting for its environment.</summary>
public sealed record JobApproval(long JobRowId, bool Approved, string By, DateTimeOffset At, string? Comment);

/// <summary>A run listing's filters; newest first.</summary>
public sealed record RunQuery
{
    public string? Repository { get; init; }

    /// <summary>A branch name (<c>refs/heads/</c> added) or a full ref.</summary>
    public string? Branch { get; init; }

    public string? Status { get; init; }

    /// <summary>Only runs with a smaller id (paging).</summary>
    public long? Before { get; init; }

    public int Limit { get; init; } = 50;
}

/// <summary>
/// A batch of a job's messages as stored: the JSON lines of the messages numbered <see cref="Sequence"/> onwards of one
/// attempt (-1 for a line of the server's own). Logs are kept in batches (as the worker reported them), so a 100 MB log
/// is many small rows, read one at a time. <see cref="Id"/> is the batch's place among every batch stored (0 before it is
/// stored): a follower's cursor.
/// </summary>
public sealed record LogChunk(long JobRowId, int Attempt, long Sequence, int Count, string Data, DateTimeOffset At, long Id = 0);
