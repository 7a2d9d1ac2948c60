using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Runs;

/// <summary>The run queue's log messages (source-generated; event ids 6300–6399 are the queue's).</summary>
internal static partial class RunLog
{
    [LoggerMessage(6300, LogLevel.Information, "run {RunId} ({Repository} {Workflow} #{Number}, {Event} {Ref}) recorded: {Status}")]
    public static partial void RunCreated(ILogger logger, long runId, string repository, string workflow, int number, string @event, string @ref, string status);

    [LoggerMessage(6301, LogLevel.Information, "run {RunId} ({Repository} {Workflow} #{Number}) completed: {Conclusion}")]
    public static partial void RunCompleted(ILogger logger, long runId, string repository, string workflow, int number, string conclusion);

    [LoggerMessage(6302, LogLevel.Warning, "run {RunId} job {Job}: worker {Worker} lost (its lease lapsed); {Decision}")]
    public static partial void WorkerLost(ILogger logger, long runId, string job, string worker, string decision);

    [LoggerMessage(6303, LogLevel.Error, "a pipeline observer ({Observer}) failed on {Event}; the others were told")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string @event, string observer);

    [LoggerMessage(6304, LogLevel.Error, "the run queue's {Loop} failed and goes on at its next turn")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string loop);

    [LoggerMessage(6305, LogLevel.Information, "embedded worker {Worker}: {Capacity} slots, labels {Labels}")]
    public static partial void EmbeddedWorkerStarted(ILogger logger, string worker, int capacity, string labels);

    [LoggerMessage(6306, LogLevel.Warning, "embedded worker: run {RunId} job {Job} could not be prepared: {Reason}")]
    public static partial void JobNotPrepared(ILogger logger, long runId, string job, string reason);

    [LoggerMessage(6307, LogLevel.Error, "embedded worker: run {RunId} job {Job} failed outside its steps")]
    public static partial void JobCrashed(ILogger logger, Exception exception, long runId, string job);

    [LoggerMessage(6308, LogLevel.Information, "deleted {Chunks} log batches of old runs (retention: {Retention})")]
    public static partial void LogsPruned(ILogger logger, long chunks, string retention);

    [LoggerMessage(6309, LogLevel.Warning, "environment rules in {File} are invalid; the last valid ones stay: {Errors}")]
    public static partial void EnvironmentRulesInvalid(ILogger logger, string file, string errors);

    [LoggerMessage(6310, LogLevel.Information, "worker {Worker} is back")]
    public static partial void WorkerBack(ILogger logger, string worker);

    [LoggerMessage(6311, LogLevel.Warning, "embedded worker: a directory of job {Job} could not be removed: {Directory}")]
    public static partial void DirectoryKept(ILogger logger, Exception exception, string job, string directory);

    [LoggerMessage(6312, LogLevel.Warning, "the store refused a change ({Reason}); trying again")]
    public static partial void Retrying(ILogger logger, string reason);
}
