using System.Net;
using System.Text;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Robustness;

/// <summary>
/// Backends that misbehave as real ones do — bytes past their framing, idle connections closed after 200 ms, answers
/// before the upload is read, silence, malformed heads — and what each client sees through the edge.
/// </summary>
public sealed class BackendMisbehaviourTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<bool, string> StrayWrites()
    {
        var data = new TheoryData<bool, string>();
        foreach (var relay in new[] { true, false })
        {
            // A Content-Length too small, a body on 204, a late second answer: the extra bytes carry another cookie.
            data.Add(relay, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirstHTTP/1.1 200 OK\r\nSet-Cookie: session=victim\r\nContent-Length: 6\r\n\r\nstolen");
            data.Add(relay, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: session=victim\r\nContent-Length: 6\r\n\r\nstolen");
            data.Add(relay, "late");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StrayWrites))]
    public async Task BytesPastTheFraming_NeverReachAnotherClient(bool relay, string first)
    {
        // Issue 15: a pooled connection was reused without looking at it, so its extra bytes went to the next client.
        var strayWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = 0;
        await using var backend = new ScriptedBackend(async c =>
        {
            var mine = Interlocked.Increment(ref connection);
            while (await c.ReadRequestAsync() is not null)
            {
                if (mine == 1 && first == "late")
                {
                    await c.WriteAsync(ScriptedBackend.Ok("first"));
                    await c.WriteAsync("HTTP/1.1 200 OK\r\nSet-Cookie: session=victim\r\nContent-Length: 6\r\n\r\nstolen");
                    strayWritten.TrySetResult();
                }
                else if (mine == 1)
                {
                    await c.WriteAsync(first);
                    strayWritten.TrySetResult();
                }
                else
                {
                    await c.WriteAsync(ScriptedBackend.Ok("second"));
                }
            }
        });
        await using var edge = await RobustEdge.StartAsync(relay);
        edge.Route(backend.Address);

        var a = await edge.SendAsync("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
        await Eventually.ResultAsync(strayWritten.Task.ContinueWith(_ => true, Ct, TaskContinuationOptions.None, TaskScheduler.Default), "the stray write");
        var b = await edge.SendAsync("GET /b HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.True(a.Status is 200 or 204);
        Assert.Equal((200, "second"), (b.Status, b.Body));
        Assert.Null(b.Header("Set-Cookie"));
        Assert.Equal(2, backend.Connections);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BackendClosingIdleConnectionsAfter200ms_PostsWithBodiesStillSucceed(bool relay)
    {
        // Issue 15: gunicorn/uvicorn/Node close idle keep-alive connections within seconds; the next POST got 502.
        await using var backend = new ScriptedBackend(async c =>
        {
            var next = c.ReadRequestAsync();
            while (await next is { } request)
            {
                await c.WriteAsync(ScriptedBackend.Ok(Encoding.ASCII.GetString(request.Body)));
                next = c.ReadRequestAsync();
                if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(200), Catalytic.Testing.Waiting.RealTime.Clock, Ct)) != next)
                {
                    return; // idle for 200 ms: the backend closes the connection (its own behaviour, not the test's)
                }
            }
        });
        await using var edge = await RobustEdge.StartAsync(relay);
        edge.Route(backend.Address);

        for (var i = 1; i <= 3; i++)
        {
            var response = await edge.SendAsync($"POST /{i} HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nbody{i}");
            Assert.Equal((200, $"body{i}"), (response.Status, response.Body));
            await Eventually.TrueAsync(() => backend.Closed == i, $"the backend closing idle connection {i}");
        }

        Assert.Equal(3, backend.Connections);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task EarlyAnswer_413BeforeTheUploadIsRead_ReachesTheClient(bool relay, bool lingers)
    {
        // Issue 15: an answer before the upload was read became 502 or 504. A backend that closes at once with the
        // upload unread resets the connection (the kernel drops what it did not read): the relay has read the answer by
        // then; HttpClient (Kestrel/YARP path) may not, so that path is tested with a backend that lingers as nginx does.
        await using var backend = new ScriptedBackend(async c =>
        {
            await c.ReadHeadAsync();
            await c.WriteAsync("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big\n");
            if (lingers)
            {
                c.ShutdownSend();
                await c.WaitForCloseAsync(Eventually.Deadline);
            }
        });
        await using var edge = await RobustEdge.StartAsync(relay);
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();
        var upload = new byte[8 * 1024 * 1024];

        await raw.SendAsync($"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: {upload.Length}\r\n\r\n", Ct);
        var sending = Task.Run(async () =>
        {
            try
            {
                await raw.SendAsync(upload, Ct);
            }
            catch (IOException)
            {
                // The edge may close once it answered: the rest of the upload is not wanted.
            }
        }, Ct);
        var response = await Eventually.ResultAsync(raw.ReadAsync(Ct), "the early answer");

        Assert.Equal((413, "too big\n"), (response.Status, response.Body));
        await sending;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EveryPooledConnectionClosingUnderTheRequest_IsRetriedOnAFreshConnection(bool relay)
    {
        // A backend that stops closes all its idle keep-alive connections at once. A request sent on one as it closed
        // (after the edge's check that it was still open) was retried on another pooled one, closing as well: 502.
        var bothOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var opened = 0;
        await using var backend = new ScriptedBackend(async c =>
        {
            var first = await c.ReadRequestAsync();
            if (first is null)
            {
                return;
            }

            if (Interlocked.Increment(ref opened) == 2)
            {
                bothOpen.SetResult();
            }

            await bothOpen.Task; // two connections in the edge's pool
            await c.WriteAsync(ScriptedBackend.Ok("answered"));
            await c.ReadRequestAsync(); // the connection's next request: closed under it, unanswered
        });
        await using var edge = await RobustEdge.StartAsync(relay);
        edge.Route(backend.Address);
        var warm = await Task.WhenAll(edge.SendAsync("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"), edge.SendAsync("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"));
        Assert.All(warm, r => Assert.Equal(200, r.Status));
        // Recorded once the exchange is over and its connection is back in the pool.
        await Eventually.TrueAsync(() => edge.Router.Read(EdgeTestContext.App, EdgeTestContext.Env, "v1", EdgeTestContext.Everything).Requests == 2,
            "both connections back in the pool");

        var response = await edge.SendAsync("GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal((200, "answered"), (response.Status, response.Body));
        Assert.Equal(3, backend.Connections);
    }

    [Fact]
    public async Task SilentBackend_PastTheRequestTimeout_Gets504_OnTheFakeClock()
    {
        await using var backend = new ScriptedBackend(async c =>
        {
            await c.ReadRequestAsync();
            await c.WaitForCloseAsync(Eventually.Deadline);
        });
        await using var edge = await RobustEdge.StartAsync(options: new EdgeHostOptions { RequestTimeout = TimeSpan.FromSeconds(20) });
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n", Ct);
        await Eventually.TrueAsync(() => backend.Requests.Count == 1, "the request reaching the backend");
        edge.Clock.Advance(TimeSpan.FromSeconds(19));
        Assert.True(raw.NothingReceived);
        edge.Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(504, (await Eventually.ResultAsync(raw.ReadAsync(Ct), "the 504")).Status);
        await Eventually.TrueAsync(() => backend.Closed == 1, "the edge closing the silent backend's connection");
    }

    [Fact]
    public async Task SilentBackend_OnKestrelsPath_Gets504()
    {
        await using var backend = new ScriptedBackend(async c =>
        {
            await c.ReadRequestAsync();
            await c.WaitForCloseAsync(Eventually.Deadline);
        });
        await using var edge = await RobustEdge.StartAsync(relay: false, options: new EdgeHostOptions { RequestTimeout = TimeSpan.FromSeconds(1) });
        edge.Route(backend.Address);

        var response = await edge.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(504, response.Status);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 O\u0001K\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\n\r\n")]
    public async Task MalformedResponseHead_Gets502_AndNothingOfItReachesTheClient(string answer)
    {
        await using var backend = new ScriptedBackend(async c =>
        {
            await c.ReadRequestAsync();
            await c.WriteAsync(answer);
        });
        await using var edge = await RobustEdge.StartAsync();
        edge.Route(backend.Address);

        var response = await edge.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(502, response.Status);
        Assert.Equal("", response.Body);
    }

    [Fact]
    public async Task MaxConnectionsPerServer_IsHonouredByTheRelay_RequestsWaitTheirTurn()
    {
        // Issue 15: the relay ignored MaxConnectionsPerServer.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new ScriptedBackend(async c =>
        {
            while (await c.ReadRequestAsync() is { } request)
            {
                await release.Task;
                await c.WriteAsync(ScriptedBackend.Ok(request.Target));
            }
        });
        await using var edge = await RobustEdge.StartAsync(options: new EdgeHostOptions { MaxConnectionsPerServer = 2 });
        edge.Route(backend.Address);

        var requests = Enumerable.Range(0, 5).Select(i => edge.SendAsync($"GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n")).ToList();
        await Eventually.TrueAsync(() => backend.Requests.Count == 2, "two requests reaching the backend");
        release.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(200, r.Status));
        Assert.Equal(["/0", "/1", "/2", "/3", "/4"], responses.Select(r => r.Body).Order(StringComparer.Ordinal));
        Assert.Equal(2, backend.Connections);
    }

    [Fact]
    public async Task ExpectContinue_TheBackendsContinueReachesTheClient_ThenTheBody()
    {
        await using var backend = new ScriptedBackend(async c =>
        {
            while (await c.ReadHeadAsync() is { } head)
            {
                Assert.Contains("Expect: 100-continue", head, StringComparison.OrdinalIgnoreCase);
                await c.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n");
                var request = new BackendRequest(head, []);
                var body = await c.ReadBodyAsync(int.Parse(request.Header("Content-Length")!, System.Globalization.CultureInfo.InvariantCulture));
                await c.WriteAsync(ScriptedBackend.Ok(body));
            }
        });
        await using var edge = await RobustEdge.StartAsync();
        edge.Route(backend.Address);
        await using var raw = await edge.ConnectAsync();

        await raw.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", Ct);
        var interim = await Eventually.ResultAsync(raw.ReadAsync(Ct, head: true), "100 Continue");
        await raw.SendAsync("hello", Ct);
        var final = await Eventually.ResultAsync(raw.ReadAsync(Ct), "the answer");

        Assert.Equal(100, interim.Status);
        Assert.Equal((200, "hello"), (final.Status, final.Body));
    }
}
