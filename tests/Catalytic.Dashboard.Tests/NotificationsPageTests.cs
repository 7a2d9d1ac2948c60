using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Catalytic.Testing.Network;
using Catalytic.Testing.Waiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// A `catalytic serve` whose check database is down at once (a closed port, critical), routed to six channels that produce
/// real outbox entries: email to a real SMTP server on loopback (the SmtpServer library), Slack and two webhooks to a
/// real Kestrel receiver that accepts them, a webhook it refuses with 400 (failed for good), a webhook it refuses until
/// the test fixes it (for Retry now), and a webhook to a closed port (retrying). Every URL carries a token in its path
/// or query that must never reach a page or an answer. Two more checks against the receiver give the checks, alerts and
/// public status pages the other states (warning severity, so no route sends them): api is up (200, status UP) and
/// search degraded (200, but its degraded-only condition on the body fails). Shared by the tests of
/// <see cref="NotificationsCollection"/>.
/// </summary>
public sealed class NotificationsFixture : StatusServeFixture
{
    public const string SlackToken = "T0SLACK/B0HOOK/xoxSlackTokenNotForPages";
    public const string OkToken = "okPathTokenNotForPages";
    public const string QueryToken = "queryTokenNotForPages";
    public const string RejectsToken = "rejectsTokenNotForPages";
    public const string FixableToken = "fixableTokenNotForPages";
    public const string DownToken = "downTokenNotForPages";

    private WebApplication? _receiver;
    private SmtpServer.SmtpServer? _smtp;
    private readonly CancellationTokenSource _stop = new();
    private Task? _smtpRun;

    public NotificationsFixture()
        : base("notifications-page")
    {
    }

    /// <summary>Requests the webhook receiver got, by the first segment of their path (slack, ok, rejects, fixable).</summary>
    public ConcurrentDictionary<string, int> Received { get; } = new(StringComparer.Ordinal);

    /// <summary>Mails the SMTP server accepted, as their raw text.</summary>
    public ConcurrentQueue<string> Mails { get; } = new();

    /// <summary>Whether the receiver accepts /fixable (it answers 400 until the test sets this).</summary>
    public volatile bool FixableAccepts;

    public static IEnumerable<string> Tokens => [SlackToken, "xoxSlackTokenNotForPages", OkToken, QueryToken, RejectsToken, FixableToken, DownToken];

    protected override string Configure()
    {
        var hook = Ports.FreeTcpPort();
        var smtp = Ports.FreeTcpPort();
        StartReceiver(hook);
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, smtp))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new MailStore(Mails));
        _smtp = new SmtpServer.SmtpServer(options, services);
        _smtpRun = _smtp.StartAsync(_stop.Token);
        return $$"""
            checks:
              api:
                url: "http://127.0.0.1:{{hook}}/health"
                interval: 500ms
                severity: warning
                conditions: ["[STATUS] == 200", "[BODY].status == UP", "[RESPONSE_TIME] < 5000"]
              database: { url: "tcp://127.0.0.1:{{Ports.FreeTcpPort()}}", interval: 500ms, failure-threshold: 1, severity: critical, runbook: "https://wiki.example.org/db" }
              search:
                url: "http://127.0.0.1:{{hook}}/search"
                interval: 500ms
                severity: warning
                conditions:
                  - "[STATUS] == 200"
                  - { condition: "[BODY].status == UP", degraded-only: true }
            status:
              page: { title: "Example status" }
            notifications:
              channels:
                ops-mail:
                  email: { host: 127.0.0.1, port: {{smtp}}, tls: none, from: catalytic@example.com, to: [ops@example.com] }
                ops-slack:
                  slack: { webhook-url: "http://127.0.0.1:{{hook}}/slack/{{SlackToken}}" }
                hook-ok:
                  webhook: { url: "http://127.0.0.1:{{hook}}/ok/{{OkToken}}?token={{QueryToken}}", format: catalytic }
                hook-rejects:
                  webhook: { url: "http://127.0.0.1:{{hook}}/rejects/{{RejectsToken}}" }
                hook-fixable:
                  webhook: { url: "http://127.0.0.1:{{hook}}/fixable/{{FixableToken}}" }
                hook-down:
                  webhook: { url: "http://127.0.0.1:{{Ports.FreeTcpPort()}}/down/{{DownToken}}" }
              routes:
                - match: { severity: critical }
                  to: [ops-mail, ops-slack, hook-ok, hook-rejects, hook-fixable, hook-down]
                  group-wait: 0s
                  routes:
                    - match: { team: payments }
                      to: [ops-mail]
                      escalate-after: 10m
                      escalate-to: [ops-slack]
            """;
    }

    protected override async ValueTask StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await (_smtpRun ?? Task.CompletedTask);
        }
        catch (OperationCanceledException)
        {
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        _stop.Dispose();
    }

    private void StartReceiver(int port)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _receiver = b.Build();
        _receiver.Run(ctx =>
        {
            var which = ctx.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
            Received.AddOrUpdate(which, 1, (_, n) => n + 1);
            ctx.Response.StatusCode = which switch
            {
                "rejects" => 400,
                "fixable" => FixableAccepts ? 200 : 400,
                _ => 200,
            };
            return which switch
            {
                "health" => ctx.Response.WriteAsync("""{"status":"UP"}"""),
                "search" => ctx.Response.WriteAsync("""{"status":"SLOW"}"""),
                _ => Task.CompletedTask,
            };
        });
        _receiver.StartAsync().GetAwaiter().GetResult();
    }

    private sealed class MailStore(ConcurrentQueue<string> mails) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            mails.Enqueue(Encoding.UTF8.GetString(buffer.ToArray()));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}

/// <summary>The tests that share one <see cref="NotificationsFixture"/> (one `catalytic serve` and its receivers).</summary>
[CollectionDefinition(nameof(NotificationsCollection))]
public sealed class NotificationsCollection : ICollectionFixture<NotificationsFixture>;

/// <summary>The notifications page as a viewer and a developer use it, on the outbox a real alert filled.</summary>
[Collection(nameof(NotificationsCollection))]
public sealed class NotificationsPageTests(DashboardFixture browser, NotificationsFixture f)
{
    [Fact]
    public async Task Viewer_SeesWhatWasSentRetryingAndFailed_FiltersTheFailing_TheSetup_NoSecret_AndNoButton()
    {
        var page = await f.SignedInAsync(browser, "viewer1", "/notifications");
        var mail = Row(page, "ops-mail");
        var rejects = Row(page, "hook-rejects");
        var down = Row(page, "hook-down");
        await Assertions.Expect(mail.Locator(".badge")).ToHaveTextAsync(new Regex("sent$"));
        await Assertions.Expect(mail).ToContainTextAsync("email");
        await Assertions.Expect(Row(page, "ops-slack").Locator(".badge")).ToHaveTextAsync(new Regex("sent$"));
        await Assertions.Expect(Row(page, "hook-ok").Locator(".badge")).ToHaveTextAsync(new Regex("sent$"));
        await Assertions.Expect(rejects.Locator(".badge")).ToHaveTextAsync(new Regex("failed$"));
        await Assertions.Expect(rejects).ToContainTextAsync("answered 400");
        await Assertions.Expect(rejects).ToContainTextAsync("gave up");
        await Assertions.Expect(down.Locator(".badge")).ToHaveTextAsync(new Regex("retrying$"));
        await Assertions.Expect(down).ToContainTextAsync("next try");
        await Assertions.Expect(down.Locator(".reason")).ToContainTextAsync(new Regex("refused", RegexOptions.IgnoreCase));
        await Assertions.Expect(page.Locator("nav a[aria-current=page]")).ToHaveTextAsync("Notifications");
        Assert.True(int.Parse(await down.Locator("td.count").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // What the receivers got is what the page says was sent.
        Assert.Contains(f.Mails, m => m.Contains("ops@example.com", StringComparison.Ordinal));
        Assert.True(f.Received.GetValueOrDefault("slack") >= 1 && f.Received.GetValueOrDefault("ok") >= 1 && f.Received.GetValueOrDefault("rejects") == 1,
            "the receiver got: " + string.Join(", ", f.Received));

        // The channels by kind and the routing tree, without a credential.
        await Assertions.Expect(page.Locator("tr[data-channel=ops-slack]")).ToContainTextAsync("Slack incoming webhook");
        await Assertions.Expect(page.Locator("tr[data-channel=ops-mail]")).ToContainTextAsync("ops@example.com");
        await Assertions.Expect(page.Locator("tr[data-channel=hook-ok]")).ToContainTextAsync(new Regex(@"http://127\.0\.0\.1:\d+ \(catalytic payload\)"));
        await Assertions.Expect(page.Locator("tr[data-route='0']")).ToContainTextAsync("severity=critical");
        await Assertions.Expect(page.Locator("tr[data-route='0.0']")).ToContainTextAsync("after 10m to ops-slack");
        var html = await page.ContentAsync();
        var answers = await f.Local.GetStringAsync("api/notifications?limit=1000") + await f.Local.GetStringAsync("api/notifications/setup");
        foreach (var token in NotificationsFixture.Tokens)
        {
            Assert.DoesNotContain(token, html, StringComparison.Ordinal);
            Assert.DoesNotContain(token, answers, StringComparison.Ordinal);
        }

        // A viewer gets no button, and the API refuses one anyway, with the session's own CSRF token.
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Retry now") }).CountAsync());
        var id = await rejects.GetAttributeAsync("data-notification");
        var status = await page.EvaluateAsync<int>(@"async id => (await fetch(`/api/notifications/${id}/retry`, {
            method: 'POST', headers: { 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content } })).status", id);
        Assert.Equal(403, status);

        // Only the failing ones, kept in the address; keyboard: the checkbox toggles with Space.
        await page.GetByLabel("Only failed and retrying").FocusAsync();
        await page.Keyboard.PressAsync("Space");
        // The address changes in place (history.replaceState): polled, not awaited as a navigation event. Waiting for
        // the event timed out once, after 60 s, with three suites on the machine; a same-document change has one event,
        // and one handled before the waiter exists is missed.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/notifications\\?failed=true$"), new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("tr[data-state=sent]")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(page, "hook-rejects")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(page, "hook-down")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^Failed and retrying") })).ToBeVisibleAsync();
        Assert.Empty(await StatusPagesTests.ViolationsAsync(page));
        await page.Context.CloseAsync();

        // Dark, at phone width: readable without sideways scrolling of the page, and no serious accessibility fault.
        var phone = await f.SignedInAsync(browser, "viewer1", "/notifications?failed=true", 390, 844, ColorScheme.Dark);
        await Assertions.Expect(Row(phone, "hook-rejects").Locator(".badge")).ToHaveTextAsync(new Regex("failed$"));
        Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 390 px");
        Assert.Empty(await StatusPagesTests.ViolationsAsync(phone));
        await phone.Context.CloseAsync();
        Assert.True(browser.ConsoleErrors.IsEmpty, "script errors or CSP refusals:\n" + string.Join("\n", browser.ConsoleErrors));
    }

    [Fact]
    public async Task Developer_RetriesAFailedNotification_OnceTheReceiverAcceptsIt_ItIsSent_AndAudited()
    {
        var page = await f.SignedInAsync(browser, "dev1", "/notifications");
        var fixable = Row(page, "hook-fixable");
        await Assertions.Expect(fixable.Locator(".badge")).ToHaveTextAsync(new Regex("failed$"));
        Assert.Equal(0, await Row(page, "ops-mail").GetByRole(AriaRole.Button).CountAsync()); // sent: nothing to retry
        var id = await fixable.GetAttributeAsync("data-notification");
        Assert.Equal(1, f.Received.GetValueOrDefault("fixable"));

        f.FixableAccepts = true;
        await fixable.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Retry now") }).ClickAsync();
        await Assertions.Expect(page.Locator("#notifications-status")).ToContainTextAsync($"Sending #{id} to hook-fixable again.");
        await Assertions.Expect(fixable.Locator(".badge")).ToHaveTextAsync(new Regex("sent$"));
        await Assertions.Expect(fixable.Locator("td.count")).ToHaveTextAsync("2");
        Assert.Equal(2, f.Received.GetValueOrDefault("fixable"));
        var audit = await f.Local.GetStringAsync("api/audit?action=notification.retry");
        Assert.Contains("\"actor\":\"dev1\"", audit, StringComparison.Ordinal);
        Assert.Contains($"\"target\":\"{id}\"", audit, StringComparison.Ordinal);

        // What cannot be retried is refused and changes nothing: the sent message and an unknown id (404), malformed ids (400).
        var answers = await page.EvaluateAsync<int[]>(@"async ids => Promise.all(ids.map(async id => (await fetch(`/api/notifications/${id}/retry`, {
            method: 'POST', headers: { 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content } })).status))",
            new[] { id, "999999999", "abc", "-1", "1e3", "99999999999999999999999", "0", "%20" });
        Assert.Equal([404, 404, 400, 400, 400, 400, 400, 400], answers);
        using var anonymous = new HttpClient { BaseAddress = f.Url };
        using var refused = await anonymous.PostAsync(new Uri($"api/notifications/{id}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(2, f.Received.GetValueOrDefault("fixable"));
        await Assertions.Expect(fixable.Locator("td.count")).ToHaveTextAsync("2");
        await page.Context.CloseAsync();
    }

    private static ILocator Row(IPage page, string channel) =>
        page.Locator("table.outbox tbody tr").Filter(new() { Has = page.Locator("td", new() { HasTextRegex = new Regex($"^{Regex.Escape(channel)}") }) });
}
