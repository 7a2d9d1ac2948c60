using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Catalytic.Edge.Tls;

/// <summary>How a TLS listener shakes hands, and its plain-HTTP redirect.</summary>
internal static class TlsSetup
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    /// <summary>
    /// The handshake of a listener: the certificate SNI asks for, ALPN offering h2 then http/1.1 (HTTP/2 clients get
    /// Kestrel's HTTP/2 and YARP; HTTP/1.1 ones the relay, over the decrypted stream), the system's TLS versions (1.2, 1.3).
    /// The certificate context is built once per certificate (the chain is not rebuilt per handshake).
    /// </summary>
    public static TlsHandshakeCallbackOptions Handshake(CertificateStore certificates) => new()
    {
        OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificates.Select(context.ClientHelloInfo.ServerName),
            ApplicationProtocols = Alpn,
            ClientCertificateRequired = false,
            AllowRenegotiation = false,
        }),
    };

    /// <summary>True when TLS negotiated HTTP/2 for <paramref name="connection"/> (the relay has nothing to do with it).</summary>
    public static bool IsHttp2(ConnectionContext connection) =>
        connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true;

    /// <summary>
    /// Answers 308 (the method and body are kept, RFC 9110 §15.4.9) to the same host and target over https, as nginx's
    /// <c>return 308 https://$host$request_uri</c>: the host is the request's own (Kestrel checked its syntax), never
    /// another site's.
    /// </summary>
    public static Task RedirectAsync(HttpContext context, int httpsPort)
    {
        var verdict = Proxy.Relay.Http1Gate.Take(context);
        if (verdict is { Status: >= 400 })
        {
            return Proxy.FallbackGuard.RefuseAsync(context, verdict.Status, verdict.Reason);
        }

        var host = context.Request.Host.Host;
        if (string.IsNullOrEmpty(host))
        {
            return Proxy.FallbackGuard.RefuseAsync(context, StatusCodes.Status400BadRequest, "no Host header");
        }

        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var target = raw is { Length: > 0 } && raw[0] == '/' ? raw : context.Request.Path + context.Request.QueryString;
        var port = httpsPort == 443 ? "" : ":" + httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status308PermanentRedirect;
        response.Headers.Location = $"https://{host}{port}{target}";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
