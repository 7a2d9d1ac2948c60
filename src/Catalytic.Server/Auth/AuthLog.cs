using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Auth;

/// <summary>Log lines of access control in `serve` (2100–2199 of the server's 2000–2999). None holds a password, token or cookie.</summary>
internal static partial class AuthLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "created user admin on first start: its password is in {File} (readable by you only); sign in, then change it with `catalytic user set admin --password-stdin` and delete the file")]
    public static partial void InitialAdminCreated(this ILogger logger, string file);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "/metrics {Mode}")]
    public static partial void MetricsAccess(this ILogger logger, string mode);
}
