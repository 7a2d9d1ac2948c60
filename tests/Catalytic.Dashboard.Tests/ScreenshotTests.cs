using System.Text.Json;
using Microsoft.Playwright;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// Writes docs/dashboard/PAGE-THEME-WIDTH.png from the fixture's real server and data: every page in light and dark,
/// at desktop (1280 px) and phone (390 px) width. The test fails when a page does not draw its data, so a screenshot
/// of a "Loading…" or an error never replaces a good one.
/// </summary>
public sealed class ScreenshotTests(DashboardFixture f)
{
    [Fact]
    public async Task EveryPage_LightAndDark_DesktopAndPhone_IsWrittenToDocs()
    {
        var written = await Screenshots.WriteAsync(
            (width, height, scheme) => f.PageAsync(width, height, scheme),
            [
                new("sign-in", "/sign-in", "form.sign-in"),
                // The sign-in page came first, without a session; every other page is an admin's.
                new("deployments", "/deployments", "article.env") { Before = page => f.SignInAsync(page, "admin", "/deployments") },
                new("deployment", $"/deployments/{f.Analysed.Id}", "figure.chart-box") { After = page => page.GetByText("as a table").ClickAsync() },
                new("logs", "/apps/web/environments/production/logs", ".log-line") { FullPage = false },
                new("settings", "/settings", "table.audit"),
                new("runs", "/runs", "table.runs"),
                new("run", $"/runs/{f.FailedRun.Id}#job=build", ".log-line"),
                new("workers", "/workers", "tbody tr"),
                new("dispatch", "/dispatch?workflow=release.yml", "#in-replicas"),
            ]);
        Assert.Equal(36, written.Count);
    }
}

/// <summary>
/// The status pages' screenshots (checks, alerts, notifications and the public /status) from the real state of
/// <see cref="NotificationsFixture"/>: a check up, one degraded and one down against real loopback servers, the alerts
/// they fire (one acknowledged, a silence active), and notifications sent, retrying and failed through a real SMTP server
/// and webhook receiver. The public page is taken without a session, and has no serious accessibility fault.
/// </summary>
[Collection(nameof(NotificationsCollection))]
public sealed class StatusScreenshotTests(DashboardFixture browser, NotificationsFixture f)
{
    [Fact]
    public async Task StatusPages_LightAndDark_DesktopAndPhone_AreWrittenToDocs()
    {
        // One alert acknowledged and a silence active (on what nothing fires now), as people leave them; by the local admin.
        var degraded = await UntilAlertAsync("check-degraded", "search");
        (await f.Local.PostAsync(new Uri($"api/alerts/{degraded}/ack", UriKind.Relative), null)).EnsureSuccessStatusCode();
        using (var silence = await f.Local.PostAsync(new Uri("api/silences", UriKind.Relative), new StringContent(
            """{"matchers":["environment=staging"],"for":"2h","comment":"staging is rebuilt tonight"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(silence.IsSuccessStatusCode, await silence.Content.ReadAsStringAsync());
        }

        var states = new[] { ("api", "up"), ("search", "degraded"), ("database", "down") };
        var written = await Screenshots.WriteAsync(
            (width, height, scheme) => f.PageAsync(browser, width, height, scheme),
            [
                new("status", "/status", [.. states.Select(s => $".check:has(b:text-is('{s.Item1}')) .state.{s.Item2}"), ".incidents li"]),
                new("checks", "/checks", [.. states.Select(s => $"tr[data-check={s.Item1}] .badge.s-{s.Item2}")])
                {
                    Before = page => f.SignInAsync(page, "dev1", "/checks"),
                },
                new("alerts", "/alerts", ["table.alerts tr:has-text('acknowledged')", "table.alerts tr:has-text('check-down') button", "table.silences"]),
                new("notifications", "/notifications", ["tr[data-state=sent]", "tr[data-state=retrying]", "tr[data-state=failed]", "table.routes"]),
            ]);
        Assert.Equal(16, written.Count);

        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var page = await f.PageAsync(browser, 390, 844, scheme);
            await page.GotoAsync("/status");
            Assert.Empty(await StatusPagesTests.ViolationsAsync(page));
            await page.Context.CloseAsync();
        }

        Assert.True(browser.ConsoleErrors.IsEmpty, "script errors or CSP refusals:\n" + string.Join("\n", browser.ConsoleErrors));
    }

    private async Task<string> UntilAlertAsync(string name, string check)
    {
        string? id = null;
        await Catalytic.Testing.Waiting.Eventually.UntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await f.Local.GetStringAsync(new Uri("api/alerts", UriKind.Relative)));
            id = doc.RootElement.EnumerateArray()
                .Where(a => a.GetProperty("name").GetString() == name && a.GetProperty("labels").TryGetProperty("check", out var c) && c.GetString() == check)
                .Select(a => a.GetProperty("id").GetString()).FirstOrDefault();
            return id is not null;
        }, () => $"the {name} alert of {check}; serve printed:\n{f.Output}");
        return id!;
    }
}

/// <summary>A page to photograph: where it is, what must be drawn before (each selector), and what to do around it.</summary>
internal sealed record Shot(string Name, string Path, string[] Ready)
{
    public Shot(string name, string path, string ready)
        : this(name, path, [ready])
    {
    }

    /// <summary>Done before the page is opened (e.g. signing in, which the first page of a run may not have).</summary>
    public Func<IPage, Task>? Before { get; init; }

    /// <summary>Done once the page is drawn, before the screenshot.</summary>
    public Func<IPage, Task>? After { get; init; }

    /// <summary>The whole page, or only the viewport (a page that scrolls inside itself).</summary>
    public bool FullPage { get; init; } = true;
}

/// <summary>The one screenshot loop: each page at desktop (1280 px) and phone (390 px) width, light and dark, into docs/dashboard.</summary>
internal static class Screenshots
{
    /// <summary>
    /// Opens a page per width and scheme with <paramref name="open"/>, visits <paramref name="shots"/> in order and
    /// writes NAME-THEME-WIDTH.png for each; fails when a page does not draw what it must, writes an almost empty
    /// image, or scrolls sideways at phone width. Returns the files written.
    /// </summary>
    public static async Task<List<string>> WriteAsync(Func<int, int, ColorScheme, Task<IPage>> open, IReadOnlyList<Shot> shots)
    {
        var folder = Path.Combine(RepositoryRoot(), "docs", "dashboard");
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var sideways = new List<string>();
        foreach (var (width, height, size) in new[] { (1280, 860, "desktop"), (390, 844, "phone") })
        {
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                var page = await open(width, height, scheme);
                foreach (var shot in shots)
                {
                    if (shot.Before is not null)
                    {
                        await shot.Before(page);
                    }

                    await page.GotoAsync(shot.Path);
                    foreach (var ready in shot.Ready)
                    {
                        await page.Locator(ready).First.WaitForAsync();
                    }

                    if (shot.After is not null)
                    {
                        await shot.After(page);
                    }

                    var file = Path.Combine(folder, $"{shot.Name}-{scheme.ToString().ToLowerInvariant()}-{size}.png");
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = shot.FullPage, Animations = ScreenshotAnimations.Disabled });
                    written.Add(file);
                    if (!await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"))
                    {
                        sideways.Add($"{shot.Name} at {width} px ({scheme})");
                    }
                }

                await page.Context.CloseAsync();
            }
        }

        Assert.All(written, p => Assert.True(new FileInfo(p).Length > 5_000, $"{p} is almost empty"));
        Assert.True(sideways.Count == 0, "pages that scroll sideways: " + string.Join(", ", sideways));
        return written;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Catalytic.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no Catalytic.slnx above {AppContext.BaseDirectory}");
    }
}
