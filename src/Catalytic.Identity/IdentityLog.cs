using Microsoft.Extensions.Logging;

namespace Catalytic.Identity;

/// <summary>Log lines of users, tokens and sessions, source-generated with stable event ids (8000–8999). No line ever holds a password, a token or a cookie.</summary>
internal static partial class IdentityLog
{
    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "{User} signed in from {Address}")]
    public static partial void SignedIn(this ILogger logger, string user, string address);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "failed login for '{User}' from {Address}")]
    public static partial void LoginFailed(this ILogger logger, string user, string address);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "login for '{User}' from {Address} throttled for {Seconds} s after repeated failures")]
    public static partial void LoginThrottled(this ILogger logger, string user, string address, long seconds);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Information, Message = "{Actor}: {Action} {Target}")]
    public static partial void Audited(this ILogger logger, string actor, string action, string target);
}
