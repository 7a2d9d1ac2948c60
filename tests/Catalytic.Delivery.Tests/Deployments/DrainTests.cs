using System.Diagnostics;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Targets;
using Catalytic.Delivery.Tests.Support;

namespace Catalytic.Delivery.Tests.Deployments;

/// <summary>
/// Retiring an instance waits for the edge's count of requests in flight to it, not a fixed delay: a slow request on
/// the old release finishes with 200, and the old instance stops as soon as it is idle (long before the drain bound).
/// </summary>
public sealed class DrainTests
{
    private static string Yaml(string strategy, int instances) => $$"""
        apps:
          web:
            run: python3 app.py
            instances: {{instances}}
            health: { path: /healthz, interval: 100ms, timeout: 1s, start-timeout: 20s }
            drain: 20s
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

        Assert.Equal((200, "v1"), await slow);
        var idle = Stopwatch.StartNew();
        while (old.Health != InstanceHealth.Stopped)
        {
            Assert.True(idle.Elapsed < TimeSpan.FromSeconds(5), $"v1 still {old.Health} {idle.Elapsed} after its last request (drain bound 20s)");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Rolling_SlowRequestsOnRetiredInstances_CompleteAndEachStepWaitsOnlyForThem()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("rolling", 2));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        var olds = h.Engine.Supervisor.Instances.ToList();

        var slow = new[] { h.GetAsync("/slow/2"), h.GetAsync("/slow/2") };
        await WaitInFlightAsync(h, olds, 2);
        var clock = Stopwatch.StartNew();
        var v2 = await h.DeployAsync("v2");

        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.All(await Task.WhenAll(slow), r => Assert.Equal((200, "v1"), r));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"the rolling deployment took {clock.Elapsed}: it waited out the 20s drain bound instead of the requests");
        Assert.All(olds, o => Assert.Equal(InstanceHealth.Stopped, o.Health));
        Assert.Equal((200, "v2"), await h.GetAsync());
    }

    private static async Task WaitInFlightAsync(DeliveryHarness h, IReadOnlyList<Instance> instances, int expected)
    {
        var clock = Stopwatch.StartNew();
        while (instances.Sum(i => h.Router.InFlight(i.Address)) < expected)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the edge never counted {expected} request(s) in flight");
            await Task.Delay(10);
        }
    }
}
