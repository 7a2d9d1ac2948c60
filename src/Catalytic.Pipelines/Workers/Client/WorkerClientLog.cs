using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Workers.Client;

/// <summary>
/// The remote worker's log messages (event ids 6450–6499; the server side's are 6400–6449). A lease, a token or a
/// secret never appears: a job is named by its run and key.
/// </summary>
internal static partial class WorkerClientLog
{
    [LoggerMessage(6450, LogLevel.Information, "worker {Worker} asks {Server} for jobs (labels {Labels}, capacity {Capacity})")]
    public static partial void Polling(ILogger logger, string worker, string server, string labels, int capacity);

    [LoggerMessage(6451, LogLevel.Information, "took {Job} of run {Run} (attempt {Attempt}) from repository {Repository} at {Sha}")]
    public static partial void Took(ILogger logger, string job, long run, int attempt, string repository, string sha);

    [LoggerMessage(6452, LogLevel.Information, "{Job} of run {Run}: {Result}")]
    public static partial void Finished(ILogger logger, string job, long run, string result);

    [LoggerMessage(6453, LogLevel.Warning, "the server does not answer ({What}, attempt {Attempt}); trying again in {Seconds:0.0} s: {Reason}")]
    public static partial void ServerAway(ILogger logger, string what, int attempt, double seconds, string reason);

    [LoggerMessage(6454, LogLevel.Warning, "{Job} of run {Run}: the lease is revoked (the job went to another worker, or ended); stopped it")]
    public static partial void Revoked(ILogger logger, string job, long run);

    [LoggerMessage(6455, LogLevel.Information, "{Job} of run {Run}: the run was cancelled; cancelling the job")]
    public static partial void Cancelling(ILogger logger, string job, long run);

    [LoggerMessage(6456, LogLevel.Error, "the server refused the worker: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(6457, LogLevel.Error, "{Job} of run {Run}: could not check out {Sha} from the server: {Reason}")]
    public static partial void CheckoutFailed(ILogger logger, string job, long run, string sha, string reason);

    [LoggerMessage(6458, LogLevel.Warning, "{Job} of run {Run}: the server refused a report ({Reason}); the job goes on, its log has a gap")]
    public static partial void ReportRefused(ILogger logger, string job, long run, string reason);
}
