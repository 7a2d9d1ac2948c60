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
        var folder = Path.Combine(RepositoryRoot(), "docs", "dashboard");
        Directory.CreateDirectory(folder);
        var pages = new (string Name, string Path, string Ready)[]
        {
            ("sign-in", "/sign-in", "form.sign-in"),
            ("deployments", "/deployments", "article.env"),
            ("deployment", $"/deployments/{f.Analysed.Id}", "figure.chart-box"),
            ("logs", "/apps/web/environments/production/logs", ".log-line"),
            ("settings", "/settings", "table.audit"),
            ("runs", "/runs", "table.runs"),
            ("run", $"/runs/{f.FailedRun.Id}#job=build", ".log-line"),
            ("workers", "/workers", "tbody tr"),
            ("dispatch", "/dispatch?workflow=release.yml", "#in-replicas"),
        };
        var written = new List<string>();
        foreach (var (width, height, size) in new[] { (1280, 860, "desktop"), (390, 844, "phone") })
        {
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                var page = await f.PageAsync(width, height, scheme);
                foreach (var (name, path, ready) in pages)
                {
                    if (name == "deployments")
                    {
                        // The sign-in page came first, without a session; every other page is an admin's.
                        await f.SignInAsync(page, "admin", path);
                    }

                    await page.GotoAsync(path);
                    await page.Locator(ready).First.WaitForAsync();
                    if (name == "deployment")
                    {
                        await page.GetByText("as a table").ClickAsync();
                    }

                    var file = Path.Combine(folder, $"{name}-{scheme.ToString().ToLowerInvariant()}-{size}.png");
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = name != "logs", Animations = ScreenshotAnimations.Disabled });
                    written.Add(file);
                }

                await page.Context.CloseAsync();
            }
        }

        Assert.Equal(36, written.Count);
        Assert.All(written, p => Assert.True(new FileInfo(p).Length > 5_000, $"{p} is almost empty"));
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
