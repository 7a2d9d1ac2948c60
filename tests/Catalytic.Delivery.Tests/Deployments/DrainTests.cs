using Catalytic.Delivery.Model;
using Catalytic.Delivery.Targets;
using Catalytic.Delivery.Tests.Support;
using Catalytic.Testing.Time;
using Catalytic.Testing.Waiting;

namespace Catalytic.Delivery.Tests.Deployments;

/// <summary>
/// Retiring an instance waits for the edge's count of requests in flight to it, not a fixed delay: a slow request on
/// the old release finishes with 200, and the old instance stops as soon as it is idle. The drain bound is an hour of
/// the engine's clock, so stopping within minutes of that clock proves the wait ended on the requests, not the bound.
/// </summary>
public sealed class DrainTests
{
    private static readonly TimeSpan DrainBound = TimeSpan.FromHours(1);

    private static string Yaml(string strategy, int instances) => $$"""
        apps:
          web:
            run: python3 app.py
            instances: {{instances}}
            health: { path: /healthz, interval: 100ms, timeout: 1m, start-timeout: 10m }
            drain: 1h
            stop-timeout: 2s
            environments:
              production:
                listen: "{listen}"
                strategy: {{strategy}}
                scale-down-delay: 0s
                analysis: false
        """;

    [Fact]
    public async Task BlueGreen_SlowRequestOnOldRelease_CompletesThenTheOldInstanceStopsAtOnce()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green", 1));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        var old = Assert.Single(h.Engine.Supervisor.Instances);

        var slow = h.GetAsync("/slow/2.5");
        await WaitInFlightAsync(h, [old], 1);
        var v2 = await h.DeployAsync("v2");
        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.Equal((200, "v2"), await h.GetAsync()); // new requests already go to v2
        Assert.NotEqual(InstanceHealth.Stopped, old.Health); // the slow one still runs on v1

        Assert.Equal((200, "v1"), await Eventually.CompletesAsync(slow, "the slow request on v1 to be answered"));
        var idle = await h.Clock.AdvanceUntilAsync(() => old.Health == InstanceHealth.Stopped, () => $"v1 still {old.Health} after its last request", budget: DrainBound);
        Assert.True(idle < DrainBound / 6, $"v1 stopped {idle} of the engine's clock after its last request (drain bound {DrainBound})");
        Assert.DoesNotContain("still in flight", await h.EventsAsync(v2.Id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rolling_SlowRequestsOnRetiredInstances_CompleteAndEachStepWaitsOnlyForThem()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("rolling", 2));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        var olds = h.Engine.Supervisor.Instances.ToList();

        var slow = new[] { h.GetAsync("/slow/2"), h.GetAsync("/slow/2") };
        await WaitInFlightAsync(h, olds, 2);
        var before = h.Clock.GetUtcNow();
        var v2 = await h.DeployAsync("v2", budget: DrainBound);
        var took = h.Clock.GetUtcNow() - before;

        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.All(await Task.WhenAll(slow), r => Assert.Equal((200, "v1"), r));
        Assert.True(took < DrainBound, $"the rolling deployment took {took} of the engine's clock: it waited for the drain bound ({DrainBound}) instead of the requests");
        Assert.All(olds, o => Assert.Equal(InstanceHealth.Stopped, o.Health));
        Assert.Equal((200, "v2"), await h.GetAsync());
    }

    private static Task WaitInFlightAsync(DeliveryHarness h, IReadOnlyList<Instance> instances, int expected) =>
        Eventually.UntilAsync(() => instances.Sum(i => h.Router.InFlight(i.Address)) >= expected, $"the edge counting {expected} request(s) in flight");
}
