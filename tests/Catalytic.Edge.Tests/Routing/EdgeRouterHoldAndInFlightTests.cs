using System.Diagnostics;
using System.Net;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Routing;

/// <summary>
/// What delivery reads from and asks of the router besides tables: the requests in flight per instance (drained
/// before an instance stops) and holding requests while an environment is being restored (instead of 503).
/// </summary>
public sealed class EdgeRouterHoldAndInFlightTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InFlight_CountsRequestsForwardedToAnInstance_UntilTheyFinish()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));
        Assert.Equal(0, edge.Router.InFlight(v1.Address));

        var slow = new[] { edge.Client.GetAsync("/slow?ms=800", Ct), edge.NewClient().GetAsync("/slow?ms=800", Ct) };
        var clock = Stopwatch.StartNew();
        while (edge.Router.InFlight(v1.Address) < 2)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"in flight: {edge.Router.InFlight(v1.Address)}");
            await Task.Delay(5, Ct);
        }

        var v2 = await edge.BackendAsync("v2");
        edge.Route(null, ("v2", 100, [v2])); // out of the table: still counted until its requests end
        Assert.Equal(2, edge.Router.InFlight(v1.Address));
        foreach (var r in await Task.WhenAll(slow))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            r.Dispose();
        }

        Assert.Equal(0, edge.Router.InFlight(v1.Address));
        Assert.Equal(0, edge.Router.InFlight(new Uri("http://127.0.0.1:1/")));
    }

    [Fact]
    public async Task Hold_WhileNothingIsRoutable_QueuesRequestsUntilATableArrives()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var v1 = await edge.BackendAsync("v1");
        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.FromSeconds(10));

        var held = Enumerable.Range(0, 4).Select(_ => edge.NewClient().GetAsync("/", Ct)).ToList();
        await Task.Delay(300, Ct);
        Assert.All(held, t => Assert.False(t.IsCompleted));
        edge.Route(null, ("v1", 100, [v1]));

        foreach (var r in await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(5), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("v1/a", await r.Content.ReadAsStringAsync(Ct));
            r.Dispose();
        }
    }

    [Fact]
    public async Task Hold_Ended_AnswersTheHeldRequestsWith503_AndLaterOnesAtOnce()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.FromSeconds(10));
        var held = edge.Client.GetAsync("/", Ct);
        await Task.Delay(200, Ct);
        Assert.False(held.IsCompleted);

        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.Zero);

        using var response = await held.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var clock = Stopwatch.StartNew();
        using var later = await edge.NewClient().GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, later.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task Hold_Expired_Answers503AfterTheBound()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.FromMilliseconds(400));
        var clock = Stopwatch.StartNew();

        using var response = await edge.Client.GetAsync("/", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
    }
}
