using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Logging;

/// <summary>
/// Log lines of `catalytic serve`, source-generated with stable event ids (2000–2999). The delivery core logs its own
/// (1000–1999) and the stores theirs (3000–3999) through the same logger factory.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "edge for {App}/{Environment} on {Scheme}://{Address}/ ({Requests})")]
    public static partial void EdgeListening(this ILogger logger, string app, string environment, string scheme, string address, string requests);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "API on {Address} (state {State})")]
    public static partial void ApiListening(this ILogger logger, string address, string state);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "stopping (draining edge, stopping instances)")]
    public static partial void Stopping(this ILogger logger);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "no server answers at {Url} (from an earlier server.json): {Reason}")]
    public static partial void NoServerAt(this ILogger logger, string url, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "a client stopped following the logs of {App}/{Environment}")]
    public static partial void LogsUnfollowed(this ILogger logger, string app, string environment);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "could not remove {File} while stopping; a client may find a stale address until the next start replaces it")]
    public static partial void ServerFileNotRemoved(this ILogger logger, Exception exception, string file);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "repository {Name} ({Source}): runs recorded in {Store}")]
    public static partial void RepositoryWatched(this ILogger logger, string name, string source, string store);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "the disk under the server's state is full: {Method} {Path} refused with 503 ({Reason}); free space and it goes on")]
    public static partial void StorageFull(this ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 2090, Level = LogLevel.Information, Message = "workers connect to {Address} (catalytic worker --server {Address} --token TOKEN)")]
    public static partial void WorkersConnectTo(this ILogger logger, string address);
}
