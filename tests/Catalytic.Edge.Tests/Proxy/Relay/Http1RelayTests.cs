using System.Net;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Proxy.Relay;

/// <summary>The relay's own HTTP/1.1 handling, seen on the wire (raw client and, where needed, raw backends).</summary>
public sealed class Http1RelayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pipelined_RequestsInOneWrite_AreAnsweredInOrder()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        await using var raw = await RawHttp.ConnectAsync(edge.EndPoint, Ct);

        await raw.SendAsync("GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);

        Assert.Equal(201, (await raw.ReadAsync(Ct)).Status);
        var second = await raw.ReadAsync(Ct);
        Assert.Equal((200, "v1/a", "v1"), (second.Status, second.Body, second.Header("X-Catalytic-Version")));
    }

    [Fact]
    public async Task HeadAnd204_HaveNoBody_AndTheConnectionCarriesOn()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        await using var raw = await RawHttp.ConnectAsync(edge.EndPoint, Ct);

        await raw.SendAsync("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal(200, (await raw.ReadAsync(Ct, head: true)).Status);
        await raw.SendAsync("GET /status/204 HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal(204, (await raw.ReadAsync(Ct)).Status);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);

        Assert.Equal("v1/a", (await raw.ReadAsync(Ct)).Body);
        Assert.Equal(3, v1.Requests);
    }

    [Fact]
    public async Task RequestAskingToClose_GetsConnectionClose_AndTheEdgeCloses()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        await using var raw = await RawHttp.ConnectAsync(edge.EndPoint, Ct);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", Ct);
        var response = await raw.ReadAsync(Ct);

        Assert.Equal(("v1/a", "close"), (response.Body, response.Header("Connection")));
        Assert.True(await raw.ClosedAsync(Ct));
    }

    [Fact]
    public async Task IncomingForwardedAndHopByHopHeaders_AreReplacedOrDropped()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        await using var raw = await RawHttp.ConnectAsync(edge.EndPoint, Ct);

        await raw.SendAsync(
            "GET /headers HTTP/1.1\r\nHost: front.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n" +
            "X-Forwarded-Proto: https\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n" +
            "Connection: keep-alive\r\nX-Custom:  kept \r\n\r\n", Ct);
        var headers = (await raw.ReadAsync(Ct)).Body;

        Assert.Contains("X-Forwarded-For: 127.0.0.1\n", headers, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-Host: front.example\n", headers, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-Proto: http\n", headers, StringComparison.Ordinal);
        Assert.Contains($"Host: {v1.Address.Authority}\n", headers, StringComparison.Ordinal);
        Assert.Contains("X-Custom: kept", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("6.6.6.6", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("Keep-Alive", headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("TE:", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("Proxy-Connection", headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedRequestMidConnection_IsRelayed_AndTheConnectionStillWorks()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        await using var raw = await RawHttp.ConnectAsync(edge.EndPoint, Ct);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal("v1/a", (await raw.ReadAsync(Ct)).Body);
        await raw.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", Ct);
        var echoed = await raw.ReadAsync(Ct);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);

        Assert.Equal(("hello world", "v1"), (echoed.Body, echoed.Header("X-Catalytic-Version")));
        Assert.Equal("v1/a", (await raw.ReadAsync(Ct)).Body);
        Assert.Equal(3, (await edge.MetricsAsync("v1", 3)).Requests);
    }

    [Fact]
    public async Task SlowBackend_PastTheRequestTimeout_Gets504_AndCountsAsError()
    {
        await using var edge = await EdgeTestContext.StartAsync(new EdgeHostOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));

        using var response = await edge.Client.GetAsync("/slow?ms=5000", Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("v1", response.Headers.GetValues("X-Catalytic-Version").Single());
        var m = edge.Router.Read("web", "production", "v1", EdgeTestContext.Everything);
        Assert.Equal((1, 1), (m.Requests, m.Errors));
    }

    [Fact]
    public async Task ResponseWithoutLength_IsRelayedToItsEnd_AndTheClientConnectionCloses()
    {
        await using var backend = new RawBackend(_ => ("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil the end", true));
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 100, [backend.Address])));
        await using var raw = await RawHttp.ConnectAsync(edge.EndPoint, Ct);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        var response = await raw.ReadAsync(Ct);

        Assert.Equal(("until the end", "close", "1"), (response.Body, response.Header("Connection"), response.Header("X-A")));
        Assert.True(await raw.ClosedAsync(Ct));
    }

    [Fact]
    public async Task BackendBreakingOffItsBody_AbortsTheClient_AndCountsAsError()
    {
        await using var backend = new RawBackend(_ => ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", true));
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 100, [backend.Address])));

        await Assert.ThrowsAnyAsync<Exception>(async () => await edge.Client.GetStringAsync("/", Ct));

        // Counted once the edge is done with it, which may be after the client saw its connection aborted.
        var m = await edge.MetricsAsync("v1", 1);
        Assert.Equal((1, 1), (m.Requests, m.Errors));
    }

    [Fact]
    public async Task InterimResponse_IsSkipped_AndTheFinalOneRelayed()
    {
        await using var backend = new RawBackend(_ =>
            ("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false));
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 100, [backend.Address])));

        Assert.Equal("ok", await edge.Client.GetStringAsync("/", Ct));
        Assert.Equal("ok", await edge.Client.GetStringAsync("/", Ct));
        Assert.Equal(1, backend.Connections);
    }

    [Fact]
    public async Task ChunkedResponseWithTrailer_IsRelayed_AndTheBackendConnectionReused()
    {
        await using var backend = new RawBackend(_ =>
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n", false));
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 100, [backend.Address])));
        await using var raw = await RawHttp.ConnectAsync(edge.EndPoint, Ct);

        for (var i = 0; i < 3; i++)
        {
            await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
            Assert.Equal("abcde", (await raw.ReadAsync(Ct)).Body);
        }

        Assert.Equal(1, backend.Connections);
    }

    [Fact]
    public async Task PooledConnectionTheBackendClosed_IsReplaced_WithoutError()
    {
        // Keep-alive by default, yet the backend closes after each answer: every later request finds a stale connection.
        await using var backend = new RawBackend(_ => ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true));
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 100, [backend.Address])));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("ok", await edge.Client.GetStringAsync("/", Ct));
            await Eventually.TrueAsync(() => backend.Closed == i + 1, "the backend closing its connection after answering");
        }

        var m = await edge.MetricsAsync("v1", 5);
        Assert.Equal((5, 0), (m.Requests, m.Errors));
    }

    [Fact]
    public async Task RelayTurnedOff_StillProxiesThroughYarp()
    {
        await using var edge = await EdgeTestContext.StartAsync(new EdgeHostOptions { Relay = false });
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));

        Assert.Equal("v1/a", await edge.Client.GetStringAsync("/", Ct));
    }
}
