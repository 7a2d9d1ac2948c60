using System.Net;

namespace Catalytic.Edge.Proxy;

/// <summary>
/// What one listener (one app's environment) accepts from its clients: timeouts, size limits and the proxies whose
/// forwarding headers it trusts. The defaults (<see cref="EdgeHostOptions.Listener"/>) follow nginx's and Kestrel's;
/// <see cref="EdgeHost.StartAsync(string, string, IPEndPoint, EdgeListenerOptions?, CancellationToken)"/> takes one per
/// environment. docs/edge.md lists each with what the edge answers when it is exceeded.
/// </summary>
public sealed record EdgeListenerOptions
{
    /// <summary>How long a client connection may stay idle between requests before it is closed (no answer). Default 75 s (nginx).</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// How long a request head may take to arrive, from its first byte (from the connection's start for its first
    /// request): past it the edge answers 408 and closes. Default 30 s (Kestrel).
    /// </summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the request body may pause between two reads: past it the edge answers 408 (when the backend has not
    /// answered yet) and closes both connections. Default 30 s.
    /// </summary>
    public TimeSpan RequestBodyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one write of the response to the client may wait for the client to read: past it both connections are
    /// closed. Default 60 s (nginx's send_timeout).
    /// </summary>
    public TimeSpan ResponseWriteTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest request line (method, target, version): longer gets 414. Default 8 KiB (Kestrel, nginx).</summary>
    public int MaxRequestLineSize { get; init; } = 8 * 1024;

    /// <summary>Largest header section (every field line, request line excluded): larger gets 431. Default 32 KiB (Kestrel).</summary>
    public int MaxRequestHeadersTotalSize { get; init; } = 32 * 1024;

    /// <summary>Most header fields in a request: more gets 431. Default 100 (Kestrel).</summary>
    public int MaxRequestHeaderCount { get; init; } = 100;

    /// <summary>Largest request body: a larger Content-Length, or a chunked body growing past it, gets 413. Null: no limit. Default 30 MB (Kestrel).</summary>
    public long? MaxRequestBodySize { get; init; } = 30_000_000;

    /// <summary>
    /// The peers whose X-Forwarded-For/Proto/Host and Forwarded headers are kept (and extended) instead of replaced:
    /// the load balancers in front of the edge. Empty by default: every client's values are dropped.
    /// </summary>
    public IReadOnlyList<IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Throws when an option is out of range (named in the message).</summary>
    public void Validate()
    {
        EdgeHostOptions.Positive(KeepAliveTimeout, nameof(KeepAliveTimeout));
        EdgeHostOptions.Positive(RequestHeadersTimeout, nameof(RequestHeadersTimeout));
        EdgeHostOptions.Positive(RequestBodyTimeout, nameof(RequestBodyTimeout));
        EdgeHostOptions.Positive(ResponseWriteTimeout, nameof(ResponseWriteTimeout));
        AtLeast(MaxRequestLineSize, 64, nameof(MaxRequestLineSize));
        AtLeast(MaxRequestHeadersTotalSize, 64, nameof(MaxRequestHeadersTotalSize));
        AtLeast(MaxRequestHeaderCount, 1, nameof(MaxRequestHeaderCount));
        if (MaxRequestBodySize is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRequestBodySize), MaxRequestBodySize, "must not be negative");
        }

        ArgumentNullException.ThrowIfNull(TrustedProxies, nameof(TrustedProxies));
    }

    /// <summary>True when <paramref name="peer"/> is one of <see cref="TrustedProxies"/>.</summary>
    public bool Trusts(IPAddress? peer)
    {
        if (peer is null || TrustedProxies.Count == 0)
        {
            return false;
        }

        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        foreach (var network in TrustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static void AtLeast(int value, int minimum, string name)
    {
        if (value < minimum)
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be at least {minimum}");
        }
    }
}
