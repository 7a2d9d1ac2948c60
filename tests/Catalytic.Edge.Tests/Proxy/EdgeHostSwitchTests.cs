using System.Net;
using System.Net.Sockets;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Proxy;

public sealed class EdgeHostSwitchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Switch_FiftyTimesUnderConcurrentLoad_FailsNoRequest()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var blue = await edge.BackendAsync("blue");
        var green = await edge.BackendAsync("green");
        edge.Route(null, ("blue", 100, [blue]), ("green", 0, [green]));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var failures = 0;
        var served = new int[2];
        var loops = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var client = edge.NewClient();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync("/", stop.Token);
                    var body = await response.Content.ReadAsStringAsync(stop.Token);
                    if (response.StatusCode != HttpStatusCode.OK || !body.EndsWith("/a", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref failures);
                    }

                    Interlocked.Increment(ref served[body.StartsWith("blue", StringComparison.Ordinal) ? 0 : 1]);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, Ct)).ToArray();

        for (var i = 0; i < 50; i++)
        {
            // Each switch is followed by traffic to the version it switched to before the next one.
            var toGreen = i % 2 == 0;
            var before = Volatile.Read(ref served[toGreen ? 1 : 0]);
            edge.Route(null, ("blue", toGreen ? 0 : 100, [blue]), ("green", toGreen ? 100 : 0, [green]));
            await Eventually.TrueAsync(() => Volatile.Read(ref served[toGreen ? 1 : 0]) > before, $"switch {i} taking traffic");
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops);
        Assert.Equal(0, failures);
        Assert.True(served[0] >= 25 && served[1] >= 25, $"blue {served[0]}, green {served[1]}");
    }

    [Fact]
    public async Task Switch_LetsSlowRequestsInFlightFinishOnTheOldVersion()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var blue = await edge.BackendAsync("blue");
        var green = await edge.BackendAsync("green");
        edge.Route(null, ("blue", 100, [blue]));

        var slow = Enumerable.Range(0, 4).Select(_ => edge.Client.GetAsync("/slow?ms=600", Ct)).ToArray();
        await WaitUntilAsync(() => edge.Router.ActiveRequests("web", "production", "blue") == 4);
        edge.Route(null, ("blue", 0, [blue]), ("green", 100, [green]));

        Assert.Equal("green/a", await edge.Client.GetStringAsync("/", Ct));
        foreach (var response in await Task.WhenAll(slow))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("blue", response.Headers.GetValues("X-Catalytic-Version").Single());
            response.Dispose();
        }
    }

    [Fact]
    public async Task RefusedConnection_IsRetriedOnAnotherInstance_WithoutError()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var alive = await edge.BackendAsync("v1", "alive");
        var dead = DeadAddress();
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 100, [dead, alive.Address])));

        for (var i = 0; i < 20; i++)
        {
            using var response = await edge.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(20, alive.Requests);
        Assert.Equal(0, edge.Router.Read("web", "production", "v1", EdgeTestContext.Everything).Errors);
    }

    [Fact]
    public async Task RefusedConnection_WhenVersionHasNoOtherInstance_IsRetriedOnAnotherVersion()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var other = await edge.BackendAsync("v2");
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 90, [DeadAddress()]), ("v2", 10, [other.Address])));

        for (var i = 0; i < 10; i++)
        {
            using var response = await edge.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("v2", response.Headers.GetValues("X-Catalytic-Version").Single());
        }
    }

    [Fact]
    public async Task RefusedConnection_WithNowhereElseToGo_Gets502AndCountsAsError()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Apply(EdgeTestContext.Table(null, ("v1", 100, [DeadAddress()])));

        using var response = await edge.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("v1", response.Headers.GetValues("X-Catalytic-Version").Single());
        var metrics = edge.Router.Read("web", "production", "v1", EdgeTestContext.Everything);
        Assert.Equal(1, metrics.Requests);
        Assert.Equal(1, metrics.Errors);
    }

    [Fact]
    public async Task Backend_StoppedUnderLoad_CausesNoFailedRequest()
    {
        // Pooled keep-alive connections to an instance that goes away must not surface as errors.
        await using var edge = await EdgeTestContext.StartAsync();
        var a = await edge.BackendAsync("v1", "a");
        var b = await edge.BackendAsync("v1", "b");
        edge.Route(null, ("v1", 100, [a, b]));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var failures = 0;
        var ok = 0;
        var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var client = edge.NewClient();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync("/", stop.Token);
                    Interlocked.Increment(ref response.IsSuccessStatusCode ? ref ok : ref failures);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, Ct)).ToArray();

        await Eventually.TrueAsync(() => Volatile.Read(ref ok) > 50, "traffic to both instances");
        await a.StopAsync();
        var afterStop = Volatile.Read(ref ok);
        await Eventually.TrueAsync(() => Volatile.Read(ref ok) > afterStop + 100, "100 more requests once instance a stopped");
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        Assert.Equal(0, failures);
        Assert.True(ok > 100, $"only {ok} requests");
    }

    private static Uri DeadAddress()
    {
        // A port that was just free: nothing listens there, so connecting is refused.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/");
    }

    private static Task WaitUntilAsync(Func<bool> condition) => Eventually.TrueAsync(condition, "the condition of the test");
}
