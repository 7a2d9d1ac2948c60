using System.Net;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Proxy;

public sealed class EdgeHostRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_WithoutRouteTable_Gets503WithReason()
    {
        await using var edge = await EdgeTestContext.StartAsync();

        using var response = await edge.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("web/production", body, StringComparison.Ordinal);
        Assert.Contains("no route table was applied", body, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task Request_WhenEveryWeightIsZero_Gets503()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        Assert.Equal(HttpStatusCode.OK, (await edge.Client.GetAsync("/", Ct)).StatusCode);

        edge.Route(null, ("v1", 0, [v1]));

        using var response = await edge.Client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("every version has weight 0", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_IsServedByRoutedVersion_AndNamesItInHeader()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));

        using var response = await edge.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1/a", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("v1", response.Headers.GetValues("X-Catalytic-Version").Single());
    }

    [Fact]
    public async Task Request_CarriesForwardedHeaders_ToBackend()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));

        var headers = await edge.Client.GetStringAsync("/headers", Ct);

        Assert.Contains("X-Forwarded-For: 127.0.0.1", headers, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-Proto: http", headers, StringComparison.Ordinal);
        Assert.Contains($"X-Forwarded-Host: {edge.EndPoint}", headers, StringComparison.Ordinal);
        Assert.Contains($"Host: {v1.Address.Authority}", headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BodyIsRelayed_ToBackend()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        var payload = new string('x', 100_000);

        using var response = await edge.Client.PostAsync("/echo", new StringContent(payload), Ct);

        Assert.Equal(payload, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Weights_80_20_SplitThousandRequestsRoughlyAsAsked()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        var v2 = await edge.BackendAsync("v2");
        edge.Route(null, ("v1", 80, [v1]), ("v2", 20, [v2]));

        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 1000; i++)
        {
            using var response = await edge.Client.GetAsync("/", Ct);
            var version = response.Headers.GetValues("X-Catalytic-Version").Single();
            counts[version] = counts.GetValueOrDefault(version) + 1;
        }

        // Binomial(1000, 0.2): σ ≈ 12.6, so ±60 is beyond 4.5σ.
        Assert.InRange(counts.GetValueOrDefault("v2"), 140, 260);
        Assert.Equal(1000, counts.GetValueOrDefault("v1") + counts.GetValueOrDefault("v2"));
        Assert.Equal(counts["v1"], v1.Requests);
    }

    [Fact]
    public async Task Instances_OfOneVersion_ShareTheLoad()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var a = await edge.BackendAsync("v1", "a");
        var b = await edge.BackendAsync("v1", "b");
        edge.Route(null, ("v1", 100, [a, b]));

        for (var i = 0; i < 100; i++)
        {
            (await edge.Client.GetAsync("/", Ct)).Dispose();
        }

        Assert.InRange(a.Requests, 35, 65);
        Assert.Equal(100, a.Requests + b.Requests);
    }

    [Fact]
    public async Task StickyCookie_KeepsClientOnItsVersion_AndReassignsWhenVersionLeaves()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        var v2 = await edge.BackendAsync("v2");
        edge.Route("canary", ("v1", 50, [v1]), ("v2", 50, [v2]));

        using var client = edge.NewClient(cookies: true);
        using var first = await client.GetAsync("/", Ct);
        var pinned = first.Headers.GetValues("X-Catalytic-Version").Single();
        Assert.Contains(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"canary={pinned};", StringComparison.Ordinal));
        for (var i = 0; i < 30; i++)
        {
            using var again = await client.GetAsync("/", Ct);
            Assert.Equal(pinned, again.Headers.GetValues("X-Catalytic-Version").Single());
            Assert.False(again.Headers.Contains("Set-Cookie"));
        }

        var other = pinned == "v1" ? "v2" : "v1";
        var otherBackend = other == "v1" ? v1 : v2;
        var pinnedBackend = pinned == "v1" ? v1 : v2;
        edge.Route("canary", (pinned, 0, [pinnedBackend]), (other, 100, [otherBackend]));

        using var moved = await client.GetAsync("/", Ct);
        Assert.Equal(other, moved.Headers.GetValues("X-Catalytic-Version").Single());
        Assert.Contains(moved.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"canary={other};", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Listeners_ForSeveralEnvironments_RunSideBySide_AndStopFreesThePort()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var prod = await edge.BackendAsync("p1");
        var staging = await edge.BackendAsync("s1");
        edge.Route(null, ("p1", 100, [prod]));
        edge.Router.Apply(new Catalytic.Delivery.Routing.RouteTable("web", "staging",
            [new Catalytic.Delivery.Routing.WeightedVersion("s1", 100, [staging.Address])]));
        var stagingEndPoint = await edge.Host.StartAsync("web", "staging", new IPEndPoint(IPAddress.Loopback, 0), Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            edge.Host.StartAsync("web", "staging", new IPEndPoint(IPAddress.Loopback, 0), Ct));

        using var stagingClient = new HttpClient { BaseAddress = new Uri($"http://{stagingEndPoint}/") };
        Assert.Equal("s1/a", await stagingClient.GetStringAsync("/", Ct));
        Assert.Equal("p1/a", await edge.Client.GetStringAsync("/", Ct));
        Assert.Equal(2, edge.Host.Listeners.Count);

        Assert.True(await edge.Host.StopAsync("web", "staging", Ct));
        Assert.False(await edge.Host.StopAsync("web", "staging", Ct));
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetStringAsync($"http://{stagingEndPoint}/", Ct));

        // The port is free again: a listener can take it back.
        var again = await edge.Host.StartAsync("web", "staging", stagingEndPoint, Ct);
        Assert.Equal(stagingEndPoint.Port, again.Port);
    }
}
