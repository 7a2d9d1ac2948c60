using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Edge.Proxy;

/// <summary>
/// The forwarding headers on the Kestrel/YARP path, as the relay writes them (Relay/RequestHead.Rewrite): the headers the
/// client's Connection names and every <c>Proxy-*</c> removed; X-Forwarded-For/Proto/Host and Forwarded (RFC 7239) set by
/// the edge, the client's own values kept (and extended) only when the peer is a trusted proxy.
/// </summary>
internal static class ForwardedHeaders
{
    /// <summary>
    /// Where <see cref="EdgeProxy"/> puts the Connection options the gate read from the raw head (Kestrel rewrites the
    /// Connection header it parsed, so its own copy may lack the names of hop-by-hop headers).
    /// </summary>
    public static readonly object ConnectionOptionsKey = new();

    private static readonly string[] Replaced = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix", "Forwarded"];

    public static void Apply(HttpContext context, HttpRequestMessage proxyRequest, EdgeListenerOptions options)
    {
        var headers = proxyRequest.Headers;
        var listed = context.Items.TryGetValue(ConnectionOptionsKey, out var o) && o is IReadOnlyList<string> fromGate
            ? fromGate : FallbackGuard.ConnectionOptions(context.Request.Headers);
        foreach (var option in listed)
        {
            if (IsToken(option))
            {
                headers.Remove(option);
                proxyRequest.Content?.Headers.Remove(option);
            }
        }

        foreach (var name in headers.Select(h => h.Key).Where(IsProxyHeader).ToList())
        {
            headers.Remove(name);
        }

        foreach (var name in Replaced)
        {
            headers.Remove(name);
        }

        var incoming = context.Request.Headers;
        var peer = context.Connection.RemoteIpAddress;
        if (peer is { IsIPv4MappedToIPv6: true })
        {
            peer = peer.MapToIPv4();
        }

        var trusted = options.Trusts(peer);
        var address = peer?.ToString() ?? "unknown";
        var scheme = context.Request.Scheme;
        var host = context.Request.Host.Value ?? "";
        var forwardedFor = incoming["X-Forwarded-For"];
        var forwarded = incoming["Forwarded"];
        headers.TryAddWithoutValidation("X-Forwarded-For", trusted && forwardedFor.Count > 0 ? $"{string.Join(", ", forwardedFor.ToArray())}, {address}" : address);
        headers.TryAddWithoutValidation("X-Forwarded-Proto", trusted && incoming["X-Forwarded-Proto"].FirstOrDefault() is { Length: > 0 } proto ? proto : scheme);
        headers.TryAddWithoutValidation("X-Forwarded-Host", trusted && incoming["X-Forwarded-Host"].FirstOrDefault() is { Length: > 0 } xfh ? xfh : host);
        var node = peer?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"\"[{address}]\"" : address;
        var element = $"for={node};host={(IsToken(host) ? host : $"\"{host}\"")};proto={scheme}";
        headers.TryAddWithoutValidation("Forwarded", trusted && forwarded.Count > 0 ? $"{string.Join(", ", forwarded.ToArray())}, {element}" : element);
    }

    /// <summary>Removes from the client's response the headers the backend's Connection names.</summary>
    public static void RemoveListed(HttpResponseMessage? proxyResponse, HttpResponse response)
    {
        if (proxyResponse is null)
        {
            return;
        }

        foreach (var option in proxyResponse.Headers.Connection)
        {
            if (!option.Equals("close", StringComparison.OrdinalIgnoreCase) && !option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.Remove(option);
            }
        }
    }

    private static bool IsProxyHeader(string name) =>
        name.Equals("Proxy", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase);

    private static bool IsToken(string s) => s.Length > 0 && s.All(c => c < 128 && (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)));
}
