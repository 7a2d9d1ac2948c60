using System.Net;
using System.Net.WebSockets;
using System.Text;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Support;
using Catalytic.Edge.Tests.Tls;

namespace Catalytic.Edge.Tests.Proxy;

/// <summary>
/// WebSockets and HTTP/2 through the edge with real clients (ClientWebSocket, HttpClient speaking HTTP/2): upgrades and
/// HTTP/2 take Kestrel's HTTP layer and YARP whether the relay is on or not; a WebSocket is one request in flight on
/// its instance for as long as it is open, so a switch leaves it on the old release and the drain waits for it.
/// </summary>
public sealed class WebSocketAndHttp2Tests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WebSocket_ThroughTheEdge_EchoesMessages_AndCountsAsInFlightWhileOpen(bool relay)
    {
        await using var edge = await EdgeTestContext.StartAsync(new EdgeHostOptions { Relay = relay });
        var blue = await edge.BackendAsync("blue");
        edge.Route(null, ("blue", 100, [blue]));

        // A plain request first on the same kind of connection: the relay serves it, the upgrade then goes to Kestrel.
        Assert.Equal("blue/a", await edge.Client.GetStringAsync("/", Ct));
        using var socket = await ConnectAsync(new Uri($"ws://{edge.EndPoint}/ws"));
        Assert.Equal("blue/a", await ReceiveAsync(socket));
        foreach (var size in new[] { 1, 1000, 200_000 })
        {
            var text = new string('x', size - 1) + size % 10;
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Ct);
            Assert.Equal(text, await ReceiveAsync(socket));
        }

        Assert.Equal(1, edge.Router.InFlight(blue.Address));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await Eventually.TrueAsync(() => edge.Router.InFlight(blue.Address) == 0, "the closed WebSocket leaving the instance's in-flight count");
        await Eventually.TrueAsync(() => edge.Router.Read(EdgeTestContext.App, EdgeTestContext.Env, "blue", EdgeTestContext.Everything).Requests == 2,
            "the WebSocket counted as one request (101) once closed");
    }

    [Fact]
    public async Task WebSocket_RefusedByTheBackend_GetsItsAnswer()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var blue = await edge.BackendAsync("blue");
        edge.Route(null, ("blue", 100, [blue]));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://{edge.EndPoint}/ws-refuse"), Ct));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        // The exchange ends on the edge after the client has its answer: the count drops then, not necessarily before.
        await Eventually.TrueAsync(() => edge.Router.InFlight(blue.Address) == 0, "the refused upgrade leaving the instance's in-flight count");
    }

    [Fact]
    public async Task Switch_LeavesAnOpenWebSocketOnTheOldRelease_UntilItCloses_WhileNewOnesGoToTheNew()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var blue = await edge.BackendAsync("blue");
        var green = await edge.BackendAsync("green");
        edge.Route(null, ("blue", 100, [blue]), ("green", 0, [green]));
        using var old = await ConnectAsync(new Uri($"ws://{edge.EndPoint}/ws"));
        Assert.Equal("blue/a", await ReceiveAsync(old));

        edge.Route(null, ("blue", 0, [blue]), ("green", 100, [green]));
        using var fresh = await ConnectAsync(new Uri($"ws://{edge.EndPoint}/ws"));
        Assert.Equal("green/a", await ReceiveAsync(fresh));
        Assert.Equal("green/a", await edge.Client.GetStringAsync("/", Ct));

        // The old release is out of routing but its WebSocket is untouched, and is what a drain waits for.
        await old.SendAsync("still here"u8.ToArray(), WebSocketMessageType.Text, true, Ct);
        Assert.Equal("still here", await ReceiveAsync(old));
        Assert.Equal(1, edge.Router.InFlight(blue.Address));
        Assert.Equal(1, blue.OpenWebSockets);

        // Removing blue from the table altogether (the strategy's last step) does not cut it either.
        edge.Route(null, ("green", 100, [green]));
        await old.SendAsync("and now"u8.ToArray(), WebSocketMessageType.Text, true, Ct);
        Assert.Equal("and now", await ReceiveAsync(old));

        await old.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        await Eventually.TrueAsync(() => edge.Router.InFlight(blue.Address) == 0, "blue drained once its WebSocket closed");
    }

    [Fact]
    public async Task StoppedOldInstance_AtTheEndOfTheDrain_ClosesItsWebSocket_AndNotTheNewOnes()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var blue = await TestBackend.StartAsync("blue");
        var green = await edge.BackendAsync("green");
        edge.Route(null, ("blue", 100, [blue]));
        using var old = await ConnectAsync(new Uri($"ws://{edge.EndPoint}/ws"));
        Assert.Equal("blue/a", await ReceiveAsync(old));
        edge.Route(null, ("green", 100, [green]));
        using var fresh = await ConnectAsync(new Uri($"ws://{edge.EndPoint}/ws"));
        Assert.Equal("green/a", await ReceiveAsync(fresh));

        // What DeploymentRun does when the drain ends with requests still in flight: the old instance is stopped.
        await blue.DisposeAsync();
        var buffer = new byte[1024];
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var r = await old.ReceiveAsync(buffer, Ct);
            // A close frame (Kestrel closing the backend's sockets on shutdown) or an aborted connection: either is the end.
            if (r.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException("closed by the server");
            }
        });
        await Eventually.TrueAsync(() => edge.Router.InFlight(blue.Address) == 0, "the old instance's in-flight count back to 0");

        await fresh.SendAsync("new"u8.ToArray(), WebSocketMessageType.Text, true, Ct);
        Assert.Equal("new", await ReceiveAsync(fresh));
    }

    [Fact]
    public async Task WebSocketOverHttp2_OnATlsListener_IsRelayedToAnHttp11Backend()
    {
        await using var site = await TlsSite.StartAsync(h2c: false, "blue");
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var invoker = new HttpMessageInvoker(TestCertificates.Handler(site.EndPoint));
        await socket.ConnectAsync(new Uri($"wss://shop.example.com:{site.EndPoint.Port}/ws"), invoker, Ct);
        Assert.Equal("blue/a", await ReceiveAsync(socket));
        await socket.SendAsync("over h2"u8.ToArray(), WebSocketMessageType.Text, true, Ct);
        Assert.Equal("over h2", await ReceiveAsync(socket));
        Assert.Equal(1, site.Router.InFlight(site.Backends[0].Address));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        await Eventually.TrueAsync(() => site.Router.InFlight(site.Backends[0].Address) == 0, "the HTTP/2 WebSocket leaving the in-flight count");
    }

    [Theory]
    [InlineData(false, "HTTP/1.1")]
    [InlineData(true, "HTTP/2")]
    public async Task Http2AndHttp11Clients_AreServed_AndH2cRoutesSpeakHttp2ToTheBackend(bool h2c, string backendProtocol)
    {
        await using var site = await TlsSite.StartAsync(h2c, "blue");
        foreach (var version in new[] { HttpVersion.Version20, HttpVersion.Version11 })
        {
            using var client = TestCertificates.Client(site.EndPoint);
            using var request = new HttpRequestMessage(HttpMethod.Post, "https://shop.example.com/protocol")
            {
                Version = version,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new StringContent("a body"),
            };
            using var response = await client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
            Assert.Equal(backendProtocol, await response.Content.ReadAsStringAsync(Ct));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PlainListener_SpeaksHttp11_AndRefusesHttp2PriorKnowledge_WithHttp11Required(bool relay)
    {
        await using var edge = await EdgeTestContext.StartAsync(new EdgeHostOptions { Relay = relay });
        edge.Route(null, ("blue", 100, [await edge.BackendAsync("blue")]));

        // On the wire: the client's preface and SETTINGS get one GOAWAY with HTTP_1_1_REQUIRED, then the connection ends.
        await using (var raw = await Relay.RawHttp.ConnectAsync(edge.EndPoint, Ct))
        {
            await raw.SendAsync([.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, .. Http2Frame(type: 4, stream: 0, [])], Ct);
            var answer = Encoding.Latin1.GetBytes(await raw.ReadToEndAsync(Ct));
            var frames = new List<(byte Type, byte[] Payload)>();
            for (var at = 0; at + 9 <= answer.Length;)
            {
                var length = (answer[at] << 16) | (answer[at + 1] << 8) | answer[at + 2];
                Assert.True(at + 9 + length <= answer.Length, $"a whole frame in the answer: {Convert.ToHexString(answer)}");
                frames.Add((answer[at + 3], answer[(at + 9)..(at + 9 + length)]));
                at += 9 + length;
            }

            var goAway = Assert.Single(frames, f => f.Type == 7);
            Assert.Equal(0xdu, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4)));
        }

        // A real client refuses the connection. Which message it gives is its own race: it names HTTP_1_1_REQUIRED when
        // the GOAWAY reaches a request, and only "could not be established" when the GOAWAY shuts the new connection
        // down before any request took a stream on it (SocketsHttpHandler's pool; about 2% of tries under load).
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(edge.BaseAddress, "/"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => edge.Client.SendAsync(request, Ct));
        Assert.True(e.Message.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal) || e.Message.Contains("HTTP/2 connection could not be established", StringComparison.Ordinal), e.ToString());
    }

    private static byte[] Http2Frame(byte type, int stream, byte[] payload) =>
        [(byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, 0,
            (byte)(stream >> 24), (byte)(stream >> 16), (byte)(stream >> 8), (byte)stream, .. payload];

    [Fact]
    public async Task Http2Connection_KeptOpenAcrossASwitch_SendsItsNextRequestsToTheNewRelease()
    {
        await using var site = await TlsSite.StartAsync(h2c: false, "blue", "green");
        var (blue, green) = (site.Backends[0], site.Backends[1]);
        site.Router.Apply(new RouteTable("shop", "production", [new WeightedVersion("blue", 100, [blue.Address]), new WeightedVersion("green", 0, [green.Address])]));
        using var handler = TestCertificates.Handler(site.EndPoint);
        handler.EnableMultipleHttp2Connections = false;
        using var client = new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(2),
        };

        // A slow request on blue stays open on the one connection while the switch happens.
        var slow = client.GetStringAsync("https://shop.example.com/slow?ms=1500", Ct);
        await Eventually.TrueAsync(() => site.Router.InFlight(blue.Address) == 1, "the slow request in flight on blue");
        site.Router.Apply(new RouteTable("shop", "production", [new WeightedVersion("blue", 0, [blue.Address]), new WeightedVersion("green", 100, [green.Address])]));
        var after = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetStringAsync("https://shop.example.com/", Ct)));
        Assert.All(after, body => Assert.Equal("green/a", body));
        Assert.Equal("blue/a", await Eventually.ResultAsync(slow, "the slow request finishing on blue"));
    }

    /// <summary>A TLS listener for shop/production, the first backend routed at 100%.</summary>
    private sealed record TlsSite(EdgeRouter Router, EdgeHost Host, IPEndPoint EndPoint, List<TestBackend> Backends, TestCertificates Certificates) : IAsyncDisposable
    {
        public static async Task<TlsSite> StartAsync(bool h2c, params string[] versions)
        {
            var certificates = new TestCertificates();
            var router = new EdgeRouter(Catalytic.Testing.Waiting.RealTime.Clock);
            var host = new EdgeHost(router);
            var backends = new List<TestBackend>();
            foreach (var version in versions)
            {
                backends.Add(await TestBackend.StartAsync(version, h2c: h2c));
            }

            router.Apply(new RouteTable("shop", "production", [new WeightedVersion(versions[0], 100, [backends[0].Address])]));
            var route = new EdgeRoute("shop", "production") { BackendProtocol = h2c ? EdgeBackendProtocol.H2c : EdgeBackendProtocol.Http11 };
            var bound = await host.StartAsync(new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0), [route])
            {
                Certificates = [certificates.Write("main", 30, "shop.example.com")],
            }, Ct);
            return new TlsSite(router, host, bound.EndPoint, backends, certificates);
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            foreach (var b in Backends)
            {
                await b.DisposeAsync();
            }

            Certificates.Dispose();
        }
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, Ct);
        return socket;
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var r = await socket.ReceiveAsync(buffer, Ct);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed: {r.CloseStatus} {r.CloseStatusDescription}");
            }

            message.Write(buffer, 0, r.Count);
            if (r.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }
}
