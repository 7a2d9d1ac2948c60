using Catalytic.Delivery.Model;
using Catalytic.Status.Checks;
using Catalytic.Status.Conditions;
using Catalytic.Status.Reports;
using Catalytic.Status.Signals;
using Catalytic.Status.Tests.Support;
using Catalytic.Storage.Sqlite;

namespace Catalytic.Status.Tests.Reports;

public sealed class ReportTests
{
    private sealed class Runs : IRunHistory
    {
        public Task<IReadOnlyList<(string Repository, string Conclusion, TimeSpan Duration)>> RunsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<(string, string, TimeSpan)>>([("acme/shop", "success", TimeSpan.FromMinutes(2)), ("acme/shop", "success", TimeSpan.FromMinutes(4)),
                ("acme/shop", "failure", TimeSpan.FromMinutes(10)), ("acme/shop", "success", TimeSpan.FromMinutes(3))]);
    }

    [Fact]
    public async Task DailyReport_SentOnceAtItsTime_WithPipelinesDeploymentsChecksAndOpenAlerts()
    {
        await using var h = new AlertingHarness("""
            checks:
              api: { url: "http://127.0.0.1:1/" }
            notifications:
              channels:
                team: { webhook: { url: "http://127.0.0.1:9/team", format: catalytic } }
              reports:
                - { every: daily, at: "08:30", to: [team] }
            """);
        await h.InitializeAsync();
        using var dir = new TempDir();
        await using var deliveries = new SqliteDeliveryStore(dir.File("d.db"));
        await deliveries.InitializeAsync();
        var t = h.Time.GetUtcNow();
        await deliveries.AddDeploymentAsync(new Deployment("d-1", "web", "production", "v2", "v1", "canary", DeploymentState.Succeeded, "live", t.AddHours(-3), t.AddHours(-3)));
        await deliveries.AddDeploymentAsync(new Deployment("d-2", "web", "production", "v3", "v2", "canary", DeploymentState.RolledBack, "errors", t.AddHours(-2), t.AddHours(-2)));
        var ok = new ConditionResult("[STATUS] (200) == 200", true, false);
        await h.Store.AddResultsAsync([.. Enumerable.Range(0, 10).Select(i => new CheckResult("api", t.AddMinutes(-30 + i), "local", i != 0, false, TimeSpan.FromMilliseconds(40), 200, null, [ok], null, false))]);
        await h.FireAsync("alertname=check-down", "severity=critical", "check=api");
        var reports = new ReportService(() => h.Config, h.Store, h.Book, deliveries, new Runs(), h.Time);

        Assert.Equal(0, await reports.SendDueAsync()); // 08:00: first sight, the next due time is 08:30
        h.Time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await reports.SendDueAsync());
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await reports.SendDueAsync());
        Assert.Equal(0, await reports.SendDueAsync());
        var (message, n) = Assert.Single(await h.SentAsync());
        Assert.Equal(("team", "report"), (message.Channel, message.Kind));
        Assert.StartsWith("Catalytic daily status report", n.Title, StringComparison.Ordinal);
        Assert.Contains("4 runs  success 75%  p50 3m  p95 10m", n.Text, StringComparison.Ordinal);
        Assert.Contains("2 deployments  1 succeeded  0 failed  1 rolled back", n.Text, StringComparison.Ordinal);
        Assert.Contains("api  uptime 90%", n.Text, StringComparison.Ordinal);
        Assert.Contains("critical  alertname=check-down", n.Text, StringComparison.Ordinal);
        Assert.Contains("<table>", n.Html, StringComparison.Ordinal);
        h.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await reports.SendDueAsync());
    }

    [Fact]
    public async Task SuccessRate_UnderTheSettingOverSevenDays_FiresAndRecovers()
    {
        await using var h = new AlertingHarness("alerts:\n  deployment-success-rate: { below: 80% }\n");
        await h.InitializeAsync();
        var signals = new AlertSignals(() => h.Config, h.Book);
        await signals.SuccessRatesAsync([new SuccessRate("web", "production", 3, 5), new SuccessRate("api", "production", 1, 2)]);
        var alert = Assert.Single(h.Book.Alerts.Values);
        Assert.Equal(("deployment-success-rate", "web"), (alert.Name, alert.Labels["app"]));
        Assert.Equal("60% of deployments of web to production succeeded in 7 days (under 80%)", alert.Summary);
        await signals.SuccessRatesAsync([new SuccessRate("web", "production", 9, 10)]);
        Assert.False(Assert.Single(h.Book.Alerts.Values).Firing);
    }
}
