using System.Net;
using Catalytic.Delivery.Config;
using Catalytic.Edge.Proxy;

namespace Catalytic.Server.Hosting;

/// <summary>
/// catalytic.yml's environments as the edge's listeners: one per `listen:` address, serving every environment that
/// names it (by their hosts and paths), with the address's TLS, redirect and `edge:` settings (the parser checked that
/// environments sharing an address agree on them). Relative certificate paths are to the config file's folder.
/// </summary>
internal static class EdgeListeners
{
    public static IReadOnlyList<EdgeListenerSpec> FromConfig(DeliveryConfig config, string configDirectory)
    {
        var specs = new List<EdgeListenerSpec>();
        var byAddress = config.Apps
            .SelectMany(a => a.Environments.Select(e => (App: a.Name, Env: e)))
            .GroupBy(x => x.Env.Listen, StringComparer.Ordinal);
        foreach (var group in byAddress)
        {
            var first = group.First().Env.Edge;
            var routes = group.Select(x => new EdgeRoute(x.App, x.Env.Name)
            {
                Match = x.Env.Edge.Match,
                BackendProtocol = x.Env.Edge.BackendH2c ? EdgeBackendProtocol.H2c : EdgeBackendProtocol.Http11,
            });
            specs.Add(new EdgeListenerSpec(EndPoint(group.Key), [.. routes])
            {
                Options = Options(first.Limits),
                Certificates = [.. first.Tls.Select(t => new EdgeCertificateFiles(
                    Path.GetFullPath(t.Certificate, configDirectory), Path.GetFullPath(t.Key, configDirectory)))],
                RedirectFrom = first.Redirect is { } redirect ? EndPoint(redirect) : null,
            });
        }

        return specs;
    }

    /// <summary>The `edge:` settings over the edge's defaults.</summary>
    public static EdgeListenerOptions Options(EdgeLimitsConfig limits)
    {
        var d = new EdgeListenerOptions();
        return d with
        {
            KeepAliveTimeout = limits.KeepAliveTimeout ?? d.KeepAliveTimeout,
            RequestHeadersTimeout = limits.RequestHeadersTimeout ?? d.RequestHeadersTimeout,
            RequestBodyTimeout = limits.RequestBodyTimeout ?? d.RequestBodyTimeout,
            ResponseWriteTimeout = limits.ResponseWriteTimeout ?? d.ResponseWriteTimeout,
            MaxRequestLineSize = limits.MaxRequestLine ?? d.MaxRequestLineSize,
            MaxRequestHeadersTotalSize = limits.MaxRequestHeaders ?? d.MaxRequestHeadersTotalSize,
            MaxRequestHeaderCount = limits.MaxHeaderCount ?? d.MaxRequestHeaderCount,
            MaxRequestBodySize = limits.UnlimitedRequestBody ? null : limits.MaxRequestBody ?? d.MaxRequestBodySize,
            TrustedProxies = limits.TrustedProxies is { } proxies
                ? [.. proxies.Select(p => DeliveryConfigParser.TryParseNetwork(p, out var n) ? n : throw new FormatException(p))]
                : d.TrustedProxies,
        };
    }

    /// <summary>Which requests a route takes, for the log: "any host", "shop.example.com, *.shop.example.com under /api (stripped)".</summary>
    public static string Describe(Catalytic.Delivery.Routing.HostRoute match) =>
        (match.Hosts.IsEmpty ? "any host" : string.Join(", ", match.Hosts))
        + (match.PathPrefix == "/" ? "" : $" under {match.PathPrefix}{(match.StripPrefix ? " (stripped)" : "")}");

    private static IPEndPoint EndPoint(string listen)
    {
        DeliveryConfigParser.TryParseListen(listen, out var host, out var port);
        return new IPEndPoint(host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host), port);
    }
}
