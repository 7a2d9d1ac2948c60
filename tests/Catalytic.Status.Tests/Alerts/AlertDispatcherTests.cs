using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Alerts;

/// <summary>Alertmanager's grouping, intervals, inhibition, silences and escalation, on a fake clock over a real store.</summary>
public sealed class AlertDispatcherTests
{
    private const string Channels = """
        notifications:
          channels:
            ops: { webhook: { url: "http://127.0.0.1:9/ops" } }
            lead: { webhook: { url: "http://127.0.0.1:9/lead" } }
            manager: { webhook: { url: "http://127.0.0.1:9/manager" } }
            other: { webhook: { url: "http://127.0.0.1:9/other" } }
          routes:
        """;

    private static async Task<AlertingHarness> HarnessAsync(string routes)
    {
        var h = new AlertingHarness(Channels + "\n" + routes);
        await h.InitializeAsync();
        return h;
    }

    [Fact]
    public async Task Grouping_WaitsGroupWait_ThenBatchesNewAlertsAtTheGroupInterval()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-by: [alertname], group-wait: 30s, group-interval: 5m, repeat-interval: 4h }
            """);
        await h.FireAsync("alertname=check-down", "check=a", "severity=critical");
        await h.AdvanceAsync(TimeSpan.Zero);
        await h.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Empty(await h.SentAsync());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var first = Assert.Single(await h.SentAsync());
        Assert.Equal("[FIRING:1] alertname=check-down check=a severity=critical", first.Message.Subject);

        await h.FireAsync("alertname=check-down", "check=b", "severity=critical");
        await h.AdvanceAsync(TimeSpan.FromSeconds(60));
        Assert.Single(await h.SentAsync());
        await h.AdvanceAsync(TimeSpan.FromMinutes(4)); // 5 m after the first flush
        var sent = await h.SentAsync();
        Assert.Equal(2, sent.Count);
        Assert.Equal(["a", "b"], sent[1].Notification.Alerts.Select(a => a.Labels["check"]).Order());
        Assert.Equal("check-down", sent[1].Notification.GroupLabels["alertname"]);
    }

    [Fact]
    public async Task RepeatInterval_RepeatsAnUnchangedFiringGroup_AndAckStopsIt()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, group-interval: 1m, repeat-interval: 1h }
            """);
        var alert = await h.FireAsync("alertname=check-down", "check=a", "severity=warning");
        await h.AdvanceAsync(TimeSpan.Zero);
        Assert.Single(await h.SentAsync());
        for (var i = 0; i < 58; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Single(await h.SentAsync());
        await h.AdvanceAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(2, (await h.SentAsync()).Count);

        await h.Book.AckAsync(alert!.Id, "alice");
        for (var i = 0; i < 70; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(2, (await h.SentAsync()).Count);
    }

    [Fact]
    public async Task SendResolved_SendsOneResolvedMessage_OnlyForWhatWasNotified()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, group-interval: 10s }
            """);
        await h.FireAsync("alertname=check-down", "check=a", "severity=critical");
        await h.AdvanceAsync(TimeSpan.Zero);
        await h.ResolveAsync("alertname=check-down", "check=a", "severity=critical");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        var sent = await h.SentAsync();
        Assert.Equal(["firing", "resolved"], sent.Select(s => s.Message.Kind));
        Assert.Equal("resolved", sent[1].Notification.Alerts.Single().Status);

        // An alert that fired and resolved inside one group-wait was never notified: nothing to resolve.
        await h.FireAsync("alertname=check-down", "check=b", "severity=critical");
        await h.ResolveAsync("alertname=check-down", "check=b", "severity=critical");
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await h.SentAsync()).Count);
    }

    [Fact]
    public async Task SendResolvedFalse_SendsNoResolvedMessage()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, group-interval: 10s, send-resolved: false }
            """);
        await h.FireAsync("alertname=x", "severity=critical");
        await h.AdvanceAsync(TimeSpan.Zero);
        await h.ResolveAsync("alertname=x", "severity=critical");
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["firing"], (await h.SentAsync()).Select(s => s.Message.Kind));
    }

    [Fact]
    public async Task Routes_FirstMatchWins_UnlessContinue_ChildrenFirst()
    {
        await using var h = await HarnessAsync("""
                - match: { team: web }
                  to: [ops]
                  group-wait: 0s
                  continue: true
                  routes:
                    - { match: { severity: critical }, to: [lead], group-wait: 0s }
                - { match: { team: web }, to: [manager], group-wait: 0s }
                - { to: [other], group-wait: 0s }
            """);
        await h.FireAsync("alertname=a", "team=web", "severity=critical");
        await h.FireAsync("alertname=b", "team=web", "severity=warning");
        await h.FireAsync("alertname=c", "team=db", "severity=warning");
        await h.AdvanceAsync(TimeSpan.Zero);
        var got = (await h.SentAsync()).Select(s => $"{s.Message.Channel}:{s.Notification.Alerts.Single().Labels["alertname"]}").Order().ToList();
        Assert.Equal(["lead:a", "manager:a", "manager:b", "ops:b", "other:c"], got);
    }

    [Fact]
    public async Task Inhibition_CriticalEnvironmentDown_MutesTheSameEnvironmentsWarnings()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s }
            """);
        await h.FireAsync("alertname=environment-down", "severity=critical", "app=web", "environment=production");
        await h.FireAsync("alertname=check-degraded", "severity=warning", "app=web", "environment=production");
        await h.FireAsync("alertname=check-degraded", "severity=warning", "app=web", "environment=staging");
        await h.AdvanceAsync(TimeSpan.Zero);
        var got = (await h.SentAsync()).Select(s => s.Notification.Alerts.Single()).Select(a => $"{a.Labels["alertname"]}/{a.Labels["environment"]}").Order();
        Assert.Equal(["check-degraded/staging", "environment-down/production"], got);
    }

    [Fact]
    public async Task Silence_MutesWhileActive_AndExpiringItLetsTheAlertThrough()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, group-interval: 1m }
            """);
        await h.Book.AddSilenceAsync(new Catalytic.Status.Alerts.Silence("s1", [Catalytic.Status.Alerts.Matcher.Parse("environment=staging")!],
            h.Time.GetUtcNow(), h.Time.GetUtcNow().AddHours(2), "bob", "load test"));
        await h.FireAsync("alertname=check-down", "severity=critical", "environment=staging");
        await h.FireAsync("alertname=check-down", "severity=critical", "environment=production");
        await h.AdvanceAsync(TimeSpan.Zero);
        Assert.Equal(["production"], (await h.SentAsync()).Select(s => s.Notification.Alerts.Single().Labels["environment"]));
        await h.Book.ExpireSilenceAsync("s1");
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(["production", "staging"], (await h.SentAsync()).Select(s => s.Notification.Alerts.Single().Labels["environment"]));
    }

    [Fact]
    public async Task Escalation_UnacknowledgedCritical_GoesDownTheChainOneStepPerEscalateAfter()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, escalate-after: 10m, escalate-to: [lead, manager] }
            """);
        await h.FireAsync("alertname=check-down", "severity=critical", "check=a");
        await h.FireAsync("alertname=check-degraded", "severity=warning", "check=b");
        await h.AdvanceAsync(TimeSpan.Zero);
        await h.AdvanceAsync(TimeSpan.FromMinutes(9));
        Assert.DoesNotContain(await h.SentAsync(), s => s.Message.Kind == "escalation");
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        var escalations = (await h.SentAsync()).Where(s => s.Message.Kind == "escalation").ToList();
        Assert.Equal(["lead"], escalations.Select(s => s.Message.Channel));
        Assert.StartsWith("[ESCALATED 1/2] ", escalations[0].Message.Subject, StringComparison.Ordinal);
        await h.AdvanceAsync(TimeSpan.FromMinutes(10));
        await h.AdvanceAsync(TimeSpan.FromMinutes(30));
        escalations = [.. (await h.SentAsync()).Where(s => s.Message.Kind == "escalation")];
        Assert.Equal(["lead", "manager"], escalations.Select(s => s.Message.Channel));
        Assert.All(escalations, e => Assert.Equal("a", e.Notification.Alerts.Single().Labels["check"]));
    }

    [Fact]
    public async Task Escalation_AcknowledgedInTime_GoesNowhere()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, escalate-after: 10m, escalate-to: [lead] }
            """);
        var alert = await h.FireAsync("alertname=check-down", "severity=critical", "check=a");
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        await h.Book.AckAsync(alert!.Id, "alice");
        await h.AdvanceAsync(TimeSpan.FromMinutes(20));
        Assert.DoesNotContain(await h.SentAsync(), s => s.Message.Kind == "escalation");
    }

    [Fact]
    public async Task Maintenance_AlertIsKeptButNotSent_UntilTheWindowEnds()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, group-interval: 1m }
            """);
        var labels = AlertingHarness.Labels("alertname=check-down", "severity=critical", "check=a");
        await h.Book.ApplyAsync(new Catalytic.Status.Alerts.AlertSignal(labels, System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty, true, InMaintenance: true));
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Empty(await h.SentAsync());
        Assert.True(Assert.Single(await h.Store.ListAlertsAsync(DateTimeOffset.MinValue)).InMaintenance, "the record is kept");
        await h.Book.ApplyAsync(new Catalytic.Status.Alerts.AlertSignal(labels, System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty, true, InMaintenance: false));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Single(await h.SentAsync());
    }

    [Fact]
    public async Task Restart_NotificationLogInTheStore_SendsNothingTwice()
    {
        await using var h = await HarnessAsync("""
                - { to: [ops], group-wait: 0s, repeat-interval: 4h }
            """);
        await h.FireAsync("alertname=check-down", "severity=critical", "check=a");
        await h.AdvanceAsync(TimeSpan.Zero);
        Assert.Single(await h.SentAsync());
        await h.RestartAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromMinutes(10));
        Assert.Single(await h.SentAsync());
        await h.ResolveAsync("alertname=check-down", "severity=critical", "check=a");
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(["firing", "resolved"], (await h.SentAsync()).Select(s => s.Message.Kind));
    }
}
