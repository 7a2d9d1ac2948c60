using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Deployments;
using Catalytic.Testing.Waiting;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// The dashboard as a person uses it: a real Chromium against the real `catalytic serve` of
/// <see cref="DashboardFixture"/>, with what the engine recorded (no data is made up for the pages).
/// </summary>
public sealed class DashboardTests(DashboardFixture f)
{
    [Fact]
    public async Task SignIn_FromAPageWithoutSession_ComesBackToItSignedIn()
    {
        var page = await f.PageAsync();
        var anonymous = await page.GotoAsync("/settings");
        Assert.Contains("/sign-in?next=%2Fsettings", page.Url, StringComparison.Ordinal);
        Assert.Equal(200, anonymous!.Status);

        await page.GetByLabel("User").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync("wrong password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");

        await page.GetByLabel("Password").FillAsync(f.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(u => u.EndsWith("/settings", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("header .user")).ToContainTextAsync("admin");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users (4)" })).ToBeVisibleAsync();
        // The audit log the page shows holds this very sign-in, with its failed attempt before it.
        await Assertions.Expect(page.Locator("table.audit tbody tr").Filter(new() { HasText = "login" }).First).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DeploymentsPage_ShowsLiveVersionsTrafficAndInstances_AndANewDeploymentWithoutReload()
    {
        var page = await f.PageAsync();
        await f.SignInAsync(page, "viewer1");
        var production = page.GetByRole(AriaRole.Article, new() { Name = "web production" });
        await Assertions.Expect(production).ToContainTextAsync("approval required");
        await Assertions.Expect(production.Locator(".split")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex(@"^v\d+ 100%$"));
        await Assertions.Expect(production.Locator(".instances li").First).ToContainTextAsync("healthy");
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live: updates as they happen.");

        var marker = await page.EvaluateAsync<int>("() => { window.__sameDocument = 1; return 1; }");
        var id = await f.DeployAsync("staging", "live-" + Guid.NewGuid().ToString("N")[..6]);
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Deployment history" }).GetByRole(AriaRole.Link, new() { Name = id })).ToBeVisibleAsync();
        Assert.Equal(marker, await page.EvaluateAsync<int>("() => window.__sameDocument")); // drawn in place, not reloaded
        // Staging analyses with the defaults (min-requests 10) and gets no traffic here: the deployment ends up waiting
        // for a person (inconclusive), which the pages show as it is; nothing waits for it.
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_SeesNoApproveButton_AndTheApiRefusesThem403()
    {
        var id = await f.WaitingProductionAsync();
        var page = await f.PageAsync();
        await f.SignInAsync(page, "viewer1", $"/deployments/{id}");
        await Assertions.Expect(page.Locator("#no-actions")).ToContainTextAsync("waits for an approver");
        Assert.Equal(0, await page.Locator("#approve").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).CountAsync());

        // The API refuses the viewer anyway, with the session's own CSRF token (so only the role is at fault).
        var status = await page.EvaluateAsync<int>(@"async id => (await fetch('/api/apps/web/environments/production/approve', {
            method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content },
            body: JSON.stringify({ id }) })).status", id);
        Assert.Equal(403, status);
        Assert.Equal("waiting-for-approval", (await f.GetAsync(id)).State);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Approver_ApprovesAProductionDeployment_AndSeesItRecordedWithTheirName()
    {
        var id = await f.WaitingProductionAsync();
        var page = await f.PageAsync();
        await f.SignInAsync(page, "approver1", $"/deployments/{id}");
        await page.GetByLabel("Comment").FillAsync("looks good");
        await page.GetByRole(AriaRole.Button, new() { Name = "✓ Approve" }).ClickAsync();
        await Assertions.Expect(page.Locator(".decisions li")).ToContainTextAsync("approved by approver1");
        await Assertions.Expect(page.Locator(".decisions li")).ToContainTextAsync("looks good");

        var recorded = await f.GetAsync(id);
        var approval = Assert.Single(recorded.Approvals!);
        Assert.Equal(("approver1", true), (approval.By, approval.Approved));
        var audit = (await f.Local.GetFromJsonAsync("api/audit?action=approve&limit=50", AccessJson.Default.IReadOnlyListAuditEntryView))!;
        Assert.Contains(audit, e => e.Target == id && e.Actor == "approver1" && e.Outcome == "ok");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DeploymentChart_ShowsEachAnalysisCheckAgainstTheLimits()
    {
        var recorded = f.Analysed.Events!.Count(e => e.Message.StartsWith("analysis of v2: ", StringComparison.Ordinal));
        Assert.True(recorded >= 2, $"the fixture's v2 deployment recorded {recorded} analysis check(s)");
        var page = await f.PageAsync();
        await f.SignInAsync(page, "viewer1", $"/deployments/{f.Analysed.Id}");
        var charts = page.Locator("figure.chart-box");
        await Assertions.Expect(charts).ToHaveCountAsync(2);
        await Assertions.Expect(charts.Nth(0)).ToContainTextAsync("max-error-rate 5%");
        await Assertions.Expect(charts.Nth(1)).ToContainTextAsync("max-p99-latency 3000 ms");
        // One point per recorded check in the error-rate chart, each titled with its verdict and numbers.
        await Assertions.Expect(charts.Nth(0).Locator(".pt")).ToHaveCountAsync(recorded);
        await Assertions.Expect(charts.Nth(0).Locator(".pt.pass title").First).ToContainTextAsync("requests");
        await page.GetByText("as a table").ClickAsync();
        await Assertions.Expect(page.Locator("details.checks tbody tr")).ToHaveCountAsync(recorded);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LogView_Holds200000Lines_DrawsOnlyWhatIsInSight_FoldsGroupsAndFindsText()
    {
        var page = await f.PageAsync();
        await f.SignInAsync(page, "viewer1", "/apps/web/environments/production/logs");
        // The instances' real output streams in (each line prefixed with its instance).
        await Assertions.Expect(page.Locator(".log-line").First).ToBeVisibleAsync();

        // Then 200,000 more lines with groups and colours, as a long build log would have them.
        await page.EvaluateAsync(@"() => {
            const lines = [];
            for (let i = 0; i < 200000; i++) {
              if (i % 1000 === 0) lines.push(`::group::Step ${i / 1000}`);
              lines.push(i % 7 === 0 ? `\x1b[31merror\x1b[0m at line ${i}` : `line ${i} of the long log`);
              if (i % 1000 === 999) lines.push('::endgroup::');
            }
            window.catalyticLog.append(lines);
          }");
        var total = await page.EvaluateAsync<int>("() => window.catalyticLog.lines.length");
        Assert.True(total > 200_000, $"{total} lines held");
        var rows = await page.Locator(".log-line").CountAsync();
        Assert.InRange(rows, 1, 150);

        // Rows out of sight are not in the page: the search brings the group's header into sight (Step 7 is the first of 11 matches: 7 and 70-79).
        await page.GetByLabel("Search the log").FillAsync("Step 7");
        await Assertions.Expect(page.Locator(".log-tools .count")).ToHaveTextAsync("1 of 11");
        await page.GetByRole(AriaRole.Button, new() { Name = "▸ Step 7", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "▾ Step 7" })).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(page.Locator(".log-line.in-group").Filter(new() { HasText = "line 7001 of the long log" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".log-line .fg-1").First).ToHaveTextAsync("error");

        await page.GetByLabel("Search the log").FillAsync("line 123456 of");
        await Assertions.Expect(page.Locator(".log-tools .count")).ToHaveTextAsync("1 of 1");
        await Assertions.Expect(page.Locator(".log-line.current")).ToContainTextAsync("line 123456 of the long log");
        Assert.InRange(await page.Locator(".log-line").CountAsync(), 1, 150);

        // A line link opens its group and scrolls to it after a reload.
        var link = await page.Locator(".log-line.current a.ln").GetAttributeAsync("href");
        Assert.Matches(@"^#L\d+$", link);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task EveryPage_HasNoSeriousOrCriticalAccessibilityViolation_InLightAndDark()
    {
        var problems = new List<string>();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var page = await f.PageAsync(scheme: scheme);
            await page.GotoAsync("/sign-in");
            await page.GetByLabel("User").WaitForAsync();
            problems.AddRange(await ViolationsAsync(page, $"sign-in ({scheme})"));
            await f.SignInAsync(page, "admin");
            foreach (var path in new[] { "/deployments", $"/deployments/{f.Analysed.Id}", "/apps/web/environments/production/logs", "/settings", "/runs", $"/runs/{f.FailedRun.Id}", "/workers", "/dispatch?workflow=release.yml" })
            {
                await page.GotoAsync(path);
                await page.Locator("#view > :not(.loading)").First.WaitForAsync();
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle, new() { Timeout = 5000 }).ContinueWith(_ => { });
                problems.AddRange(await ViolationsAsync(page, $"{path} ({scheme})"));
            }

            await page.Context.CloseAsync();
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(f.ConsoleErrors.IsEmpty, "script errors or CSP refusals:\n" + string.Join("\n", f.ConsoleErrors));
    }

    private static async Task<IEnumerable<string>> ViolationsAsync(IPage page, string where)
    {
        var result = await page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{where}: {v.Impact} {v.Id}: {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}");
    }

    [Fact]
    public async Task ApiAnswer_WithoutSession_Is401_AndPagesCarryTheSecurityHeaders()
    {
        using var anonymous = new HttpClient { BaseAddress = f.Url };
        using var api = await anonymous.GetAsync("api/dashboard/deployments");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var events = await anonymous.GetAsync("api/dashboard/events");
        Assert.Equal(HttpStatusCode.Unauthorized, events.StatusCode);
        using var asset = await anonymous.GetAsync("assets/app.js");
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
        using var missing = await anonymous.GetAsync("assets/..%2Fserver.token");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var signIn = await anonymous.GetAsync("sign-in");
        var csp = signIn.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        var html = await signIn.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" onclick=", html, StringComparison.Ordinal);
    }
}
