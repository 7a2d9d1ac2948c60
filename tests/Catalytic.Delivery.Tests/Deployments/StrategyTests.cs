using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Targets;
using Catalytic.Delivery.Tests.Support;
using Catalytic.Testing.Http;
using Catalytic.Testing.Time;
using Catalytic.Testing.Waiting;

namespace Catalytic.Delivery.Tests.Deployments;

/// <summary>
/// Each strategy end to end: real python3 instances, the real edge, real HTTP, SQLite state — on the harness's fake
/// clock, so analysis windows, pauses and warm releases last exactly what the configuration says in the engine's time.
/// </summary>
public sealed class StrategyTests
{
    // Health checks time out after a minute of the engine's clock: a slow answer on a loaded machine is never mistaken
    // for an unhealthy instance (the clock moves while the test waits, not while the machine is slow).
    private static string Yaml(string strategy, string extra = "", string analysis = "{ interval: 200ms, window: 1s, max-error-rate: 5%, failure-limit: 2, min-requests: 0 }", int instances = 2) => $$"""
        apps:
          web:
            run: python3 app.py
            instances: {{instances}}
            health: { path: /healthz, interval: 100ms, timeout: 1m, start-timeout: 10m }
            drain: 100ms
            stop-timeout: 2s
            environments:
              production:
                listen: "{listen}"
                strategy: {{strategy}}
                scale-down-delay: 30s
                analysis: {{analysis}}
        {{extra}}
        """;

    [Fact]
    public async Task BlueGreen_GoodRelease_SwitchesAllTrafficAndKeepsOldWarm()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green"));

        var v1 = await h.DeployAsync("v1");
        Assert.Equal(DeploymentState.Succeeded, v1.State);
        Assert.Equal((200, "v1"), await h.GetAsync());
        var v2 = await h.DeployAsync("v2");

        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.Equal("v1", v2.PreviousVersion);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal((200, "v2"), await h.GetAsync());
        }

        Assert.Equal("v2", (await h.Store.GetLiveAsync("web", "production"))!.Version);
        var running = h.Engine.Supervisor.Instances;
        Assert.Equal(2, running.Count(i => i.Version == "v2"));
        Assert.Equal(2, running.Count(i => i.Version == "v1")); // warm for scale-down-delay (30 s of a clock that has not moved since)
        Assert.Equal("v1", h.Engine.State("web", "production").Warm?.Version);
        var events = await h.EventsAsync(v2.Id);
        Assert.Contains("switching all traffic from v1 to v2 in one swap", events, StringComparison.Ordinal);
        Assert.Contains("analysis of v2: pass", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlueGreen_WarmRelease_IsStoppedOnceTheScaleDownDelayHasPassed()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green", instances: 1));
        var warm = await V2LiveWithV1WarmAsync(h);

        h.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.NotEqual(InstanceHealth.Stopped, warm.Health);
        Assert.Equal("v1", h.Engine.State("web", "production").Warm?.Version);

        var passed = await h.Clock.AdvanceUntilAsync(() => warm.Health == InstanceHealth.Stopped, () => $"v1 still {warm.Health} after its scale-down delay");
        Assert.Null(h.Engine.State("web", "production").Warm);
        // Drain (100 ms) and a stop: well within one more second of the clock, not another delay.
        Assert.True(passed < TimeSpan.FromSeconds(5), $"stopped {passed} after the 29th second of a 30 s delay");
    }

    [Fact]
    public async Task BlueGreen_Under32Connections_ServesEveryRequest()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green"));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);

        await using var load = new LoadGenerator(h.EdgeUrl, 32, TimeSpan.FromMilliseconds(2));
        await load.AnsweredAsync(100, s => s.Version == "v1", "from v1 before the switch");
        var v2 = await h.DeployAsync("v2");
        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        var switched = load.Mark();
        await Eventually.UntilAsync(() => load.SentAfter(switched).Count >= 100, "100 answers to requests sent after the switch");
        await load.DisposeAsync();

        Assert.Empty(load.SocketErrors);
        Assert.All(load.Samples, s => Assert.Equal(200, s.Status));
        Assert.Contains(load.Samples, s => s.Version == "v1");
        Assert.All(load.SentAfter(switched), s => Assert.Equal("v2", s.Version));
    }

    [Fact]
    public async Task BlueGreen_ReleaseFailingHalfItsRequests_RolledBackAfterFailureLimitConsecutiveFailedChecks()
    {
        var analysis = "{ interval: 200ms, window: 1s, max-error-rate: 5%, failure-limit: 2, min-requests: 5 }";
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green", analysis: analysis));
        await using var load = new LoadGenerator(h.EdgeUrl, 8, TimeSpan.FromMilliseconds(5));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);

        var v2 = await h.DeployAsync("v2", failRate: 0.5);
        var rolledBack = load.Mark();

        Assert.True(v2.State == DeploymentState.RolledBack, await h.EventsAsync(v2.Id));
        Assert.Contains("automatic rollback to v1", v2.Reason, StringComparison.Ordinal);
        Assert.Contains("2 consecutive failed checks (failure-limit 2)", v2.Reason, StringComparison.Ordinal);
        Assert.Matches(@"error rate \d+(\.\d+)?% > max-error-rate 5%", v2.Reason);
        // Rolled back at the second consecutive failure, not later: the conclusive checks end with exactly failure-limit
        // failures after the last pass (half the requests fail at random, so a window of few requests can pass).
        var checks = (await h.Store.ListEventsAsync(v2.Id)).Select(e => e.Message).Where(m => m.StartsWith("analysis of v2: ", StringComparison.Ordinal)).ToList();
        var conclusive = checks.Where(c => !c.StartsWith("analysis of v2: inconclusive", StringComparison.Ordinal)).ToList();
        var streak = Enumerable.Reverse(conclusive).TakeWhile(c => c.StartsWith("analysis of v2: fail", StringComparison.Ordinal)).Count();
        Assert.True(streak == 2, string.Join("\n", checks));
        Assert.StartsWith("analysis of v2: fail", checks[^1], StringComparison.Ordinal);
        Assert.Contains(load.Samples, s => s.Version == "v2" && s.Status == 500);

        await Eventually.UntilAsync(() => load.SentAfter(rolledBack).Count >= 50, "50 answers to requests sent after the rollback");
        await load.DisposeAsync();
        Assert.All(load.SentAfter(rolledBack), s => Assert.Equal(("v1", 200), (s.Version, s.Status)));
        Assert.Equal("v1", (await h.Store.GetLiveAsync("web", "production"))!.Version);
        Assert.Empty(load.SocketErrors);
    }

    [Fact]
    public async Task Rolling_ReplacesOneAtATime_NeverFewerHealthyThanConfigured()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("rolling", instances: 3));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);

        var v2 = await h.DeployAsync("v2");

        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.Equal(["v1:100:3", "v1:67:2 v2:33:1", "v1:33:1 v2:67:2", "v2:100:3"], h.Tables.Splits(withInstances: true));
        Assert.All(h.Tables.Applied, t => Assert.True(t.Versions.Sum(v => v.Instances.Length) >= 3, $"only {t.Versions.Sum(v => v.Instances.Length)} routed instances in a table"));
        Assert.Equal(3, h.Engine.Supervisor.Instances.Count(i => i.Version == "v2" && i.Health == InstanceHealth.Healthy));
        Assert.DoesNotContain(h.Engine.Supervisor.Instances, i => i.Version == "v1");
        Assert.Equal((200, "v2"), await h.GetAsync());
    }

    [Fact]
    public async Task Canary_StepsThroughWeights_ThenPromotes()
    {
        var yaml = Yaml("canary").Replace("scale-down-delay: 30s", "scale-down-delay: 30s\n        sticky-cookie: catalytic-canary\n        steps: [{ weight: 25, pause: 400ms }, { weight: 50, pause: 400ms }]", StringComparison.Ordinal);
        await using var h = await DeliveryHarness.StartAsync(yaml);
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        await using var load = new LoadGenerator(h.EdgeUrl, 4, TimeSpan.FromMilliseconds(5));
        await load.AnsweredAsync(20, what: "before the canary");
        var started = load.Mark();

        var v2 = await h.DeployAsync("v2", strategy: "canary");
        await load.DisposeAsync();

        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.Equal(["v1:100", "v1:75 v2:25", "v1:50 v2:50", "v2:100"], h.Tables.Splits());
        Assert.All(h.Tables.Applied, t => Assert.Equal("catalytic-canary", t.StickyCookie));
        var during = load.SentAfter(started);
        Assert.Contains(during, s => s.Version == "v1");
        Assert.Contains(during, s => s.Version == "v2");
        Assert.All(during, s => Assert.Equal(200, s.Status));
        var events = await h.EventsAsync(v2.Id);
        Assert.Contains("canary step 1/2: 25% of traffic to v2, 75% to v1", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_DecidedRightAfterTheWaitingStateIsRecorded_WaitsForTheGate_NotRefused()
    {
        // A person (the dashboard, `catalytic approve`) acts on the recorded state; the run opens its gate just after
        // recording it. A decision in between must wait for the gate, not be told nothing is waiting.
        using var folder = new Catalytic.Testing.Files.TempFolder("held");
        var store = new HeldTransitionStore(new Catalytic.Storage.Sqlite.SqliteDeliveryStore(folder["catalytic.db"]), DeploymentState.WaitingForApproval);
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green", instances: 1).Replace("strategy: blue-green", "strategy: blue-green\n        approval: required", StringComparison.Ordinal), store: store);

        var v1 = await h.DeployAsync("v1"); // returns once waiting-for-approval is recorded; the run is held right there
        Assert.Equal(DeploymentState.WaitingForApproval, v1.State);
        var decision = h.Engine.DecideAsync("web", "production", v1.Id, approve: true, "alice");
        Assert.False(decision.IsCompleted, decision.IsCompleted ? (await decision).Error?.Message : "");
        store.Release();
        var approved = await h.RunAsync(decision, "approve v1 once its gate opened");
        Assert.Null(approved.Error);
        v1 = await h.WaitAsync(v1.Id, until: d => d.State.IsTerminal());
        Assert.Equal(DeploymentState.Succeeded, v1.State);
        Assert.Equal("alice", Assert.Single(await h.Store.ListApprovalsAsync(v1.Id)).By);
    }

    [Fact]
    public async Task Approval_Required_HoldsBeforeTrafficMoves_ThenApproveOrReject()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green").Replace("strategy: blue-green", "strategy: blue-green\n        approval: required", StringComparison.Ordinal));

        var v1 = await h.DeployAsync("v1");
        Assert.Equal(DeploymentState.WaitingForApproval, v1.State);
        Assert.Equal(503, (await h.GetAsync()).Status);
        var approved = await h.RunAsync(h.Engine.DecideAsync("web", "production", null, approve: true, "alice"), "approve v1");
        Assert.Null(approved.Error);
        Assert.NotEqual(DeploymentState.WaitingForApproval, approved.Value!.State); // answered once the run left the gate
        v1 = await h.WaitAsync(v1.Id, until: d => d.State.IsTerminal());
        Assert.Equal(DeploymentState.Succeeded, v1.State);
        Assert.Equal((200, "v1"), await h.GetAsync());

        var v2 = await h.DeployAsync("v2");
        Assert.Equal(DeploymentState.WaitingForApproval, v2.State);
        Assert.Contains("approval required", v2.Reason, StringComparison.Ordinal);
        Assert.Equal(2, h.Engine.Supervisor.Instances.Count(i => i.Version == "v2" && i.Health == InstanceHealth.Healthy)); // started and checked first
        Assert.Equal((200, "v1"), await h.GetAsync());
        var wrongId = await h.Engine.DecideAsync("web", "production", "d-nope", approve: true, "bob");
        Assert.Equal("id", wrongId.Error!.Field);
        Assert.Null((await h.RunAsync(h.Engine.DecideAsync("web", "production", v2.Id, approve: false, "bob", "not on a Friday"), "reject v2")).Error);
        var again = await h.Engine.DecideAsync("web", "production", v2.Id, approve: true, "carol");
        Assert.Equal("id", again.Error!.Field); // the gate closed with the first decision
        v2 = await h.WaitAsync(v2.Id, until: d => d.State.IsTerminal());

        Assert.Equal(DeploymentState.Rejected, v2.State);
        Assert.Contains("rejected by bob: not on a Friday", v2.Reason, StringComparison.Ordinal);
        Assert.Equal((200, "v1"), await h.GetAsync());
        Assert.DoesNotContain(h.Engine.Supervisor.Instances, i => i.Version == "v2");
        var approvals = await h.Store.ListApprovalsAsync(v2.Id);
        Assert.Equal(("bob", false), (Assert.Single(approvals).By, approvals[0].Approved));
    }

    [Fact]
    public async Task Analysis_TooLittleTraffic_PausesForAPerson()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green", analysis: "{ interval: 200ms, window: 600ms, min-requests: 1000 }", instances: 1));

        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        var v2 = await h.DeployAsync("v2");

        Assert.Equal(DeploymentState.WaitingForApproval, v2.State);
        Assert.Contains("inconclusive", v2.Reason, StringComparison.Ordinal);
        Assert.Null((await h.RunAsync(h.Engine.DecideAsync("web", "production", v2.Id, approve: true, "carol"), "approve v2")).Error);
        v2 = await h.WaitAsync(v2.Id, until: d => d.State.IsTerminal());
        Assert.Equal(DeploymentState.Succeeded, v2.State);
        Assert.Contains("continued by carol", v2.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analysis_OfAnEnvironmentsFirstRelease_IsSkipped_SoOneApprovalIsEnough()
    {
        var yaml = Yaml("blue-green", analysis: "{ interval: 200ms, window: 600ms, min-requests: 1000 }", instances: 1)
            .Replace("strategy: blue-green", "strategy: blue-green\n        approval: required", StringComparison.Ordinal);
        await using var h = await DeliveryHarness.StartAsync(yaml);

        var v1 = await h.DeployAsync("v1");
        Assert.Equal(DeploymentState.WaitingForApproval, v1.State);
        Assert.Null((await h.RunAsync(h.Engine.DecideAsync("web", "production", v1.Id, approve: true, "dana"), "approve v1")).Error);
        v1 = await h.WaitAsync(v1.Id, until: d => d.State.IsTerminal());

        Assert.Equal(DeploymentState.Succeeded, v1.State);
        Assert.Contains("first release: not analysed", v1.Reason, StringComparison.Ordinal);
        Assert.Single(await h.Store.ListApprovalsAsync(v1.Id));
        Assert.Equal((200, "v1"), await h.GetAsync());
    }

    [Fact]
    public async Task PreDeploy_Failing_AbortsBeforeAnyInstanceStarts()
    {
        var yaml = Yaml("blue-green", instances: 1).Replace("stop-timeout: 2s", "stop-timeout: 2s\n    pre-deploy: test -f MIGRATE_OK || exit 7", StringComparison.Ordinal);
        await using var h = await DeliveryHarness.StartAsync(yaml);

        var v1 = await h.DeployAsync("v1");

        Assert.Equal(DeploymentState.Failed, v1.State);
        Assert.Contains("pre-deploy `test -f MIGRATE_OK || exit 7` exited with code 7", v1.Reason, StringComparison.Ordinal);
        Assert.Empty(h.Engine.Supervisor.Instances);
        Assert.Null(h.Router.Current("web", "production"));
    }

    [Fact]
    public async Task Rollback_AfterSuccess_SwapsBackToTheWarmRelease()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green", instances: 1));
        var v1Instance = await V2LiveWithV1WarmAsync(h);

        var rollback = await h.Engine.RollbackAsync("web", "production", null, "dave");
        Assert.Null(rollback.Error);
        var done = await h.WaitAsync(rollback.Value!.Id);

        Assert.True(done.State == DeploymentState.Succeeded, await h.EventsAsync(done.Id));
        Assert.Equal("rollback", done.Strategy);
        Assert.Contains("v1 is still warm", await h.EventsAsync(done.Id), StringComparison.Ordinal);
        Assert.Same(v1Instance, Assert.Single(h.Engine.Supervisor.Instances, i => i.Version == "v1"));
        Assert.Equal((200, "v1"), await h.GetAsync());
        Assert.Equal("v1", (await h.Store.GetLiveAsync("web", "production"))!.Version);
        var again = await h.Engine.RollbackAsync("web", "production", "v1", "dave");
        Assert.Equal("to", again.Error!.Field);
    }

    [Fact]
    public async Task Deploy_UnknownEnvironmentOrBrokenConfig_NamesTheFieldAndStartsNothing()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green"));

        var unknown = await h.Engine.DeployAsync(new DeployRequest("web", "moon", h.Artifact("v1")));
        Assert.Equal(("environment", DeliveryErrorKind.NotFound), (unknown.Error!.Field, unknown.Error.Kind));
        File.AppendAllText(h.ConfigPath, "\n    bogus: 1\n");
        var broken = await h.Engine.DeployAsync(new DeployRequest("web", "production", h.Artifact("v1")));

        Assert.Equal("config", broken.Error!.Field);
        Assert.Contains(broken.Error.Details, d => d.Contains("unknown key 'bogus'", StringComparison.Ordinal));
        Assert.Empty(await h.Store.ListDeploymentsAsync());
        Assert.Empty(h.Engine.Supervisor.Instances);
    }

    /// <summary>Deploys v1 then v2 (blue-green, one instance); returns v1's instance, kept warm.</summary>
    private static async Task<Instance> V2LiveWithV1WarmAsync(DeliveryHarness h)
    {
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v2")).State);
        return Assert.Single(h.Engine.Supervisor.Instances, i => i.Version == "v1");
    }
}
