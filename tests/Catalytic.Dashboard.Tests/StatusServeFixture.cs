using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Testing.Files;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Microsoft.Playwright;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// A `catalytic serve` of its own for the status pages, with the catalytic.yml its subclass writes, an admin token
/// (<see cref="Local"/>) and the users viewer1 (viewer) and dev1 (developer); pages open in the browser of
/// <see cref="DashboardFixture"/>.
/// </summary>
public abstract class StatusServeFixture(string purpose) : IAsyncLifetime
{
    private readonly TempFolder _dir = new(purpose);
    private CatalyticProcess.Running? _serve;

    public Uri Url { get; private set; } = null!;

    public HttpClient Local { get; private set; } = null!;

    public Dictionary<string, string> Passwords { get; } = new(StringComparer.Ordinal);

    public string Output => _serve?.Output ?? "";

    public async ValueTask InitializeAsync()
    {
        _dir.Write("catalytic.yml", Configure());
        var state = _dir[".catalytic"];
        (_serve, var info) = await ServeStart.StartAsync(_dir.Path, state);
        Url = new Uri(info.Url);
        Local = new HttpClient { BaseAddress = Url };
        Local.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(state, ServerFiles.Token)).Trim());
        foreach (var (user, role) in new[] { ("viewer1", "viewer"), ("dev1", "developer") })
        {
            Passwords[user] = "pw-" + user + "-" + Guid.NewGuid().ToString("N")[..12];
            using var r = await Local.PostAsJsonAsync("api/users", new AddUserBody(user, role, Passwords[user]), AccessJson.Default.AddUserBody);
            Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        }
    }

    /// <summary>A page of <paramref name="browser"/> signed in as <paramref name="user"/>, at <paramref name="path"/>.</summary>
    public async Task<IPage> SignedInAsync(DashboardFixture browser, string user, string path, int width = 1280, int height = 860, ColorScheme scheme = ColorScheme.Light)
    {
        var page = await PageAsync(browser, width, height, scheme);
        await SignInAsync(page, user, path);
        return page;
    }

    /// <summary>Signs <paramref name="user"/> in on <paramref name="page"/> through the sign-in form <paramref name="path"/> leads to, and waits to be back at it.</summary>
    public async Task SignInAsync(IPage page, string user, string path)
    {
        await page.GotoAsync(path);
        await page.GetByLabel("User").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(Passwords[user]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(u => u.EndsWith(path, StringComparison.Ordinal));
    }

    /// <summary>A new page of <paramref name="browser"/> on this server, without a session (its own cookies).</summary>
    public async Task<IPage> PageAsync(DashboardFixture browser, int width = 1280, int height = 860, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Url.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            DeviceScaleFactor = 1,
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => browser.ConsoleErrors.Enqueue($"{page.Url}: {e}");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        Local?.Dispose();
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        await StopAsync();
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The catalytic.yml serve starts with (receivers the test needs are started here).</summary>
    protected abstract string Configure();

    /// <summary>Stops what <see cref="Configure"/> started.</summary>
    protected virtual ValueTask StopAsync() => ValueTask.CompletedTask;
}
