using System.Net.Sockets;
using System.Text;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Proxy.Relay;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Robustness;

/// <summary>
/// Clients that stall — a head a byte at a time, a body that never comes, a response nobody reads, an idle keep-alive
/// connection: each is answered or closed when its timeout passes, on the relay's fake clock (nothing sleeps: the test
/// waits until the relay runs the timeout, then moves the clock) and, by condition, on Kestrel's path.
/// </summary>
public sealed class TimeoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly EdgeListenerOptions Options = new()
    {
        KeepAliveTimeout = TimeSpan.FromSeconds(75),
        RequestHeadersTimeout = TimeSpan.FromSeconds(30),
        RequestBodyTimeout = TimeSpan.FromSeconds(30),
        ResponseWriteTimeout = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public async Task SlowRequestHead_Gets408_WhenTheHeadTimeoutPasses_NotBefore()
    {
        await using var backend = ScriptedBackend.Echoing();
        await using var edge = await RobustEdge.StartAsync(listener: Options);
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();
        await raw.SendAsync("GET /first HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal(200, (await raw.ReadAsync(Ct)).Status);

        await raw.SendAsync("GET /second HTTP/1.1\r\nHo", Ct);
        await edge.ArmedAsync(ClientTimeout.Head);
        edge.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(raw.NothingReceived);
        edge.Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(408, (await Eventually.ResultAsync(raw.ReadAsync(Ct), "the 408")).Status);
        Assert.True(await raw.ClosedAsync(Ct));
        Assert.Single(backend.Requests);
    }

    [Fact]
    public async Task IdleKeepAliveConnection_IsClosedWithoutAnAnswer_WhenTheKeepAliveTimeoutPasses()
    {
        await using var backend = ScriptedBackend.Echoing();
        await using var edge = await RobustEdge.StartAsync(listener: Options);
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        Assert.Equal(200, (await raw.ReadAsync(Ct)).Status);

        await edge.ArmedAsync(ClientTimeout.KeepAlive);
        edge.Clock.Advance(TimeSpan.FromSeconds(74));
        Assert.True(raw.NothingReceived);
        edge.Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("", await Eventually.ResultAsync(raw.ReadToEndAsync(Ct), "the edge closing the idle connection"));
    }

    [Fact]
    public async Task StalledRequestBody_Gets408_AndTheBackendConnectionIsClosed()
    {
        await using var backend = ScriptedBackend.Echoing();
        await using var edge = await RobustEdge.StartAsync(listener: Options);
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();

        await raw.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789", Ct);
        await Eventually.TrueAsync(() => backend.BodyBytes == 10, "the first 10 bytes of the body reaching the backend");
        await edge.ArmedAsync(ClientTimeout.Body);
        edge.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(raw.NothingReceived);
        edge.Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(408, (await Eventually.ResultAsync(raw.ReadAsync(Ct), "the 408")).Status);
        await Eventually.TrueAsync(() => backend.Closed == 1, "the edge closing the backend connection of the stalled request");
    }

    [Fact]
    public async Task ClientThatStopsReadingTheResponse_IsDisconnected_AndSoIsTheBackend()
    {
        var body = new string('x', 16 * 1024 * 1024);
        await using var backend = new ScriptedBackend(async c =>
        {
            await c.ReadRequestAsync();
            await c.WriteAsync(ScriptedBackend.Ok(body));
            await c.WaitForCloseAsync(Eventually.Deadline);
        });
        await using var edge = await RobustEdge.StartAsync(listener: Options);
        edge.Route(backend.Address);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(edge.EndPoint, Ct);

        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), SocketFlags.None, Ct);
        await Eventually.TrueAsync(() => backend.Requests.Count == 1, "the request reaching the backend");
        // Never read: the edge's writes fill the socket buffers and wait; each wait is bounded by the write timeout.
        await edge.AdvanceUntilAsync(TimeSpan.FromSeconds(61), () => backend.Closed == 1, "the edge giving up on a client that does not read");
    }

    [Fact]
    public async Task SlowRequestHead_OnKestrelsPath_Gets408()
    {
        await using var backend = ScriptedBackend.Echoing();
        await using var edge = await RobustEdge.StartAsync(relay: false, listener: new EdgeListenerOptions { RequestHeadersTimeout = TimeSpan.FromSeconds(1) });
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();

        await raw.SendAsync("GET / HTTP/1.1\r\nHo", Ct);

        Assert.Equal(408, (await Eventually.ResultAsync(raw.ReadAsync(Ct), "Kestrel's 408")).Status);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task StalledRequestBody_OnKestrelsPath_Gets408()
    {
        await using var backend = ScriptedBackend.Echoing();
        await using var edge = await RobustEdge.StartAsync(relay: false, listener: Options);
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();

        await raw.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789", Ct);
        var answer = raw.ReadAsync(Ct);
        await edge.AdvanceUntilAsync(TimeSpan.FromSeconds(31), () => answer.IsCompleted, "the body timeout firing on Kestrel's path");

        Assert.Equal(408, (await answer).Status);
    }
}
