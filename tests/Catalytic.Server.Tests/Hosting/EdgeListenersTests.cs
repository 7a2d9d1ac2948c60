using System.Net;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Server.Hosting;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Tests.Hosting;

/// <summary>catalytic.yml's environments as the edge's listeners, and one of them serving real requests by Host and path.</summary>
public sealed class EdgeListenersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DeliveryConfig Parse(string yaml)
    {
        var result = DeliveryConfigParser.Parse(yaml);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Config!;
    }

    [Fact]
    public void FromConfig_GroupsEnvironmentsByAddress_WithTheAddressesSettings()
    {
        var config = Parse("""
            apps:
              shop:
                run: x
                tls: { cert: certs/shop.pem, key: /etc/ssl/shop.key }
                edge: { keep-alive-timeout: 20s, max-request-body: none, trusted-proxies: [10.0.0.0/8, 192.168.1.7] }
                environments:
                  production: { listen: "0.0.0.0:8443", hosts: [shop.example.com], redirect: "0.0.0.0:8080" }
                  api: { listen: "0.0.0.0:8443", hosts: [shop.example.com], path: /api, strip-path: true, backend: h2c, redirect: "0.0.0.0:8080" }
              blog:
                run: y
                environments:
                  production: { listen: "127.0.0.1:9000", edge: { max-request-line: 2KiB, request-body-timeout: 3s } }
            """);

        var specs = EdgeListeners.FromConfig(config, "/srv/app");

        Assert.Equal(2, specs.Count);
        var tls = specs[0];
        Assert.Equal(new IPEndPoint(IPAddress.Any, 8443), tls.EndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 8080), tls.RedirectFrom);
        Assert.Equal([new EdgeCertificateFiles("/srv/app/certs/shop.pem", "/etc/ssl/shop.key")], tls.Certificates);
        Assert.Equal(["shop/production", "shop/api"], tls.Routes.Select(r => $"{r.App}/{r.Environment}"));
        Assert.Equal(new HostRoute(["shop.example.com"], "/api", StripPrefix: true).PathPrefix, tls.Routes[1].Match.PathPrefix);
        Assert.True(tls.Routes[1].Match.StripPrefix);
        Assert.Equal(EdgeBackendProtocol.H2c, tls.Routes[1].BackendProtocol);
        Assert.Equal(EdgeBackendProtocol.Http11, tls.Routes[0].BackendProtocol);
        Assert.Equal(TimeSpan.FromSeconds(20), tls.Options!.KeepAliveTimeout);
        Assert.Null(tls.Options.MaxRequestBodySize);
        Assert.True(tls.Options.Trusts(IPAddress.Parse("10.1.2.3")));
        Assert.True(tls.Options.Trusts(IPAddress.Parse("192.168.1.7")));
        Assert.False(tls.Options.Trusts(IPAddress.Parse("192.168.1.8")));
        Assert.Empty(tls.Problems());

        var plain = specs[1];
        Assert.False(plain.IsTls);
        Assert.Null(plain.RedirectFrom);
        Assert.Equal(2048, plain.Options!.MaxRequestLineSize);
        Assert.Equal(TimeSpan.FromSeconds(3), plain.Options.RequestBodyTimeout);
        var defaults = new EdgeListenerOptions();
        Assert.Equal(defaults.KeepAliveTimeout, plain.Options.KeepAliveTimeout);
        Assert.Equal(defaults.MaxRequestBodySize, plain.Options.MaxRequestBodySize);
        Assert.Empty(plain.Options.TrustedProxies);
    }

    [Fact]
    public async Task ListenerFromConfig_ServesEachEnvironmentByHostAndPath_AndAppliesItsLimits()
    {
        var config = Parse("""
            apps:
              shop:
                run: x
                edge: { max-request-line: 200 }
                environments:
                  production: { listen: "127.0.0.1:9", hosts: [shop.example.com] }
                  api: { listen: "127.0.0.1:9", hosts: [shop.example.com], path: /api, strip-path: true }
            """);
        var router = new EdgeRouter(Catalytic.Testing.Waiting.RealTime.Clock);
        await using var host = new EdgeHost(router);
        var backends = new Dictionary<string, Microsoft.AspNetCore.Builder.WebApplication>();
        foreach (var env in new[] { "production", "api" })
        {
            var web = await BackendAsync(env);
            backends[env] = web;
            router.Apply(new RouteTable("shop", env, [new WeightedVersion("v1", 100, [new Uri(web.Urls.First())])]));
        }

        try
        {
            // The file needs a real port; the test listens on a free one.
            var spec = EdgeListeners.FromConfig(config, "/").Single() with { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
            var bound = await host.StartAsync(spec, Ct);
            using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            foreach (var (target, host2, expected) in new[]
            {
                ("/x?y=1", "shop.example.com", HttpStatusCode.OK),
                ("/api/x?y=1", "shop.example.com", HttpStatusCode.OK),
                ("/", "other.example.com", HttpStatusCode.NotFound),
                ("/" + new string('a', 300), "shop.example.com", HttpStatusCode.RequestUriTooLong),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{bound.EndPoint}{target}");
                request.Headers.Host = host2;
                using var response = await client.SendAsync(request, Ct);
                Assert.Equal(expected, response.StatusCode);
                if (expected == HttpStatusCode.OK)
                {
                    var body = await response.Content.ReadAsStringAsync(Ct);
                    Assert.Equal(target.StartsWith("/api", StringComparison.Ordinal) ? "api /x?y=1" : "production /x?y=1", body);
                }
            }
        }
        finally
        {
            foreach (var web in backends.Values)
            {
                await web.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Server_WhoseCertificateFileIsMissing_ReportsItAsAnError_InsteadOfCrashing()
    {
        using var dir = new TempFolder("edge-tls");
        dir.Write("catalytic.yml", $$"""
            apps:
              web:
                run: python3 app.py
                environments:
                  production:
                    listen: 127.0.0.1:{{Ports.FreeTcpPort()}}
                    tls: { cert: certs/missing.pem, key: certs/missing.key }
            """);
        await using var server = new CatalyticServer(
            new ServerOptions { StateDirectory = dir[".catalytic"], ConfigPath = dir["catalytic.yml"] }, new FakeTimeProvider(), NullLoggerFactory.Instance);

        var errors = await server.StartAsync(Ct);

        var error = Assert.Single(errors!);
        Assert.Contains("the edge cannot listen on 127.0.0.1:", error, StringComparison.Ordinal);
        Assert.Contains("(web/production)", error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(dir["certs"], "missing.pem"), error, StringComparison.Ordinal);
    }

    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> BackendAsync(string name)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var web = builder.Build();
        web.Run(context => context.Response.WriteAsync($"{name} {context.Request.Path}{context.Request.QueryString}"));
        await web.StartAsync(Ct);
        return web;
    }
}
