using System.Net;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Proxy.Relay;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Proxy.Relay;
using Catalytic.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Edge.Tests.Robustness;

/// <summary>
/// A real edge (its event loops, its relay or — with <c>relay: false</c> — Kestrel and YARP) on a free loopback port,
/// routing web/production to scripted backends, on a fake clock: a timeout fires when the test moves the clock.
/// </summary>
internal sealed class RobustEdge : IAsyncDisposable
{
    private RobustEdge(EdgeHost host, EdgeRouter router, FakeTimeProvider clock, IPEndPoint endPoint, EdgeListenerOptions listener)
    {
        Host = host;
        Router = router;
        Clock = clock;
        EndPoint = endPoint;
        Listener = listener;
    }

    public EdgeHost Host { get; }

    public EdgeRouter Router { get; }

    public FakeTimeProvider Clock { get; }

    public IPEndPoint EndPoint { get; }

    public EdgeListenerOptions Listener { get; }

    public static async Task<RobustEdge> StartAsync(bool relay = true, EdgeListenerOptions? listener = null, EdgeHostOptions? options = null)
    {
        var clock = new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow());
        var router = new EdgeRouter(clock);
        listener ??= new EdgeListenerOptions();
        var host = new EdgeHost(router, (options ?? new EdgeHostOptions()) with { Relay = relay, Listener = listener });
        var endPoint = await host.StartAsync(EdgeTestContext.App, EdgeTestContext.Env, new IPEndPoint(IPAddress.Loopback, 0));
        return new RobustEdge(host, router, clock, endPoint, listener);
    }

    public void Route(params Uri[] instances) => Router.Apply(EdgeTestContext.Table(null, ("v1", 100, instances)));

    public Task<RawHttp> ConnectAsync() => RawHttp.ConnectAsync(EndPoint, TestContext.Current.CancellationToken);

    /// <summary>Sends <paramref name="request"/> on a new connection and reads the one answer.</summary>
    public async Task<RawResponse> SendAsync(string request)
    {
        await using var raw = await ConnectAsync();
        await raw.SendAsync(request, TestContext.Current.CancellationToken);
        return await Eventually.ResultAsync(raw.ReadAsync(TestContext.Current.CancellationToken), "an answer");
    }

    /// <summary>Waits until the relay runs the <paramref name="kind"/> timeout for <paramref name="count"/> client connections.</summary>
    public Task ArmedAsync(ClientTimeout kind, int count = 1) =>
        Eventually.TrueAsync(() => Host.Relay!.CountArmed(kind) == count, $"the relay running the {kind} timeout");

    /// <summary>
    /// Moves the fake clock by <paramref name="step"/> until <paramref name="done"/> holds: for a timeout that runs while
    /// the edge keeps re-arming it (each write of a response arms the write timeout anew).
    /// </summary>
    public Task AdvanceUntilAsync(TimeSpan step, Func<bool> done, string what) => Eventually.TrueAsync(() =>
    {
        if (done())
        {
            return true;
        }

        Clock.Advance(step);
        return done();
    }, what);

    public async ValueTask DisposeAsync() => await EdgeTestContext.StopAsync(Host, Clock);
}
