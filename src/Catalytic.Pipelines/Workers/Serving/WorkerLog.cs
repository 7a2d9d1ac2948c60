using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Workers.Serving;

/// <summary>
/// The worker protocol's log messages on the server (event ids 6400–6449; the worker's own are 6450–6499). Nothing
/// here ever carries a secret, an output or a credential: a lease is logged as its job, never as its string.
/// </summary>
internal static partial class WorkerLog
{
    [LoggerMessage(6400, LogLevel.Information, "worker {Worker} took {Job} of run {Run} (attempt {Attempt})")]
    public static partial void Took(ILogger logger, string worker, string job, long run, int attempt);

    [LoggerMessage(6401, LogLevel.Information, "refused a worker request ({Route}): {Status} {Field}: {Detail}")]
    public static partial void Refused(ILogger logger, string route, int status, string field, string detail);

    [LoggerMessage(6402, LogLevel.Information, "artifact {Name} of run {Run} stored: {Files} files, {Bytes} bytes")]
    public static partial void ArtifactStored(ILogger logger, string name, long run, int files, long bytes);

    [LoggerMessage(6403, LogLevel.Warning, "an upload to run {Run} broke off ({Reason}); nothing of it was stored")]
    public static partial void UploadBroken(ILogger logger, long run, string reason);

    [LoggerMessage(6404, LogLevel.Information, "cache {Key} of repository {Repository}: {Outcome}")]
    public static partial void CacheSaved(ILogger logger, string key, string repository, string outcome);
}
