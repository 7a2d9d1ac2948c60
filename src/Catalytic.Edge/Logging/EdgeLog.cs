using Microsoft.Extensions.Logging;

namespace Catalytic.Edge;

/// <summary>The edge's log messages (source-generated, stable event ids 7000–7099).</summary>
internal static partial class EdgeLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Error, Message = "Edge I/O loop {Loop}: a continuation failed; the loop goes on")]
    public static partial void ContinuationFailed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Edge listener: accept failed with errno {Errno}; the next connection retries")]
    public static partial void AcceptFailed(ILogger logger, int errno);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Debug, Message = "Edge relay: client connection {Connection} ended by {Error}")]
    public static partial void ClientFailed(ILogger logger, string connection, string error);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Debug, Message = "Edge relay: refused a request from {Client} with {Status}: {Reason}")]
    public static partial void Refused(ILogger logger, string client, int status, string reason);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Debug, Message = "Edge relay: closed client connection {Connection} after its {Timeout} timeout")]
    public static partial void TimedOut(ILogger logger, string connection, string timeout);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Warning, Message = "Edge relay: backend {Instance} sent an invalid response ({Reason}); answered 502")]
    public static partial void BadResponse(ILogger logger, string instance, string reason);

    [LoggerMessage(EventId = 7014, Level = LogLevel.Debug, Message = "Edge relay: pooled connection to {Instance} discarded before use ({Reason})")]
    public static partial void StaleConnection(ILogger logger, string instance, string reason);

    [LoggerMessage(EventId = 7015, Level = LogLevel.Debug, Message = "Edge relay: request to {Instance} retried on a fresh connection after a reused one failed before any response byte")]
    public static partial void RetriedFresh(ILogger logger, string instance);

    [LoggerMessage(EventId = 7016, Level = LogLevel.Warning, Message = "Edge relay: connecting to {Instance} failed ({Error})")]
    public static partial void ConnectFailed(ILogger logger, string instance, string error);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Debug, Message = "Edge: refused a request from {Client} with {Status}: {Reason}")]
    public static partial void FallbackRefused(ILogger logger, string client, int status, string reason);

    [LoggerMessage(EventId = 7030, Level = LogLevel.Information, Message = "Edge listener {Listener}: certificate {File} reloaded (valid until {NotAfter})")]
    public static partial void CertificateReloaded(ILogger logger, string listener, string file, string notAfter);

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning, Message = "Edge listener {Listener}: certificate {File} changed but cannot be loaded ({Error}); the previous one stays in use")]
    public static partial void CertificateNotReloaded(ILogger logger, string listener, string file, string error);
}
