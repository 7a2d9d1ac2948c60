using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Catalytic.Pipelines.Triggers;

/// <summary>
/// Why a run starts: one workflow file of one repository at one commit, for one event. The triggers make these (the
/// ref watcher, the poller, webhooks, schedules, dispatches) after deciding with the workflow's <c>on:</c> that it
/// runs; the run queue (<see cref="IRunQueue"/>) records each as a run with its jobs queued.
/// </summary>
public sealed record RunRequest
{
    /// <summary>The repository's name (a key of <c>repositories:</c>, or the served repository's folder name).</summary>
    public required string Repository { get; init; }

    /// <summary>The workflow file, relative to the repository root with <c>/</c> (<c>.github/workflows/ci.yml</c>).</summary>
    public required string WorkflowPath { get; init; }

    /// <summary>The workflow file's text at <see cref="Sha"/>: the run executes what was committed, whatever comes later.</summary>
    public required string WorkflowText { get; init; }

    /// <summary>push, pull_request, schedule, workflow_dispatch, repository_dispatch…</summary>
    public required string EventName { get; init; }

    /// <summary>The event payload (<c>github.event</c>), shaped as GitHub sends it for <see cref="EventName"/>.</summary>
    public required JsonObject Payload { get; init; }

    /// <summary><c>refs/heads/B</c>, <c>refs/tags/T</c>, <c>refs/pull/N/merge</c>.</summary>
    public required string Ref { get; init; }

    /// <summary>The commit the run checks out.</summary>
    public required string Sha { get; init; }

    /// <summary>Who caused it: the pusher, the webhook's sender, the dispatching user; for schedules the repository's owner.</summary>
    public required string Actor { get; init; }

    /// <summary>workflow_dispatch inputs as given (raw strings, typed and checked against the workflow's definitions).</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>What noticed it, for the record: <c>commit</c>, <c>poll</c>, <c>webhook</c>, <c>schedule</c>, <c>api</c>…</summary>
    public required string Source { get; init; }

    /// <summary>The commit's message when the trigger read it; null: the payload's <c>head_commit.message</c> (a push) is used.</summary>
    public string? CommitMessage { get; init; }

    /// <summary>
    /// The file's errors (<c>file:line:column: error: …</c>) when the workflow at <see cref="Sha"/> is invalid: the queue
    /// records a failed run that shows them, as GitHub's "Invalid workflow file" does, and queues no job.
    /// </summary>
    public ImmutableArray<string> WorkflowErrors { get; init; } = [];

    /// <summary>
    /// At most one run per key, across restarts and servers (a webhook's delivery id redelivered, a schedule's
    /// occurrence seen by two servers); null: no deduplication.
    /// </summary>
    public string? DeduplicationKey { get; init; }

    /// <summary>
    /// For <c>schedule</c>: the cron occurrence (UTC) this run is for. The store keeps it so that
    /// <see cref="IScheduleHistory.LastFiredAsync"/> can say when a schedule last fired, across restarts and servers.
    /// </summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>For <c>schedule</c>: the cron expression (as written in the workflow) that fired; null otherwise.</summary>
    public string? Schedule { get; init; }
}

/// <summary>Records runs and queues their jobs.</summary>
public interface IRunQueue
{
    /// <summary>Records <paramref name="request"/> as a run (durably, before returning) and queues the jobs it can start.</summary>
    Task<RunCreated> EnqueueAsync(RunRequest request, CancellationToken ct = default);
}

/// <summary>
/// When each schedule last fired, read from the recorded runs (the queue's store implements it): a schedule missed while
/// the server was down fires once on start, and a second server does not fire an occurrence the first one already did.
/// </summary>
public interface IScheduleHistory
{
    /// <summary>
    /// The latest <see cref="RunRequest.ScheduledFor"/> recorded for (<paramref name="repository"/>,
    /// <paramref name="workflowPath"/>, <paramref name="cron"/>), or null when that schedule never fired.
    /// </summary>
    Task<DateTimeOffset?> LastFiredAsync(string repository, string workflowPath, string cron, CancellationToken ct = default);
}

/// <summary>The run a request became; <paramref name="Duplicate"/> when its deduplication key had made it already.</summary>
public sealed record RunCreated(long RunId, int RunNumber, bool Duplicate);
