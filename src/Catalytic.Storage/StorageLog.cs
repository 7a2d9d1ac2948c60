using Microsoft.Extensions.Logging;

namespace Catalytic.Storage;

/// <summary>Log lines of the stores, source-generated with stable event ids (3000–3999).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "the connection holding lease {Key} failed; PostgreSQL frees the lock with the session, so another node may take the environment now")]
    public static partial void LeaseLost(ILogger logger, Exception exception, string key);
}
