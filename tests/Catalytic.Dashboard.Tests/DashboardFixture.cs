using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Runs;
using Catalytic.Contracts.Server;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Files;
using Catalytic.Testing.Http;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Catalytic.Dashboard.Tests.DashboardFixture))]

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// One real `catalytic serve` (SQLite state in a temporary folder) with real data, and Debian's Chromium through
/// Playwright, shared by the dashboard tests (starting both costs seconds on a loaded machine). Prepared once:
/// users of each role, web/staging live (rolling), web/production (blue-green, approval required, analysis) with v1
/// approved and v2 approved and analysed under real traffic from a load generator through the edge, so the
/// deployment pages and the analysis chart show what the engine recorded. The folder is a git repository that serve
/// watches, with a workflow whose first job prints a folded group and whose second fails: <see cref="FailedRun"/> is
/// the run its first commit after the start made, run by the embedded worker. A second workflow (<see cref="Release"/>)
/// runs only when dispatched; its last job deploys to the run queue's production environment, which needs an approver.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private TempGitRepository _dir = null!;
    private CatalyticProcess.Running? _serve;
    private LoadGenerator? _load;
    private IPlaywright? _playwright;

    public int ProductionPort { get; } = Ports.FreeTcpPort();

    public int StagingPort { get; } = Ports.FreeTcpPort();

    public Uri Url { get; private set; } = null!;

    public HttpClient Local { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string AdminPassword { get; private set; } = "";

    public Dictionary<string, string> Passwords { get; } = new(StringComparer.Ordinal);

    /// <summary>The production deployment of v2: approved by approver1, analysed under traffic, succeeded.</summary>
    public DeploymentView Analysed { get; private set; } = null!;

    public string Root => _dir.Path;

    /// <summary>The repository serve watches (the fixture's folder).</summary>
    public TempGitRepository Repository => _dir;

    /// <summary>The workflow's first run, completed: build succeeded, check failed.</summary>
    public RunView FailedRun { get; private set; } = null!;

    /// <summary>The workflow the repository carries: build prints a group, check needs build and fails.</summary>
    public const string Workflow = """
        name: ci
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "::group::Compiler details"
                  echo "inside the compiler group"
                  echo "::endgroup::"
                  echo "build finished"
          check:
            needs: build
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "checking"
                  exit 1
        """;

    /// <summary>
    /// A workflow only a dispatch starts, with an input of each kind the dispatch form draws, a matrix of three legs
    /// and a job that needs them (the run page's graph).
    /// </summary>
    public const string Release = """
        name: release
        on:
          workflow_dispatch:
            inputs:
              target:
                description: where the release goes
                type: choice
                options: [staging, production]
                default: staging
              dry-run:
                type: boolean
                default: true
              replicas:
                type: number
                required: true
              deploy-to:
                type: environment
                required: false
              note:
                type: string
        jobs:
          compile:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                part: [api, web, cli]
            steps:
              - run: echo "compiling ${{ matrix.part }} for ${{ inputs.target }} x${{ inputs.replicas }} dry-run ${{ inputs.dry-run }}"
          package:
            needs: compile
            runs-on: ubuntu-latest
            environment: production
            steps:
              - run: echo "packaging"
        """;

    /// <summary>The subject of the commit that added the workflows (what the runs of that commit show).</summary>
    public const string WorkflowCommit = "add the ci workflow";

    private string State => _dir[".catalytic"];

    public async ValueTask InitializeAsync()
    {
        // Expect(...) waits as long as the pages' actions do (60 s, a hang guard), not Playwright's default 5 s: on a
        // loaded machine 5 s is a wall-clock bound the tests must not assert (x32: a new commit's row came later).
        Assertions.SetDefaultExpectTimeout(60_000);
        _dir = await TempGitRepository.CreateAsync("dashboard");
        await _dir.CommitAsync("initial", new Dictionary<string, string> { [".gitignore"] = ".catalytic/\n", ["README.md"] = "dashboard fixture\n" });
        _dir.Write("catalytic.yml", $$"""
            apps:
              web:
                run: python3 app.py
                instances: 1
                health: { path: /healthz, interval: 100ms }
                environments:
                  production:
                    listen: 127.0.0.1:{{ProductionPort}}
                    strategy: blue-green
                    approval: required
                    scale-down-delay: 1s
                    analysis: { interval: 500ms, window: 4s, min-requests: 5, max-error-rate: 5%, max-p99-latency: 3s }
                  staging:
                    listen: 127.0.0.1:{{StagingPort}}
            environments:
              production:
                required-approval: true
            """);
        (_serve, var info) = await ServeStart.StartAsync(_dir.Path, State);
        Url = new Uri(info.Url);
        AdminPassword = File.ReadAllText(Path.Combine(State, ServerFiles.InitialAdminPassword)).Trim();
        Local = new HttpClient { BaseAddress = Url };
        Local.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(State, ServerFiles.Token)).Trim());
        foreach (var (user, role) in new[] { ("viewer1", "viewer"), ("dev1", "developer"), ("approver1", "approver") })
        {
            Passwords[user] = "pw-" + user + "-" + Guid.NewGuid().ToString("N")[..12];
            using var r = await Local.PostAsJsonAsync("api/users", new AddUserBody(user, role, Passwords[user]), AccessJson.Default.AddUserBody);
            Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        }

        // Committed after the start: serve adopts what was there before it and runs what comes after.
        var sha = await _dir.CommitAsync(WorkflowCommit, new Dictionary<string, string> { [".github/workflows/ci.yml"] = Workflow, [".github/workflows/release.yml"] = Release });
        FailedRun = await UntilRunAsync(sha, r => r.Status == "completed");
        Assert.True(FailedRun.Conclusion == "failure", $"run {FailedRun.Id} ended {FailedRun.Conclusion} ({FailedRun.Reason}), not failure");

        await DeployAsync("staging", "v1");
        await DecideAsync(await DeployAsync("production", "v1"), "approve", Local);
        await UntilStateAsync((await LatestAsync("production")).Id, "succeeded");

        _load = new LoadGenerator(new Uri($"http://127.0.0.1:{ProductionPort}/"), 2, TimeSpan.FromMilliseconds(20));
        await _load.AnsweredAsync(10, s => s.Version == "v1", "v1 answering on production's edge");
        var v2 = await DeployAsync("production", "v2");
        using (var approver = await TokenClientAsync("approver1"))
        {
            await DecideAsync(v2, "approve", approver);
        }

        Analysed = await UntilStateAsync(v2, "succeeded", TimeSpan.FromMinutes(3));

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CATALYTIC_TEST_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu"],
            Headless = true,
        });
    }

    /// <summary>A deployment of the test app as <paramref name="version"/>, requested with the local credential (or <paramref name="by"/>); its id.</summary>
    public async Task<string> DeployAsync(string environment, string version, HttpClient? by = null)
    {
        var artifact = TestApp.Write(_dir.Path, version);
        using var r = await (by ?? Local).PostAsJsonAsync("api/deployments", new DeployBody("web", environment, artifact, version), ApiJson.Default.DeployBody);
        Assert.True(r.StatusCode == HttpStatusCode.Accepted, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync(ApiJson.Default.DeploymentView))!.Id;
    }

    /// <summary>Approves or rejects deployment <paramref name="id"/> of production once it waits at the gate.</summary>
    public async Task DecideAsync(string id, string decision, HttpClient by)
    {
        await UntilStateAsync(id, "waiting-for-approval");
        using var r = await by.PostAsJsonAsync($"api/apps/web/environments/production/{decision}", new DecisionBody(id), ApiJson.Default.DecisionBody);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>A production deployment waiting for approval: the one that waits, or a new one requested by dev1.</summary>
    public async Task<string> WaitingProductionAsync()
    {
        var latest = await LatestAsync("production");
        if (latest.State is "waiting-for-approval" or "pending")
        {
            return (await UntilStateAsync(latest.Id, "waiting-for-approval")).Id;
        }

        using var dev = await TokenClientAsync("dev1");
        var id = await DeployAsync("production", "v" + (3 + Interlocked.Increment(ref _next)).ToString(CultureInfo.InvariantCulture), dev);
        return (await UntilStateAsync(id, "waiting-for-approval")).Id;
    }

    private int _next;

    public async Task<DeploymentView> GetAsync(string id) =>
        (await Local.GetFromJsonAsync(DeliveryRoutes.DeploymentPath(id), ApiJson.Default.DeploymentView))!;

    public async Task<DeploymentView> UntilStateAsync(string id, string state, TimeSpan? deadline = null)
    {
        DeploymentView? d = null;
        await Eventually.UntilAsync(async () => (d = await GetAsync(id)).State == state || d.IsTerminal && d.State != state && Fail(d, state),
            () => $"deployment {id} reaching {state} (it is {d?.State}: {d?.Reason}); serve printed:\n{_serve?.Output}", deadline ?? TimeSpan.FromMinutes(2));
        return d!;
    }

    private static bool Fail(DeploymentView d, string state) => throw new Xunit.Sdk.XunitException($"deployment {d.Id} ended {d.State} ({d.Reason}) instead of reaching {state}");

    private async Task<DeploymentView> LatestAsync(string environment) =>
        (await Local.GetFromJsonAsync($"api/deployments?app=web&environment={environment}&limit=1", ApiJson.Default.IReadOnlyListDeploymentView))![0];

    /// <summary>The newest run of commit <paramref name="sha"/>, once <paramref name="done"/> holds for it.</summary>
    public async Task<RunView> UntilRunAsync(string sha, Func<RunView, bool> done)
    {
        RunView? run = null;
        await Eventually.UntilAsync(async () =>
        {
            var runs = (await Local.GetFromJsonAsync("api/runs?limit=50", ApiJson.Default.IReadOnlyListRunView))!;
            run = runs.FirstOrDefault(r => r.Sha == sha);
            return run is not null && done(run);
        }, () => $"a run of {sha} (it is {run?.Status} {run?.Conclusion}: {run?.Reason}); serve printed:\n{_serve?.Output}", TimeSpan.FromMinutes(3));
        return run!;
    }

    /// <summary>A client acting as <paramref name="user"/> through a fresh API token.</summary>
    public async Task<HttpClient> TokenClientAsync(string user)
    {
        using var r = await Local.PostAsJsonAsync("api/tokens", new CreateTokenBody(user, "dashboard-test"), AccessJson.Default.CreateTokenBody);
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        var secret = (await r.Content.ReadFromJsonAsync(AccessJson.Default.CreatedTokenView))!.Secret;
        var http = new HttpClient { BaseAddress = Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    /// <summary>A new browser page (its own cookies) of the given size and colour scheme.</summary>
    public async Task<IPage> PageAsync(int width = 1280, int height = 860, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Url.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            DeviceScaleFactor = 1,
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            // Refused requests the tests make on purpose (a wrong password, a viewer's approve) are logged by the browser too; those are not faults.
            if (m.Type == "error" && !m.Text.StartsWith("Failed to load resource: the server responded with a status of 40", StringComparison.Ordinal))
            {
                ConsoleErrors.Enqueue($"{page.Url}: {m.Text}");
            }
        };
        page.PageError += (_, e) => ConsoleErrors.Enqueue($"{page.Url}: {e}");
        return page;
    }

    /// <summary>Script errors and CSP refusals any page reported (a test asserts there were none).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> ConsoleErrors { get; } = new();

    /// <summary>Signs <paramref name="user"/> in through the sign-in page and waits for the page it leads to.</summary>
    public async Task SignInAsync(IPage page, string user, string? next = null)
    {
        await page.GotoAsync(next ?? "/deployments");
        await page.WaitForURLAsync(u => u.Contains("/sign-in", StringComparison.Ordinal));
        await page.GetByLabel("User").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(user == "admin" ? AdminPassword : Passwords[user]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(u => !u.Contains("/sign-in", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_load is not null)
        {
            await _load.DisposeAsync();
        }

        Local?.Dispose();
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        // Instances are process groups of their own: end what the killed server left, as the next `serve` would.
        new Delivery.Targets.ProcessSupervisor(State, new Microsoft.Extensions.Time.Testing.FakeTimeProvider()).KillOrphans();
        _dir?.Dispose();
    }
}
