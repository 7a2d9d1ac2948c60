using System.Collections.Immutable;
using System.Net;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Proxy.Relay;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Proxy;

/// <summary>Several environments on one listener, chosen by Host and path prefix, on the relay and on Kestrel/YARP.</summary>
public sealed class HostRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ImmutableArray<EdgeRoute> Routes =
    [
        new("shop", "production") { Match = new HostRoute(["shop.example.com", "www.shop.example.com"]) },
        new("api", "production") { Match = new HostRoute(["shop.example.com"], "/api", StripPrefix: true) },
        new("admin", "production") { Match = new HostRoute(["shop.example.com"], "/admin") },
        new("blog", "production") { Match = new HostRoute(["*.blog.example.com"]) },
        new("tenant", "production") { Match = new HostRoute(["*.example.com"]) },
    ];

    [Theory]
    [InlineData(true, "shop.example.com", "/path", "shop", "/path")]
    [InlineData(false, "shop.example.com", "/path", "shop", "/path")]
    [InlineData(true, "SHOP.Example.com:8080", "/path", "shop", "/path")]
    [InlineData(false, "SHOP.Example.com:8080", "/path", "shop", "/path")]
    [InlineData(true, "www.shop.example.com", "/path", "shop", "/path")]
    [InlineData(true, "shop.example.com", "/api/path?q=1", "api", "/path?q=1")]
    [InlineData(false, "shop.example.com", "/api/path?q=1", "api", "/path?q=1")]
    [InlineData(true, "shop.example.com", "/api?q=1", "api", "/?q=1")]
    [InlineData(false, "shop.example.com", "/api?q=1", "api", "/?q=1")]
    [InlineData(true, "shop.example.com", "/apix", "shop", "/apix")]
    [InlineData(true, "shop.example.com", "/admin/path", "admin", "/admin/path")]
    [InlineData(false, "shop.example.com", "/admin/path", "admin", "/admin/path")]
    [InlineData(true, "shop.example.com", "/api/../admin/path", "admin", "/admin/path")]
    [InlineData(true, "shop.example.com", "/api/%2e%2e/path", "shop", "/path")]
    [InlineData(true, "a.blog.example.com", "/path", "blog", "/path")]
    [InlineData(true, "x.a.blog.example.com", "/path", "blog", "/path")]
    [InlineData(false, "a.blog.example.com", "/path", "blog", "/path")]
    [InlineData(true, "blog.example.com", "/path", "tenant", "/path")]
    [InlineData(true, "acme.example.com", "/path", "tenant", "/path")]
    [InlineData(false, "acme.example.com", "/path", "tenant", "/path")]
    public async Task Request_GoesToTheEnvironmentItsHostAndPathName(bool relay, string host, string target, string app, string path)
    {
        await using var site = await SiteAsync(relay);
        // Raw, so that the target reaches the edge as written (HttpClient would remove the dot-segments itself).
        await using var raw = await RawHttp.ConnectAsync(site.EndPoint, Ct);
        await raw.SendAsync($"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n", Ct);
        var response = await raw.ReadAsync(Ct);
        Assert.Equal(200, response.Status);
        Assert.Equal($"{app}-v1/a", response.Header("X-Backend"));
        Assert.Equal(path, response.Header("X-Path"));
        Assert.Equal($"{app}-v1", response.Header("X-Catalytic-Version"));
    }

    [Theory]
    [InlineData(true, "example.com")]
    [InlineData(false, "example.com")]
    [InlineData(true, "other.org")]
    [InlineData(false, "other.org")]
    [InlineData(true, "127.0.0.1")]
    public async Task Request_ForAHostNoEnvironmentTakes_Gets404(bool relay, string host)
    {
        await using var site = await SiteAsync(relay);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(site.Base, "/"));
        request.Headers.Host = host;
        using var response = await site.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no application is served", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.All(site.Backends, b => Assert.Equal(0, b.Requests));
    }

    [Fact]
    public async Task StickyCookie_OfTheRoutedEnvironment_PinsItsVersion()
    {
        await using var site = await SiteAsync(relay: true);
        var green = await TestBackend.StartAsync("api-v2");
        site.Backends.Add(green);
        site.Router.Apply(new RouteTable("api", "production",
            [new WeightedVersion("api-v1", 50, [site.Backends[1].Address]), new WeightedVersion("api-v2", 50, [green.Address])], "pin"));
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(site.Base, "/api/x"));
            request.Headers.Host = "shop.example.com";
            request.Headers.Add("Cookie", "other=1; pin=api-v2");
            using var response = await site.Client.SendAsync(request, Ct);
            Assert.Equal("api-v2", response.Headers.GetValues("X-Catalytic-Version").Single());
        }
    }

    [Fact]
    public async Task Spec_WithRoutesClaimingTheSameRequests_IsRefusedBeforeAnythingListens()
    {
        await using var host = new EdgeHost(new EdgeRouter(Catalytic.Testing.Waiting.RealTime.Clock));
        var spec = new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0),
        [
            new EdgeRoute("a", "prod") { Match = new HostRoute(["x.example.com", "y.example.com"]) },
            new EdgeRoute("b", "prod") { Match = new HostRoute(["y.example.com"]) },
            new EdgeRoute("c", "prod"),
            new EdgeRoute("d", "prod") { Match = new HostRoute([], "/"), BackendProtocol = EdgeBackendProtocol.H2c },
        ]);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync(spec, Ct));
        Assert.Contains("b/prod and a/prod both take y.example.com under /", e.Message, StringComparison.Ordinal);
        Assert.Contains("d/prod and c/prod both take any host under /", e.Message, StringComparison.Ordinal);
        Assert.Empty(host.Listeners);
    }

    [Theory]
    [InlineData("Shop.example.com", "/")]
    [InlineData("shop..example.com", "/")]
    [InlineData("*", "/")]
    [InlineData("shop.example.com", "api")]
    [InlineData("shop.example.com", "/api/")]
    [InlineData("shop.example.com", "/a/../b")]
    [InlineData("shop.example.com", "/a%2fb")]
    public void Spec_WithAMalformedHostOrPrefix_HasAProblem(string hostName, string prefix)
    {
        var spec = new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0),
            [new EdgeRoute("a", "prod") { Match = new HostRoute([hostName], prefix) }]);
        Assert.NotEmpty(spec.Problems());
    }

    private static async Task<Site> SiteAsync(bool relay)
    {
        var router = new EdgeRouter(Catalytic.Testing.Waiting.RealTime.Clock);
        var host = new EdgeHost(router, new EdgeHostOptions { Relay = relay });
        var backends = new List<TestBackend>();
        foreach (var route in Routes)
        {
            var backend = await TestBackend.StartAsync($"{route.App}-v1");
            backends.Add(backend);
            router.Apply(new RouteTable(route.App, route.Environment, [new WeightedVersion($"{route.App}-v1", 100, [backend.Address])]));
        }

        var bound = await host.StartAsync(new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0), Routes), Ct);
        return new Site(router, host, bound.EndPoint, backends);
    }

    private sealed record Site(EdgeRouter Router, EdgeHost Host, IPEndPoint EndPoint, List<TestBackend> Backends) : IAsyncDisposable
    {
        public Uri Base => new($"http://{EndPoint}/");

        public HttpClient Client { get; } = new(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromMinutes(2) };

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Host.DisposeAsync();
            foreach (var b in Backends)
            {
                await b.DisposeAsync();
            }
        }
    }
}
