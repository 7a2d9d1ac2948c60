using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Catalytic.Status.Notifications;
using Catalytic.Status.Storage;
using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Notifications;

/// <summary>The outbox through each channel to real receivers on loopback: Slack's webhook, SMTP, an Alertmanager receiver.</summary>
public sealed class OutboxSenderTests
{
    private static async Task<(AlertingHarness H, OutboxSender Sender, TempDir State)> SetupAsync(string channels, string routeTo)
    {
        var state = new TempDir();
        var h = new AlertingHarness($"""
            notifications:
              channels:
            {channels}
              routes:
                - {"{"} to: [{routeTo}], group-wait: 0s, group-interval: 1s {"}"}
            """);
        await h.InitializeAsync();
        var sender = new OutboxSender(() => h.Config, h.Store, new ChannelSender(new HttpClient(), new SecretSource(state.Path), h.Time), h.Time);
        return (h, sender, state);
    }

    private static async Task FireAsync(AlertingHarness h)
    {
        await h.Book.ApplyAsync(new Catalytic.Status.Alerts.AlertSignal(AlertingHarness.Labels("alertname=check-down", "severity=critical", "check=api"),
            System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("summary", "api is down").Add("runbook", "https://wiki.example.org/api")
                .Add("link", "https://ci.example.org/checks/api"), true));
        await h.Dispatcher.TickAsync();
    }

    [Fact]
    public async Task Slack_BlocksColouredBySeverity_WithLinkAndRunbook()
    {
        await using var slack = await new WebhookReceiver().StartAsync();
        var (h, sender, state) = await SetupAsync($"    slack: {{ slack: {{ webhook-url: \"{slack.Url()}\" }} }}", "slack");
        await using var _ = h;
        using var __ = state;
        await FireAsync(h);
        Assert.Equal(1, await sender.SendDueAsync());
        var hook = Assert.Single(slack.Received);
        using var doc = JsonDocument.Parse(hook.Body);
        var attachment = doc.RootElement.GetProperty("attachments")[0];
        Assert.Equal("#d00000", attachment.GetProperty("color").GetString());
        var text = string.Join("\n", attachment.GetProperty("blocks").EnumerateArray().Select(b => b.GetProperty("text").GetProperty("text").GetString()));
        Assert.Contains("*api is down*", text, StringComparison.Ordinal);
        Assert.Contains("<https://wiki.example.org/api|Runbook>", text, StringComparison.Ordinal);
        Assert.Contains("<https://ci.example.org/checks/api|Open in Catalytic>", text, StringComparison.Ordinal);
        Assert.Equal(OutboxState.Sent, Assert.Single(await h.Store.ListOutboxAsync(false, 10)).State);
    }

    [Fact]
    public async Task Slack_429_HonoursRetryAfter_ThenSendsOnce()
    {
        await using var slack = await new WebhookReceiver().StartAsync();
        var refusals = 1;
        slack.Respond = ctx =>
        {
            if (Interlocked.Decrement(ref refusals) < 0)
            {
                return null;
            }

            ctx.Response.Headers.RetryAfter = "120";
            return 429;
        };
        var (h, sender, state) = await SetupAsync($"    slack: {{ slack: {{ webhook-url: \"{slack.Url()}\" }} }}", "slack");
        await using var _ = h;
        using var __ = state;
        await FireAsync(h);
        await sender.SendDueAsync();
        var pending = Assert.Single(await h.Store.ListOutboxAsync(true, 10));
        Assert.Equal((OutboxState.Pending, 1), (pending.State, pending.Attempts));
        Assert.Equal(h.Time.GetUtcNow().AddSeconds(120), pending.NextAttemptAt);
        Assert.Contains("429", pending.LastError, StringComparison.Ordinal);
        h.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await sender.SendDueAsync());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await sender.SendDueAsync());
        Assert.Single(slack.Received);
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await sender.SendDueAsync());
    }

    [Fact]
    public async Task Failures_BackOffExponentially_AndThePermanentOnesStop()
    {
        await using var hook = await new WebhookReceiver().StartAsync();
        hook.Respond = _ => 503;
        var (h, sender, state) = await SetupAsync($"    hook: {{ webhook: {{ url: \"{hook.Url()}\" }} }}", "hook");
        await using var _ = h;
        using var __ = state;
        await FireAsync(h);
        var waits = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            var before = h.Time.GetUtcNow();
            await sender.SendDueAsync();
            var m = Assert.Single(await h.Store.ListOutboxAsync(false, 10));
            waits.Add((m.NextAttemptAt - before).TotalSeconds);
            h.Time.Advance(m.NextAttemptAt - before);
        }

        Assert.Equal([1, 2, 4, 8], waits);
        hook.Respond = _ => 404;
        await sender.SendDueAsync();
        var failed = Assert.Single(await h.Store.ListOutboxAsync(true, 10));
        Assert.Equal(OutboxState.Failed, failed.State);
        Assert.Contains("404", failed.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_AlertmanagerV4Payload_SignedWithHmac()
    {
        await using var hook = await new WebhookReceiver().StartAsync();
        var (h, sender, state) = await SetupAsync($"    am: {{ webhook: {{ url: \"{hook.Url("/am")}\", secret: am-key }} }}", "am");
        await using var _ = h;
        using var __ = state;
        Directory.CreateDirectory(state.File("secrets"));
        await File.WriteAllTextAsync(state.File("secrets/am-key"), "s3cret-signing-key\n");
        await FireAsync(h);
        await sender.SendDueAsync();
        var got = Assert.Single(hook.Received);
        using var doc = JsonDocument.Parse(got.Body);
        var root = doc.RootElement;
        Assert.Equal("4", root.GetProperty("version").GetString());
        Assert.Equal("firing", root.GetProperty("status").GetString());
        Assert.Equal("am", root.GetProperty("receiver").GetString());
        var alert = root.GetProperty("alerts")[0];
        Assert.Equal("check-down", alert.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("0001-01-01T00:00:00.0000000+00:00", alert.GetProperty("endsAt").GetString());
        foreach (var field in (string[])["groupKey", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "truncatedAlerts"])
        {
            Assert.True(root.TryGetProperty(field, out var _), field);
        }

        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cret-signing-key"), Encoding.UTF8.GetBytes(got.Headers["X-Catalytic-Timestamp"] + "." + got.Body));
        Assert.Equal("sha256=" + Convert.ToHexStringLower(mac), got.Headers["X-Catalytic-Signature"]);
        Assert.DoesNotContain("s3cret", got.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Email_PlainTextAndHtml_ReachARealSmtpServer()
    {
        var port = Ports.Free();
        await using var smtp = new SmtpSink(port);
        var (h, sender, state) = await SetupAsync($"    mail: {{ email: {{ host: 127.0.0.1, port: {port}, tls: none, from: catalytic@example.com, to: [ops@example.com] }} }}", "mail");
        await using var _ = h;
        using var __ = state;
        await FireAsync(h);
        await Ports.WaitAsync(async () => await sender.SendDueAsync() >= 0 && !smtp.Messages.IsEmpty, "the SMTP server received the message");
        var m = Assert.Single(smtp.Messages);
        Assert.Equal("[FIRING:1] api is down", m.Subject);
        Assert.Equal("ops@example.com", m.To.Mailboxes.Single().Address);
        Assert.Contains("runbook: https://wiki.example.org/api", m.TextBody, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://wiki.example.org/api\">runbook</a>", m.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_NeverReachTheOutboxOrItsErrors()
    {
        // The Slack URL's path is its token; the server refuses with a message quoting the URL.
        await using var slack = await new WebhookReceiver().StartAsync();
        slack.Respond = _ => 500;
        var (h, sender, state) = await SetupAsync("    slack: { slack: { webhook-url-secret: slack-url } }\n    mail: { email: { host: 127.0.0.1, port: 1, tls: none, from: a@example.com, to: [b@example.com], username: ops, password-secret: smtp-pw } }", "slack, mail");
        await using var _ = h;
        using var __ = state;
        Directory.CreateDirectory(state.File("secrets"));
        var url = slack.Url("/services/T000/B000/XXXXSECRETTOKEN").ToString();
        await File.WriteAllTextAsync(state.File("secrets/slack-url"), url);
        await File.WriteAllTextAsync(state.File("secrets/smtp-pw"), "hunter2-password");
        await FireAsync(h);
        await sender.SendDueAsync();
        var all = await h.Store.ListOutboxAsync(false, 10);
        Assert.Equal(2, all.Count);
        var text = string.Join("\n", all.Select(m => m.Payload + m.LastError + m.Subject));
        Assert.DoesNotContain("XXXXSECRETTOKEN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.All(all, m => Assert.NotNull(m.LastError));
    }
}
