using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Targets;
using Catalytic.Delivery.Tests.Support;

namespace Catalytic.Delivery.Tests.Deployments;

/// <summary>Each strategy end to end: real python3 instances, the real YARP edge, real HTTP, SQLite state.</summary>
public sealed class StrategyTests
{
    private static string Yaml(string strategy, string extra = "", string analysis = "{ interval: 200ms, window: 1s, max-error-rate: 5%, failure-limit: 2, min-requests: 0 }", int instances = 2) => $$"""
        apps:
          web:
            run: python3 app.py
            instances: {{instances}}
            health: { path: /healthz, interval: 100ms, timeout: 1s, start-timeout: 20s }
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
        Assert.Equal(2, running.Count(i => i.Version == "v1")); // warm for scale-down-delay
        Assert.Equal("v1", h.Engine.Runtime("web", "production").Warm?.Version);
        var events = await h.EventsAsync(v2.Id);
        Assert.Contains("switching all traffic from v1 to v2 in one swap", events, StringComparison.Ordinal);
        Assert.Contains("analysis of v2: pass", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlueGreen_Under32Connections_ServesEveryRequest()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green"));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);

        await using (var load = new LoadGenerator(h.EdgeUrl, 32, TimeSpan.FromMilliseconds(2)))
        {
            await Task.Delay(300, TestContext.Current.CancellationToken);
            var v2 = await h.DeployAsync("v2");
            Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
            await Task.Delay(300, TestContext.Current.CancellationToken);
            await load.DisposeAsync();

            Assert.Empty(load.SocketErrors);
            var samples = load.Samples.ToList();
            Assert.True(samples.Count > 200, $"only {samples.Count} requests");
            Assert.All(samples, s => Assert.Equal(200, s.Status));
            Assert.Contains(samples, s => s.Version == "v1");
            Assert.Equal("v2", samples[^1].Version);
        }
    }

    [Fact]
    public async Task BlueGreen_ReleaseFailingHalfItsRequests_RolledBackWithinWindowPlusTwoSeconds()
    {
        var analysis = "{ interval: 200ms, window: 1s, max-error-rate: 5%, failure-limit: 2, min-requests: 5 }";
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green", analysis: analysis));
        await using var load = new LoadGenerator(h.EdgeUrl, 8, TimeSpan.FromMilliseconds(5));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);

        var v2 = await h.DeployAsync("v2", failRate: 0.5);
        var rolledBackAt = load.Elapsed;

        Assert.True(v2.State == DeploymentState.RolledBack, await h.EventsAsync(v2.Id));
        Assert.Contains("automatic rollback to v1", v2.Reason, StringComparison.Ordinal);
        Assert.Matches(@"error rate \d+(\.\d+)?% > max-error-rate 5%", v2.Reason);
        var v2Samples = load.Samples.Where(s => s.Version == "v2").ToList();
        Assert.NotEmpty(v2Samples);
        Assert.Contains(v2Samples, s => s.Status == 500);
        var badFor = v2Samples.Max(s => s.At) - v2Samples.Min(s => s.At);
        Assert.True(badFor < TimeSpan.FromSeconds(1 + 2), $"v2 served for {badFor}");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        var after = load.Since(rolledBackAt + TimeSpan.FromMilliseconds(200));
        Assert.NotEmpty(after);
        Assert.All(after, s => Assert.Equal(("v1", 200), (s.Version, s.Status)));
        Assert.Equal("v1", (await h.Store.GetLiveAsync("web", "production"))!.Version);
        Assert.Empty(load.SocketErrors);
    }

    [Fact]
    public async Task Rolling_ReplacesOneAtATime_NeverFewerHealthyThanConfigured()
    {
        // A generous health timeout: this is about the order of the route tables, which an old instance whose health
        // check is slow on a loaded machine (and which then leaves the table, rightly) would disturb.
        await using var h = await DeliveryHarness.StartAsync(Yaml("rolling", instances: 3).Replace("timeout: 1s", "timeout: 10s", StringComparison.Ordinal));
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        var tables = new List<string>();
        var fewest = int.MaxValue;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                var t = h.Router.Current("web", "production")!;
                var desc = string.Join(" ", t.Versions.Select(v => $"{v.Version}:{v.Weight}:{v.Instances.Length}"));
                if (tables.Count == 0 || tables[^1] != desc)
                {
                    tables.Add(desc);
                }

                fewest = Math.Min(fewest, t.Versions.Sum(v => v.Instances.Length));
                await Task.Delay(5);
            }
        });

        var v2 = await h.DeployAsync("v2");
        await watching.CancelAsync();
        await watcher;

        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.Equal(["v1:100:3", "v1:67:2 v2:33:1", "v1:33:1 v2:67:2", "v2:100:3"], tables);
        Assert.True(fewest >= 3, $"only {fewest} routed instances at one point");
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
        var tables = new List<string>();
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                var t = h.Router.Current("web", "production")!;
                var desc = string.Join(" ", t.Versions.Select(v => $"{v.Version}:{v.Weight}"));
                if (tables.Count == 0 || tables[^1] != desc)
                {
                    tables.Add(desc);
                }

                Assert.Equal("catalytic-canary", t.StickyCookie);
                await Task.Delay(5);
            }
        });

        var started = load.Elapsed;
        var v2 = await h.DeployAsync("v2", strategy: "canary");
        await watching.CancelAsync();
        await watcher;

        Assert.True(v2.State == DeploymentState.Succeeded, await h.EventsAsync(v2.Id));
        Assert.Equal(["v1:100", "v1:75 v2:25", "v1:50 v2:50", "v2:100"], tables);
        var during = load.Since(started);
        Assert.Contains(during, s => s.Version == "v1");
        Assert.Contains(during, s => s.Version == "v2");
        Assert.All(during, s => Assert.Equal(200, s.Status));
        var events = await h.EventsAsync(v2.Id);
        Assert.Contains("canary step 1/2: 25% of traffic to v2, 75% to v1", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_Required_HoldsBeforeTrafficMoves_ThenApproveOrReject()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml("blue-green").Replace("strategy: blue-green", "strategy: blue-green\n        approval: required", StringComparison.Ordinal));

        var v1 = await h.DeployAsync("v1");
        Assert.Equal(DeploymentState.WaitingForApproval, v1.State);
        Assert.Equal(503, (await h.GetAsync()).Status);
        var approved = await h.Engine.DecideAsync("web", "production", null, approve: true, "alice");
        Assert.Null(approved.Error);
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
        Assert.Null((await h.Engine.DecideAsync("web", "production", v2.Id, approve: false, "bob", "not on a Friday")).Error);
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
        Assert.Null((await h.Engine.DecideAsync("web", "production", v2.Id, approve: true, "carol")).Error);
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
        Assert.Null((await h.Engine.DecideAsync("web", "production", v1.Id, approve: true, "dana")).Error);
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
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v1")).State);
        Assert.Equal(DeploymentState.Succeeded, (await h.DeployAsync("v2")).State);
        var v1Instance = Assert.Single(h.Engine.Supervisor.Instances, i => i.Version == "v1");

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
}
