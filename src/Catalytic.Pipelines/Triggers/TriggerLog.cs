using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Triggers;

/// <summary>The triggers' log messages (source-generated; event ids 6200–6299 are the triggers').</summary>
internal static partial class TriggerLog
{
    [LoggerMessage(6200, LogLevel.Information, "repository {Repository}: watching {Source} ({Branches} branches, {Tags} tags); its own clone is {Mirror}")]
    public static partial void Watching(ILogger logger, string repository, string source, int branches, int tags, string mirror);

    [LoggerMessage(6201, LogLevel.Warning, "repository {Repository}: cannot fetch {Source}: {Reason}")]
    public static partial void FetchFailed(ILogger logger, string repository, string source, string reason);

    [LoggerMessage(6202, LogLevel.Information, "repository {Repository}: fetches again from {Source}")]
    public static partial void FetchRecovered(ILogger logger, string repository, string source);

    [LoggerMessage(6203, LogLevel.Information, "repository {Repository}: {Event} {Ref} {Sha} starts {Workflow} ({Source}){Duplicate}")]
    public static partial void RunRequested(ILogger logger, string repository, string @event, string @ref, string sha, string workflow, string source, string duplicate);

    [LoggerMessage(6204, LogLevel.Debug, "repository {Repository}: {Event} {Ref} does not start {Workflow}: {Reason}")]
    public static partial void NotTriggered(ILogger logger, string repository, string @event, string @ref, string workflow, string reason);

    [LoggerMessage(6205, LogLevel.Error, "repository {Repository}: the run queue refused {Event} {Ref}: {Reason}; tried again on the next change or poll")]
    public static partial void QueueFailed(ILogger logger, string repository, string @event, string @ref, string reason);

    [LoggerMessage(6206, LogLevel.Information, "repository {Repository}: {Ref} deleted; a deleted ref starts nothing")]
    public static partial void RefDeleted(ILogger logger, string repository, string @ref);

    [LoggerMessage(6207, LogLevel.Warning, "repository {Repository}: the file-system watcher failed ({Reason}); polling every {Poll} catches up")]
    public static partial void WatcherFailed(ILogger logger, string repository, string reason, TimeSpan poll);

    [LoggerMessage(6208, LogLevel.Information, "repository {Repository}: schedule '{Cron}' of {Workflow} fires for {Occurrence:u}{Missed}")]
    public static partial void ScheduleFired(ILogger logger, string repository, string cron, string workflow, DateTimeOffset occurrence, string missed);

    [LoggerMessage(6209, LogLevel.Warning, "repository {Repository}: schedule '{Cron}' of {Workflow} is not scheduled: {Reason}")]
    public static partial void ScheduleInvalid(ILogger logger, string repository, string cron, string workflow, string reason);

    [LoggerMessage(6210, LogLevel.Warning, "repository {Repository}: webhook refused ({Status}): {Reason}")]
    public static partial void WebhookRefused(ILogger logger, string repository, int status, string reason);

    [LoggerMessage(6211, LogLevel.Error, "repository {Repository}: scan failed: {Reason}")]
    public static partial void ScanFailed(ILogger logger, string repository, string reason);
}
