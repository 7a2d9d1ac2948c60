using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Tests.Support;

namespace Catalytic.Delivery.Tests.Deployments;

/// <summary>A newer deployment to an environment supersedes the running one (as in Argo Rollouts and Flagger), never a 409.</summary>
public sealed class SupersedeTests
{
    [Fact]
    public async Task Deploy_WhileAnotherWaitsAtTheGate_SupersedesItAndTakesItsPlace()
    {
        await using var h = await DeliveryHarness.StartAsync("""
            apps:
              web:
                run: python3 app.py
                health: { path: /healthz, interval: 100ms, start-timeout: 20s }
                environments:
                  production:
                    listen: "{listen}"
                    strategy: blue-green
                    approval: required
                    analysis: false
            """);
        var v1 = await h.DeployAsync("v1");
        Assert.Null((await h.Engine.DecideAsync("web", "production", v1.Id, approve: true, "alice")).Error);
        Assert.Equal(DeploymentState.Succeeded, (await h.WaitAsync(v1.Id, until: d => d.State.IsTerminal())).State);
        var v2 = await h.DeployAsync("v2");
        Assert.Equal(DeploymentState.WaitingForApproval, v2.State);

        var v3 = await h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v3"), "v3", null, "bob"));
        var v4 = await h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v4"), "v4", null, "carol"));

        Assert.Null(v3.Error);
        Assert.Null(v4.Error);
        Assert.Contains($"supersedes {v2.Id} (v2, waiting-for-approval), whose traffic goes back to v1 first", v3.Value!.Reason, StringComparison.Ordinal);
        v2 = await h.WaitAsync(v2.Id, until: d => d.State.IsTerminal());
        Assert.True(v2.State == DeploymentState.Superseded, await h.EventsAsync(v2.Id));
        Assert.StartsWith("superseded by d-", v2.Reason, StringComparison.Ordinal);
        Assert.Contains("traffic is back on v1", v2.Reason, StringComparison.Ordinal);
        Assert.Equal(DeploymentState.Superseded, (await h.WaitAsync(v3.Value.Id, until: d => d.State.IsTerminal())).State);
        var last = await h.WaitAsync(v4.Value!.Id);
        Assert.True(last.State == DeploymentState.WaitingForApproval, await h.EventsAsync(last.Id));
        Assert.Equal("v1", last.PreviousVersion);
        Assert.Equal((200, "v1"), await h.GetAsync());
        Assert.DoesNotContain(h.Engine.Supervisor.Instances, i => i.Version is "v2" or "v3");

        Assert.Null((await h.Engine.DecideAsync("web", "production", last.Id, approve: true, "carol")).Error);
        Assert.Equal(DeploymentState.Succeeded, (await h.WaitAsync(last.Id, until: d => d.State.IsTerminal())).State);
        Assert.Equal((200, "v4"), await h.GetAsync());
        Assert.Equal(["v4", "v3", "v2", "v1"], (await h.Store.ListDeploymentsAsync("web", "production")).Select(d => d.Version));
    }

    [Fact]
    public async Task Deploy_WhileACanaryTakesTraffic_ReturnsItsTrafficThenRunsTheNewer_WithoutAFailedRequest()
    {
        await using var h = await DeliveryHarness.StartAsync("""
            apps:
              web:
                run: python3 app.py
                health: { path: /healthz, interval: 100ms, start-timeout: 20s }
                drain: 5s
                environments:
                  production:
                    listen: "{listen}"
                    strategy: canary
                    steps: [{ weight: 50, pause: 60s, analysis: false }]
                    analysis: false
            """);
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        await using var load = new LoadGenerator(h.EdgeUrl, 4, TimeSpan.FromMilliseconds(5));
        var v2 = (await h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v2"), "v2", null, "alice"))).Value!;
        await WaitForTableAsync(h, "v1:50 v2:50");
        await Task.Delay(300); // v2 takes its share for a while

        var v3 = await h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v3"), "v3", null, "bob"));
        Assert.Null(v3.Error);
        var superseded = await h.WaitAsync(v2.Id, until: d => d.State.IsTerminal());
        Assert.True(superseded.State == DeploymentState.Superseded, await h.EventsAsync(v2.Id));
        var handedBack = load.Elapsed;
        await WaitForTableAsync(h, "v1:50 v3:50");
        await Task.Delay(300);
        await load.DisposeAsync();

        Assert.Equal(DeploymentState.InProgress, (await h.Store.GetDeploymentAsync(v3.Value!.Id))!.State);
        Assert.Empty(load.SocketErrors);
        Assert.All(load.Samples, s => Assert.Equal(200, s.Status));
        Assert.Contains(load.Samples, s => s.Version == "v2");
        Assert.Contains(load.Samples, s => s.Version == "v3");
        Assert.DoesNotContain(load.Since(handedBack + TimeSpan.FromMilliseconds(100)), s => s.Version == "v2");
        Assert.DoesNotContain(h.Engine.Supervisor.Instances, i => i.Version == "v2");
    }

    private static async Task WaitForTableAsync(DeliveryHarness h, string expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var t = h.Router.Current("web", "production");
            var desc = t is null ? "" : string.Join(" ", t.Versions.Select(v => $"{v.Version}:{v.Weight}"));
            if (desc == expected)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"route table is '{desc}', expected '{expected}'");
            await Task.Delay(10);
        }
    }
}
