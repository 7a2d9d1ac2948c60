using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Catalytic.Edge.Proxy;

/// <summary>
/// The checks the relay makes on request heads (Relay/RequestHead), for requests that reach Kestrel's HTTP layer and
/// YARP instead (HTTP/1.0, HTTP/2, upgrades, and every request when the relay is off). Kestrel's parser already refuses
/// bare LF, obs-fold, control characters, a missing or repeated Host, several Content-Lengths, and enforces the size
/// limits and timeouts the host sets from <see cref="EdgeListenerOptions"/>; this adds what it lets through: Transfer-Encoding
/// in HTTP/1.0 or with anything but a single final <c>chunked</c>, CONNECT, encoded slashes and backslashes in the path,
/// and Connection options naming the framing headers. YARP then writes a new head for the backend, so what Kestrel
/// read is what the backend gets.
/// </summary>
internal static class FallbackGuard
{
    /// <summary>Null when the request may be forwarded; otherwise the status to refuse it with and why.</summary>
    public static (int Status, string Reason)? Check(HttpContext context)
    {
        var request = context.Request;
        var encoding = request.Headers.TransferEncoding;
        if (encoding.Count > 0)
        {
            if (HttpProtocol.IsHttp10(request.Protocol))
            {
                return (400, "Transfer-Encoding in an HTTP/1.0 request");
            }

            var codings = encoding.SelectMany(v => (v ?? "").Split(',')).Select(c => c.Trim()).ToList();
            // Kestrel drops the Content-Length of a request that also has Transfer-Encoding and keeps it as
            // X-Content-Length (RFC 9112 §6.3 says such a request must end the connection; Kestrel keeps it open).
            if (request.Headers.ContentLength is not null || request.Headers.ContainsKey("X-Content-Length"))
            {
                return (400, "both Transfer-Encoding and Content-Length");
            }

            if (codings.Count == 0 || !codings[^1].Equals("chunked", StringComparison.OrdinalIgnoreCase)
                || codings.Count(c => c.Equals("chunked", StringComparison.OrdinalIgnoreCase)) > 1)
            {
                return (400, "malformed Transfer-Encoding");
            }

            if (codings.Count > 1)
            {
                return (501, "transfer coding not implemented");
            }
        }

        if (HttpMethods.IsConnect(request.Method) && context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect != true)
        {
            return (405, "CONNECT is not supported: the edge is not a forward proxy");
        }

        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        if (path.Contains('\\', StringComparison.Ordinal) || path.Contains("%2f", StringComparison.OrdinalIgnoreCase)
            || path.Contains("%5c", StringComparison.OrdinalIgnoreCase) || path.Contains("%00", StringComparison.Ordinal))
        {
            return (400, "the request path has an encoded slash, a backslash or an encoded NUL");
        }

        foreach (var option in ConnectionOptions(request.Headers))
        {
            if (option.Equals("content-length", StringComparison.OrdinalIgnoreCase) || option.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase)
                || option.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                return (400, "Connection names Content-Length, Transfer-Encoding or Host");
            }
        }

        return null;
    }

    /// <summary>The options of the Connection fields (the names of hop-by-hop headers among them).</summary>
    public static IEnumerable<string> ConnectionOptions(IHeaderDictionary headers) =>
        headers.Connection.SelectMany(v => (v ?? "").Split(',')).Select(o => o.Trim()).Where(o => o.Length > 0);

    /// <summary>Answers a refused request and closes the connection after it (HTTP/1.x).</summary>
    public static Task RefuseAsync(HttpContext context, int status, string reason)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        if (!HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            response.Headers.Connection = "close";
        }

        return response.WriteAsync($"catalytic edge: {reason}\n");
    }
}
