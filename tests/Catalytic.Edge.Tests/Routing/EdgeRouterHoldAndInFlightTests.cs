using System.Net;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Edge.Tests.Routing;

/// <summary>
/// What delivery reads from and asks of the router besides tables: the requests in flight per instance (drained
/// before an instance stops) and holding requests while an environment is being restored (instead of 503). The hold
/// runs on the router's clock, a fake one here: a held request is released only when the test moves it.
/// </summary>
public sealed class EdgeRouterHoldAndInFlightTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InFlight_CountsRequestsForwardedToAnInstance_UntilTheyFinish()
    {
        await using var edge = await EdgeTestContext.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var v1 = await edge.BackendAsync("v1", onRequest: () => release.Task.Wait(Ct));
        edge.Route(null, ("v1", 100, [v1]));
        Assert.Equal(0, edge.Router.InFlight(v1.Address));

        var slow = new[] { edge.Client.GetAsync("/", Ct), edge.NewClient().GetAsync("/", Ct) };
        await Eventually.TrueAsync(() => edge.Router.InFlight(v1.Address) == 2, "two requests in flight to v1");

        var v2 = await edge.BackendAsync("v2");
        edge.Route(null, ("v2", 100, [v2])); // out of the table: still counted until its requests end
        Assert.Equal(2, edge.Router.InFlight(v1.Address));
        release.SetResult();
        foreach (var r in await Task.WhenAll(slow))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            r.Dispose();
        }

        await Eventually.TrueAsync(() => edge.Router.InFlight(v1.Address) == 0, "v1's requests leaving the count");
        Assert.Equal(0, edge.Router.InFlight(new Uri("http://127.0.0.1:1/")));
    }

    [Fact]
    public async Task Hold_WhileNothingIsRoutable_QueuesRequestsUntilATableArrives()
    {
        var clock = new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow());
        await using var edge = await EdgeTestContext.StartAsync(router: new EdgeRouter(clock));
        var v1 = await edge.BackendAsync("v1");
        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.FromSeconds(10));

        var held = Enumerable.Range(0, 4).Select(_ => edge.NewClient().GetAsync("/", Ct)).ToList();
        await Eventually.TrueAsync(() => Slot(edge).Waiting == 4, "four requests held");
        Assert.All(held, t => Assert.False(t.IsCompleted));
        edge.Route(null, ("v1", 100, [v1]));

        foreach (var r in await Eventually.ResultAsync(Task.WhenAll(held), "the held requests being answered"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("v1/a", await r.Content.ReadAsStringAsync(Ct));
            r.Dispose();
        }
    }

    [Fact]
    public async Task Hold_Ended_AnswersTheHeldRequestsWith503_AndLaterOnesAtOnce()
    {
        var clock = new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow());
        await using var edge = await EdgeTestContext.StartAsync(router: new EdgeRouter(clock));
        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.FromSeconds(10));
        var held = edge.Client.GetAsync("/", Ct);
        await Eventually.TrueAsync(() => Slot(edge).Waiting == 1, "the request held");
        Assert.False(held.IsCompleted);

        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.Zero);

        using var response = await Eventually.ResultAsync(held, "the held request being answered");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        // The clock never moves in this test: a later request answered at all was answered without waiting.
        using var later = await Eventually.ResultAsync(edge.NewClient().GetAsync("/", Ct), "a later request being answered");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, later.StatusCode);
        Assert.Equal(0, Slot(edge).Waiting);
    }

    [Fact]
    public async Task Hold_Expired_Answers503WhenItsBoundPasses_NotBefore()
    {
        var clock = new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow());
        await using var edge = await EdgeTestContext.StartAsync(router: new EdgeRouter(clock));
        edge.Router.Hold(EdgeTestContext.App, EdgeTestContext.Env, TimeSpan.FromMilliseconds(400));

        var held = edge.Client.GetAsync("/", Ct);
        await Eventually.TrueAsync(() => Slot(edge).Waiting == 1, "the request held");
        clock.Advance(TimeSpan.FromMilliseconds(399));
        Assert.False(held.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        using var response = await Eventually.ResultAsync(held, "the 503 after the hold");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    private static RouteSlot Slot(EdgeTestContext edge) => edge.Router.Slot(EdgeTestContext.App, EdgeTestContext.Env);
}
