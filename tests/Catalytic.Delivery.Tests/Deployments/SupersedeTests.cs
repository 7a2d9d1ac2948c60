using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Tests.Support;
using Catalytic.Testing.Http;
using Catalytic.Testing.Time;
using Catalytic.Testing.Waiting;

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
                health: { path: /healthz, interval: 100ms, timeout: 1m, start-timeout: 10m }
                environments:
                  production:
                    listen: "{listen}"
                    strategy: blue-green
                    approval: required
                    analysis: false
            """);
        var v1 = await h.DeployAsync("v1");
        Assert.Null((await h.RunAsync(h.Engine.DecideAsync("web", "production", v1.Id, approve: true, "alice"), "approve v1")).Error);
        Assert.Equal(DeploymentState.Succeeded, (await h.WaitAsync(v1.Id, until: d => d.State.IsTerminal())).State);
        var v2 = await h.DeployAsync("v2");
        Assert.Equal(DeploymentState.WaitingForApproval, v2.State);

        var v3 = await h.RunAsync(h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v3"), "v3", null, "bob")), "deploy v3");
        var v4 = await h.RunAsync(h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v4"), "v4", null, "carol")), "deploy v4");

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
        await h.Clock.AdvanceUntilAsync(() => !h.Engine.Supervisor.Instances.Any(i => i.Version is "v2" or "v3"), "the superseded releases' instances to stop");

        Assert.Null((await h.RunAsync(h.Engine.DecideAsync("web", "production", last.Id, approve: true, "carol"), "approve v4")).Error);
        Assert.Equal(DeploymentState.Succeeded, (await h.WaitAsync(last.Id, until: d => d.State.IsTerminal())).State);
        Assert.Equal((200, "v4"), await h.GetAsync());
        Assert.Equal(["v4", "v3", "v2", "v1"], (await h.Store.ListDeploymentsAsync("web", "production")).Select(d => d.Version));
    }

    [Fact]
    public async Task Deploy_WhileACanaryTakesTraffic_ReturnsItsTrafficThenRunsTheNewer_WithoutAFailedRequest()
    {
        // The canary's pause is an hour of the engine's clock: it holds at 50% for as long as the test needs.
        await using var h = await DeliveryHarness.StartAsync("""
            apps:
              web:
                run: python3 app.py
                health: { path: /healthz, interval: 100ms, timeout: 1m, start-timeout: 10m }
                drain: 5s
                environments:
                  production:
                    listen: "{listen}"
                    strategy: canary
                    steps: [{ weight: 50, pause: 1h, analysis: false }]
                    analysis: false
            """);
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        await using var load = new LoadGenerator(h.EdgeUrl, 4, TimeSpan.FromMilliseconds(5));
        var v2 = (await h.RunAsync(h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v2"), "v2", null, "alice")), "deploy v2")).Value!;
        await h.WaitForTableAsync("v1:50 v2:50");
        await load.AnsweredAsync(20, s => s.Version == "v2", "from v2 while it takes its share");

        var v3 = await h.RunAsync(h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v3"), "v3", null, "bob")), "deploy v3");
        Assert.Null(v3.Error);
        var superseded = await h.WaitAsync(v2.Id, until: d => d.State.IsTerminal());
        Assert.True(superseded.State == DeploymentState.Superseded, await h.EventsAsync(v2.Id));
        var handedBack = load.Mark();
        await h.WaitForTableAsync("v1:50 v3:50");
        await load.AnsweredAsync(20, s => s.Version == "v3", "from v3 while it takes its share");
        await load.DisposeAsync();

        Assert.Equal(DeploymentState.InProgress, (await h.Store.GetDeploymentAsync(v3.Value!.Id))!.State);
        Assert.Equal(["v1:100", "v1:50 v2:50", "v1:100", "v1:50 v3:50"], h.Tables.Splits());
        Assert.Empty(load.SocketErrors);
        Assert.All(load.Samples, s => Assert.Equal(200, s.Status));
        Assert.Contains(load.Samples, s => s.Version == "v2");
        Assert.Contains(load.Samples, s => s.Version == "v3");
        Assert.DoesNotContain(load.SentAfter(handedBack), s => s.Version == "v2");
        await h.Clock.AdvanceUntilAsync(() => !h.Engine.Supervisor.Instances.Any(i => i.Version == "v2"), "v2's instances to drain and stop");
    }
}
