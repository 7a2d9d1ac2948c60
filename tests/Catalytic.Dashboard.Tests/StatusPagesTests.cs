using System.Net;
using System.Net.Sockets;
using Catalytic.Testing.Network;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// A `catalytic serve` of its own with two checks — one against a listening socket (up), one against a closed port
/// (down, so its check-down alert fires) — for the checks and alerts pages, in the browser of <see cref="DashboardFixture"/>.
/// </summary>
public sealed class StatusPagesFixture : StatusServeFixture
{
    private readonly TcpListener _listening = new(IPAddress.Loopback, 0);

    public StatusPagesFixture()
        : base("status-pages")
    {
    }

    protected override string Configure()
    {
        _listening.Start();
        var up = ((IPEndPoint)_listening.LocalEndpoint).Port;
        return $$"""
            checks:
              api: { url: "tcp://127.0.0.1:{{up}}", interval: 500ms }
              database: { url: "tcp://127.0.0.1:{{Ports.FreeTcpPort()}}", interval: 500ms, failure-threshold: 1, runbook: "https://wiki.example.org/db" }
            """;
    }

    protected override ValueTask StopAsync()
    {
        _listening.Stop();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The checks and alerts pages as people of each role use them.</summary>
public sealed class StatusPagesTests(DashboardFixture browser, StatusPagesFixture f) : IClassFixture<StatusPagesFixture>
{
    [Fact]
    public async Task ChecksPage_ShowsEachChecksStateUptimeAndLastConditions()
    {
        var page = await f.SignedInAsync(browser, "viewer1", "/checks");
        var api = page.Locator("tr[data-check=api]");
        var database = page.Locator("tr[data-check=database]");
        await Assertions.Expect(api.Locator(".badge").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("up$"));
        await Assertions.Expect(database.Locator(".badge").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("down$"));
        await Assertions.Expect(database).ToContainTextAsync("connection refused");
        await Assertions.Expect(database.Locator(".conditions li.fail")).ToContainTextAsync("[CONNECTED]");
        await Assertions.Expect(api.Locator("td.uptime").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+(\.\d+)?%$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "2 check(s): 1 up, 1 down" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("nav a[aria-current=page]")).ToHaveTextAsync("Checks");
        Assert.Empty(await ViolationsAsync(page));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AlertsPage_Viewer_SeesTheFiringAlertWithItsRunbook_ButNoButtons()
    {
        var page = await f.SignedInAsync(browser, "viewer1", "/alerts");
        var row = page.Locator("table.alerts tbody tr").Filter(new() { HasText = "database" });
        await Assertions.Expect(row).ToContainTextAsync("check-down");
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = "Runbook" })).ToHaveAttributeAsync("href", "https://wiki.example.org/db");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Silence") }).CountAsync());

        // The API refuses the viewer anyway, with the session's own CSRF token.
        var id = await row.GetAttributeAsync("data-alert");
        var status = await page.EvaluateAsync<int>(@"async id => (await fetch(`/api/alerts/${id}/ack`, {
            method: 'POST', headers: { 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content } })).status", id);
        Assert.Equal(403, status);
        Assert.Empty(await ViolationsAsync(page));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AlertsPage_Developer_AcknowledgesTheAlert_SilencesIt_AndExpiresTheSilence()
    {
        var page = await f.SignedInAsync(browser, "dev1", "/alerts");
        var row = page.Locator("table.alerts tbody tr").Filter(new() { HasText = "database" });
        await Assertions.Expect(row).ToContainTextAsync("check-down");
        await row.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Acknowledge") }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("acknowledged");
        await Assertions.Expect(row).ToContainTextAsync("by dev1");
        var id = await row.GetAttributeAsync("data-alert");
        var acked = await f.Local.GetStringAsync("api/alerts");
        Assert.Contains($"\"ackedBy\":\"dev1\"", acked, StringComparison.Ordinal);

        await row.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Silence") }).ClickAsync();
        await Assertions.Expect(page.Locator("#silence-matchers")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("alertname=check-down.*check=database"));
        await page.GetByLabel("Why").FillAsync("database migration");
        await page.GetByRole(AriaRole.Button, new() { Name = "Silence", Exact = true }).ClickAsync();
        var silence = page.Locator("table.silences tbody tr").Filter(new() { HasText = "database migration" });
        await Assertions.Expect(silence).ToContainTextAsync("dev1");
        await Assertions.Expect(row).ToContainTextAsync("silenced");
        await Assertions.Expect(page.Locator("#alerts-status")).ToContainTextAsync("Silenced until");

        await silence.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Expire") }).ClickAsync();
        await Assertions.Expect(page.Locator("table.silences")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("No silence is active.")).ToBeVisibleAsync();
        Assert.NotNull(id);
        Assert.Empty(await ViolationsAsync(page));
        await page.Context.CloseAsync();
    }

    internal static async Task<List<string>> ViolationsAsync(IPage page) =>
        [.. (await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{page.Url}: {v.Impact} {v.Id}: {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")];
}
