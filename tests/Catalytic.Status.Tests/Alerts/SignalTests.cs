using Catalytic.Delivery.Model;
using Catalytic.Status.Config;
using Catalytic.Status.Hosting;
using Catalytic.Status.Signals;
using Catalytic.Status.Tests.Support;
using Catalytic.Storage.Sqlite;
using Catalytic.Storage.Status;

namespace Catalytic.Status.Tests.Alerts;

/// <summary>
/// A failed run on main, a rolled-back deployment and an approval waiting past its limit each reach the receiver its
/// route names: the status service running for real (its loops, a real delivery store, webhook receivers on loopback).
/// The run event is raised through <see cref="IAlertSignals"/> as the pipeline server will raise it.
/// </summary>
public sealed class SignalTests
{
    [Fact]
    public async Task RunDeploymentAndApprovalSignals_NotifyPerTheRoutes()
    {
        using var dir = new TempDir();
        await using var dev = await new WebhookReceiver().StartAsync();
        await using var ops = await new WebhookReceiver().StartAsync();
        await using var approvers = await new WebhookReceiver().StartAsync();
        var (config, errors) = StatusConfigParser.Parse($"""
            notifications:
              channels:
                dev: {"{"} webhook: {"{"} url: "{dev.Url()}", format: catalytic {"}"} {"}"}
                ops: {"{"} webhook: {"{"} url: "{ops.Url()}" {"}"} {"}"}
                approvers: {"{"} webhook: {"{"} url: "{approvers.Url()}" {"}"} {"}"}
              routes:
                - {"{"} match: {"{"} alertname: run-failed {"}"}, to: [dev], group-wait: 0s {"}"}
                - {"{"} match-re: {"{"} alertname: "deployment-.*" {"}"}, to: [ops], group-wait: 0s {"}"}
                - {"{"} match: {"{"} alertname: approval-waiting {"}"}, to: [approvers], group-wait: 0s {"}"}
            alerts:
              approval-waiting: {"{"} after: 1s, runbook: https://wiki.example.org/approvals {"}"}
              run-failed: {"{"} runbook: https://wiki.example.org/ci {"}"}
            """);
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        await using var deliveries = new SqliteDeliveryStore(dir.File("catalytic.db"));
        await deliveries.InitializeAsync();
        await using var store = new SqliteStatusStore(dir.File("catalytic.db"));
        await store.InitializeAsync();
        await using var service = new StatusService(new StatusServiceOptions
        {
            Config = config!, Store = store, StateDirectory = dir.Path, Time = TimeProvider.System, Deliveries = deliveries,
        });
        await service.StartAsync();
        // The first pass of the deployment source sets its cursor (history before status started is not news).
        await Ports.WaitAsync(async () => await store.GetValueAsync("signals.deployments.cursor") is not null, "the deployment source started");

        await service.Signals.RunFinishedAsync(new RunFinished("acme/shop", "ci", "refs/heads/main", true, "42", "failure", TimeSpan.FromMinutes(3), DateTimeOffset.UtcNow, "https://ci.example.org/runs/42"));
        await service.Signals.RunFinishedAsync(new RunFinished("acme/shop", "ci", "refs/heads/feature", false, "43", "failure", TimeSpan.FromMinutes(3), DateTimeOffset.UtcNow));

        var now = DateTimeOffset.UtcNow;
        await deliveries.AddDeploymentAsync(new Deployment("d-1", "web", "production", "v2", "v1", "canary", DeploymentState.InProgress, "starting", now, now));
        await deliveries.TransitionAsync("d-1", DeploymentState.RolledBack, "error rate 12% over 5%", now.AddMilliseconds(5));
        await deliveries.AddDeploymentAsync(new Deployment("d-2", "web", "production", "v3", "v1", "blue-green", DeploymentState.WaitingForApproval, "waiting for approval", now, now));

        await Ports.WaitAsync(() => Task.FromResult(!dev.Received.IsEmpty && !ops.Received.IsEmpty && !approvers.Received.IsEmpty), "one message on each route");
        var run = Assert.Single(dev.Received);
        Assert.Contains("ci failed on refs/heads/main (acme/shop)", run.Body, StringComparison.Ordinal);
        Assert.Contains("https://wiki.example.org/ci", run.Body, StringComparison.Ordinal);
        Assert.Contains("https://ci.example.org/runs/42", run.Body, StringComparison.Ordinal);
        var rollback = Assert.Single(ops.Received);
        Assert.Contains("\"alertname\":\"deployment-rolled-back\"", rollback.Body, StringComparison.Ordinal);
        Assert.Contains("error rate 12% over 5%", rollback.Body, StringComparison.Ordinal);
        var approval = Assert.Single(approvers.Received);
        Assert.Contains("catalytic approve web --env production --id d-2", approval.Body, StringComparison.Ordinal);
        Assert.Contains("https://wiki.example.org/approvals", approval.Body, StringComparison.Ordinal);

        // A green run on main resolves the failure.
        await service.Signals.RunFinishedAsync(new RunFinished("acme/shop", "ci", "refs/heads/main", true, "44", "success", TimeSpan.FromMinutes(3), DateTimeOffset.UtcNow));
        await Ports.WaitAsync(() => Task.FromResult(dev.Received.Count == 2), "the resolved message for the run", seconds: 60);
        Assert.Contains("\"kind\":\"resolved\"", dev.Received.Last().Body, StringComparison.Ordinal);
    }
}

/// <summary>The in-process multi-window multi-burn-rate alert on synthetic per-minute edge totals.</summary>
public sealed class SloBurnMonitorTests
{
    [Fact]
    public async Task FastBurn_Pages_AndRecoveryResolves_WithoutATicketWhileTheSixHourWindowIsClean()
    {
        await using var h = new AlertingHarness("alerts:\n  slo-burn-rate: { objective: 99.9% }\n");
        await h.InitializeAsync();
        var slo = new Catalytic.Status.Alerts.SloBurnMonitor(() => h.Config, h.Book, h.Time);
        for (var i = 0; i < 60; i++)
        {
            slo.Add("web", "production", 1000, 50); // 5% errors: 50x the 0.1% budget
            slo.Add("web", "staging", 1000, 0);
        }

        await slo.EvaluateAsync();
        var page = Assert.Single(h.Book.Alerts.Values, a => a.Firing);
        Assert.Equal(("critical", "page", "production"), (page.Severity, page.Labels["window"], page.Labels["environment"]));
        Assert.StartsWith("web/production burns its error budget 50x too fast", page.Summary, StringComparison.Ordinal);

        for (var i = 0; i < 360; i++)
        {
            slo.Add("web", "production", 1000, 0);
        }

        await slo.EvaluateAsync();
        Assert.DoesNotContain(h.Book.Alerts.Values, a => a.Firing);
    }

    [Fact]
    public async Task SlowBurn_OpensATicket()
    {
        await using var h = new AlertingHarness("alerts:\n  slo-burn-rate: { objective: 99.9% }\n");
        await h.InitializeAsync();
        var slo = new Catalytic.Status.Alerts.SloBurnMonitor(() => h.Config, h.Book, h.Time);
        for (var i = 0; i < 600; i++)
        {
            slo.Add("web", "production", 1000, 2); // 0.2%: twice the budget, far under 6x
        }

        await slo.EvaluateAsync();
        var ticket = Assert.Single(h.Book.Alerts.Values, a => a.Firing);
        Assert.Equal(("warning", "ticket"), (ticket.Severity, ticket.Labels["window"]));
    }
}
