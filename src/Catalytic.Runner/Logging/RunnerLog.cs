using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Logging;

/// <summary>
/// The runner's own diagnostics, source-generated with stable event ids: what went wrong around the steps (a lost
/// line, a folder left behind), never the steps' output, which goes to the run's listener and host.
/// </summary>
internal static partial class RunnerLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Line {Line} of the output of {Program} ({Length} characters) was lost: whoever takes the step's lines threw")]
    public static partial void LineLost(ILogger logger, string program, long line, int length, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "The job's temporary folder {Folder} could not be deleted; it is left for the system to clean")]
    public static partial void TemporaryFolderKept(ILogger logger, string folder, Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Steps start through Process and setsid, not posix_spawn: {Reason}")]
    public static partial void SpawnUnavailable(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Process {ProcessId} had already exited when it was to be killed")]
    public static partial void AlreadyExited(ILogger logger, int processId, Exception exception);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "The concurrency state {File} was not valid JSON and is reset (its groups are released)")]
    public static partial void ConcurrencyStateReset(ILogger logger, string file, Exception exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "The job worker wrote a line that is not one of its messages ({Length} characters); it is kept for the job's error")]
    public static partial void WorkerLineNotAMessage(ILogger logger, int length, Exception exception);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "The process group of a cancelled step in container {Container} is unknown ({File} unreadable): its processes there run on until the container is removed")]
    public static partial void ContainerGroupUnknown(ILogger logger, string container, string file, Exception exception);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "The {Store} record {File} could not be read, so its entry is left out of the listing (being replaced or evicted at that moment, or damaged)")]
    public static partial void EntryUnlisted(ILogger logger, string store, string file, Exception exception);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "The folder {Folder} ({What}) could not be deleted; it is left on disk for the system to clean")]
    public static partial void FolderKept(ILogger logger, string folder, string what, Exception exception);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Process {ProcessId} ({What}) was still there {Waited} after SIGKILL (uninterruptible I/O?); it is left to the kernel")]
    public static partial void ProcessOutlivedKill(ILogger logger, int processId, string what, TimeSpan waited);
}
