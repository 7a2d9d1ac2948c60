using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Catalytic.Edge.Proxy;

/// <summary>
/// YARP's default transforms (hop-by-hop headers dropped, the destination's Host), the edge's forwarding headers
/// (<see cref="ForwardedHeaders"/>: what Connection names and Proxy-* dropped, X-Forwarded-*/Forwarded set) plus the response header that names the version
/// that served the request and, for a client being (re)assigned on a sticky table, the cookie that pins it there.
/// One instance per version of a route snapshot, so the hot path allocates nothing for it.
/// </summary>
internal sealed class VersionTransformer : HttpTransformer
{
    /// <summary>The response header that names the serving version.</summary>
    public const string VersionHeader = "X-Catalytic-Version";

    private readonly StringValues _version;
    private readonly string? _setCookie;

    public VersionTransformer(string version, string? setCookie)
    {
        _version = new StringValues(version);
        _setCookie = setCookie;
        ResponseLines = System.Text.Encoding.ASCII.GetBytes(
            $"{VersionHeader}: {version}\r\n" + (setCookie is null ? "" : $"Set-Cookie: {setCookie}\r\n"));
    }

    /// <summary>The same headers as raw HTTP/1.1 lines, for the relay (<see cref="Relay.Http1Relay"/>).</summary>
    public byte[] ResponseLines { get; }

    /// <summary>The key under which <see cref="EdgeProxy"/> puts the listener's options in <see cref="HttpContext.Items"/>.</summary>
    public static readonly object ListenerKey = new();

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await Default.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var options = httpContext.Items.TryGetValue(ListenerKey, out var o) && o is EdgeListenerOptions listener ? listener : Defaults;
        ForwardedHeaders.Apply(httpContext, proxyRequest, options);
    }

    private static readonly EdgeListenerOptions Defaults = new();

    public override ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copied = Default.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (copied.IsCompletedSuccessfully)
        {
            ForwardedHeaders.RemoveListed(proxyResponse, httpContext.Response);
            Stamp(httpContext.Response);
            return copied;
        }

        return Slow(copied, httpContext.Response);

        async ValueTask<bool> Slow(ValueTask<bool> pending, HttpResponse response)
        {
            var result = await pending;
            ForwardedHeaders.RemoveListed(proxyResponse, response);
            Stamp(response);
            return result;
        }
    }

    public override ValueTask TransformResponseTrailersAsync(
        HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        Default.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);

    /// <summary>Adds the version header (and sticky cookie) to a response the edge writes itself.</summary>
    public void Stamp(HttpResponse response)
    {
        if (response.HasStarted)
        {
            return;
        }

        response.Headers[VersionHeader] = _version;
        if (_setCookie is not null)
        {
            response.Headers.Append(HeaderNames.SetCookie, _setCookie);
        }
    }
}
