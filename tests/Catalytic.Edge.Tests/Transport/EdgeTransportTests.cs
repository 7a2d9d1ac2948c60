using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Transport;

/// <summary>The edge's own transport (event loops) under the relay and under Kestrel/YARP: bodies, back-pressure, slow clients.</summary>
public sealed class EdgeTransportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LargeBodies_BothWays_AreRelayedIntact()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        var payload = new byte[6 * 1024 * 1024];
        Random.Shared.NextBytes(payload);

        using var response = await edge.Client.PostAsync("/echo", new ByteArrayContent(payload), Ct);
        var echoed = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }

    [Fact]
    public async Task SlowReadingClient_StillGetsTheWholeResponse()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        var payload = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(payload);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await client.ConnectAsync(edge.EndPoint, Ct);

        await client.SendAsync(Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {payload.Length}\r\n\r\n"), SocketFlags.None, Ct);
        await client.SendAsync(payload, SocketFlags.None, Ct);
        // Read slowly, so that the edge's sends to this client fill the socket and wait for it to be writable again.
        var received = new MemoryStream();
        var buffer = new byte[32 * 1024];
        while (true)
        {
            var n = await Catalytic.Testing.Waiting.Eventually.CompletesAsync(client.ReceiveAsync(buffer, SocketFlags.None, Ct).AsTask(), "the next bytes of the answer");
            if (n == 0)
            {
                break;
            }

            received.Write(buffer, 0, n);
            await Task.Delay(TimeSpan.FromMilliseconds(2), Catalytic.Testing.Waiting.RealTime.Clock, Ct); // a slow reader (its pace, not a wait for the edge)
        }

        var all = received.ToArray();
        var headEnd = all.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        var head = Encoding.ASCII.GetString(all, 0, headEnd);
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("Transfer-Encoding: chunked", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(Dechunk(all.AsSpan(headEnd))));
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> body)
    {
        var output = new MemoryStream();
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body[..lineEnd]).Split(';')[0], 16);
            body = body[(lineEnd + 2)..];
            if (size == 0)
            {
                return output.ToArray();
            }

            output.Write(body[..size]);
            body = body[(size + 2)..];
        }
    }

    [Fact]
    public async Task ClientsLeavingMidRequest_DoNotDisturbTheOthers()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));

        for (var i = 0; i < 40; i++)
        {
            using var quitter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await quitter.ConnectAsync(edge.EndPoint, Ct);
            await quitter.SendAsync(i % 2 == 0 ? "GET / HTTP/1.1\r\nHo"u8.ToArray() : "GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), SocketFlags.None, Ct);
            if (i % 3 == 0)
            {
                quitter.LingerState = new LingerOption(true, 0); // a reset instead of a FIN
            }
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => edge.Client.GetStringAsync("/", Ct)));
        Assert.All(answers, a => Assert.Equal("v1/a", a));
    }

    [Fact]
    public async Task WithoutEventLoops_KestrelsTransportAndYarpServe()
    {
        await using var edge = await EdgeTestContext.StartAsync(new EdgeHostOptions { EventLoops = false });
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));

        using var response = await edge.Client.GetAsync("/", Ct);

        Assert.Equal("v1/a", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("v1", response.Headers.GetValues("X-Catalytic-Version").Single());
    }
}
