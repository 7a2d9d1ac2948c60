using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Catalytic.Contracts;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Contracts.Status;
using Catalytic.Storage.Postgres;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Files;
using Catalytic.Testing.Http;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Server.Tests;

/// <summary>
/// The real `catalytic` binary: serve, the CLI verbs as thin clients, and a SIGKILL in the middle. Another process
/// runs on the system clock, so these tests wait for what the server reports (server.json, the edge's answers, the
/// status document), never a fixed time.
/// </summary>
public sealed class ServeProcessTests : IAsyncLifetime
{
    private const string NoServer = "no catalytic server in this directory; start one with `catalytic serve`";
    private readonly TempFolder _dir = new("serve");
    private readonly int _edgePort = Ports.FreeTcpPort();
    private CatalyticProcess.Running? _serve;

    private string State => _dir[".catalytic"];

    public ValueTask InitializeAsync()
    {
        _dir.Write("catalytic.yml", $$"""
            apps:
              web:
                run: python3 app.py
                instances: 1
                health: { path: /healthz, interval: 100ms }
                drain: 100ms
                environments:
                  production:
                    listen: 127.0.0.1:{{_edgePort}}
                    strategy: blue-green
                    scale-down-delay: 1s
                    analysis: { interval: 200ms, window: 600ms, min-requests: 0 }
            """);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        // Whatever the last server left behind must not outlive the test: end it as the next `serve` would.
        new Delivery.Targets.ProcessSupervisor(State, new FakeTimeProvider()).KillOrphans();
        _dir.Dispose();
    }

    [Fact]
    public async Task Serve_KilledWithSigkill_RestartsIntoTheSameLiveVersionAndHistory()
    {
        await StartServeAsync();
        var first = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir.Path, "v1"), "--version", "v1");
        Assert.True(first.Code == 0, first.ToString());
        var second = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir.Path, "v2"), "--version", "v2");
        Assert.True(second.Code == 0, second.ToString());
        Assert.Matches(@"^d-\S+ succeeded: v2 is live", second.Out);
        Assert.Equal("v2", await EdgeVersionAsync());
        var oldInstances = (await StatusAsync()).Environments[0].Instances;
        var oldPids = oldInstances.Select(i => i.Pid).ToList();
        await using var load = new LoadGenerator(new Uri($"http://127.0.0.1:{_edgePort}/"), 8, TimeSpan.FromMilliseconds(5));
        await load.AnsweredAsync(20, s => s.Version == "v2", "from v2 before the kill");

        await _serve!.KillAsync(); // SIGKILL: no cleanup at all
        // Without its server an instance keeps serving and logging (through its masking stage, which does not need the server).
        using (var direct = new HttpClient { Timeout = TimeSpan.FromMinutes(2) })
        {
            // One of the live version's: v1's are kept warm only for the scale-down delay and may be stopping.
            var live = oldInstances.First(i => i.Version == "v2");
            using var answer = await direct.GetAsync(new Uri($"http://127.0.0.1:{live.Port}/echo/after-server-death"));
            answer.EnsureSuccessStatusCode();
            // Its own answer, not another program's on a reused port (its line would then go to another log).
            Assert.Equal(live.Id, answer.Headers.TryGetValues("X-App-Instance", out var ids) ? ids.Single() : "(no X-App-Instance header)");
        }

        await Eventually.UntilAsync(() => InstanceLogs().Any(l => l.Text.Contains("echo after-server-death\n", StringComparison.Ordinal)),
            () => "the instance's output reaching its log with the server gone; the logs end:\n"
                + string.Join("\n", InstanceLogs().Select(l => $"{Path.GetFileName(l.Path)}: …{l.Text[Math.Max(0, l.Text.Length - 300)..]}")));

        await StartServeAsync();
        string? version = null;
        await Eventually.UntilAsync(async () => (version = await EdgeVersionAsync()) == "v2", () => $"the restarted edge serving v2 (it served {version ?? "nothing"})");
        var restarted = load.Mark();
        await Eventually.UntilAsync(() => load.SentAfter(restarted).Count >= 50, "50 answers to requests sent after the restart");
        await load.DisposeAsync();
        // While no server ran, connections were refused (socket errors); every answer, before and after, was a 200 of v2:
        // the restarted edge held requests until the restored instances were routed instead of answering 503.
        var answers = load.Samples.ToList();
        Assert.All(answers, s => Assert.Equal((200, "v2"), (s.Status, s.Version)));
        var status = await StatusAsync();
        var env = Assert.Single(status.Environments);
        Assert.Equal("v2", env.LiveVersion);
        Assert.Equal(["v2", "v1"], env.History.Select(d => d.Version));
        Assert.All(env.History, d => Assert.Equal("succeeded", d.State));
        Assert.All(oldPids, pid => Assert.False(IsRunning(pid), $"orphan {pid} of the killed server still runs"));
        var statusText = await CliAsync("status", "web");
        Assert.Equal(ExitCodes.Success, statusText.Code);
        Assert.Contains("live: v2", statusText.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ApprovalGateAndErrors_UseDocumentedExitCodes()
    {
        var noServer = await CliAsync("status");
        Assert.Equal(ExitCodes.Failure, noServer.Code);
        Assert.Contains(NoServer, noServer.Err, StringComparison.Ordinal);

        _dir.Write("catalytic.yml", File.ReadAllText(_dir["catalytic.yml"]).Replace("strategy: blue-green", "strategy: blue-green\n        approval: required", StringComparison.Ordinal));
        await StartServeAsync();
        var unknown = await CliAsync("deploy", "web", "--env", "staging", "--artifact", TestApp.Write(_dir.Path, "v0"));
        Assert.Equal(ExitCodes.Invalid, unknown.Code);
        Assert.Contains("has no environment 'staging'", unknown.Err, StringComparison.Ordinal);

        var waiting = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir.Path, "v1"), "--version", "v1");
        Assert.Equal(ExitCodes.WaitingForApproval, waiting.Code);
        Assert.Contains("waiting-for-approval", waiting.Out, StringComparison.Ordinal);
        var approved = await CliAsync("approve", "web", "--env", "production");
        Assert.True(approved.Code == ExitCodes.Success, approved.ToString());
        Assert.Matches(@"^d-\S+ succeeded: v1 is live", approved.Out); // waited past the gate it approved, to the end
        Assert.Equal("v1", await EdgeVersionAsync());
        var nothingWaits = await CliAsync("approve", "web", "--env", "production");
        Assert.Equal(ExitCodes.Invalid, nothingWaits.Code);
        Assert.Contains("no deployment of web to production is waiting for approval", nothingWaits.Err, StringComparison.Ordinal);

        using var http = new HttpClient();
        var info = ServerInfo();
        using var unauthorized = await http.GetAsync(new Uri(new Uri(info.Url), "api/status"));
        Assert.Equal(401, (int)unauthorized.StatusCode);
        Assert.Equal("application/problem+json", unauthorized.Content.Headers.ContentType?.MediaType);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(State, ServerFiles.Token)));
        }

        var metrics = await http.GetStringAsync(new Uri(new Uri(info.Url), "metrics"));
        Assert.Contains("catalytic_deployments_total{app=\"web\",environment=\"production\",state=\"succeeded\"} 1", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("2s")]
    [InlineData("61m")]
    [InlineData("-30s")]
    public async Task Serve_WithAWorkerLeaseOutOfRange_StopsAtOnceNamingTheOption_AndStartsNothing(string lease)
    {
        var serve = await CliAsync("serve", "--worker-lease", lease, "--state", ".bad-lease");
        Assert.Equal(ExitCodes.Invalid, serve.Code);
        Assert.Contains($"--worker-lease '{lease}' must be a duration from 3s to 1h", serve.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir[".bad-lease"]), "no state folder for a server that never started");
    }

    [Fact]
    public async Task Serve_SecretsLogsAndRestarts_SecretNeverLeavesUnmaskedAndLogsFollow()
    {
        const string Secret = "s3cr3t-value-4711";
        _dir.Write("catalytic.yml", File.ReadAllText(_dir["catalytic.yml"])
            .Replace("    drain: 100ms", "    drain: 100ms\n    secrets: { GREETING: greeting-token }", StringComparison.Ordinal));
        await StartServeAsync(env: new Dictionary<string, string> { ["CATALYTIC_SECRET_GREETING_TOKEN"] = Secret });

        var deploy = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir.Path, "v1"), "--version", "v1");
        Assert.True(deploy.Code == 0, deploy.ToString());
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var edge = new Uri($"http://127.0.0.1:{_edgePort}/");
        Assert.Equal($"v1 {Secret}", (await http.GetStringAsync(edge)).Trim()); // the instance got the secret's value

        // Lines written after `logs -f` started arrive while it keeps running: print markers until one comes through.
        await using var follow = CatalyticProcess.Start(_dir.Path, ["logs", "web", "--env", "production", "-f", "-n", "0"]);
        var marker = 0;
        await Eventually.UntilAsync(async () =>
        {
            Assert.False(follow.Process.HasExited, "logs -f exited:\n" + follow.Output);
            (await http.GetAsync(new Uri(edge, $"echo/marker-{++marker}"))).Dispose();
            return follow.Lines.Any(l => l.Contains("echo marker-", StringComparison.Ordinal));
        }, () => "a marker printed after `logs -f` started; it showed: " + string.Join(" | ", follow.Lines));
        var followed = follow.Output;
        await follow.KillAsync();

        using (await http.GetAsync(new Uri(edge, "crash")))
        {
            // The instance dies mid-request; whatever the edge answers, the supervisor brings it back.
        }

        InstanceView? instance = null;
        await Eventually.UntilAsync(async () => (instance = (await StatusAsync()).Environments[0].Instances.Single()) is { Restarts: >= 1, Health: "healthy" },
            () => $"the crashed instance restarted and healthy; it is {instance?.Health} with {instance?.Restarts} restart(s)");

        var statusText = await CliAsync("status", "web");
        Assert.Contains("healthy (1 restart(s))", statusText.Out, StringComparison.Ordinal);
        var statusJson = await CliAsync("status", "--json");
        var logs = await CliAsync("logs", "web", "--env", "production");
        var info = ServerInfo();
        var deployments = await GetApiAsync(info, "api/deployments");
        var id = deploy.Out.Split(' ')[0];
        var detail = await GetApiAsync(info, $"api/deployments/{id}");
        var metrics = await http.GetStringAsync(new Uri(new Uri(info.Url), "metrics"));
        var serverLog = _serve!.Output;

        Assert.Contains("greeting ***", logs.Out, StringComparison.Ordinal); // printed by the app at start, masked on the way out
        Assert.Contains(InstanceLogs(), l => l.Text.Contains("greeting ***\n", StringComparison.Ordinal)); // masked on disk already
        foreach (var (path, text) in InstanceLogs())
        {
            Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"the secret appears in {path}:\n{text}");
        }

        Assert.Contains("echo marker-1", logs.Out, StringComparison.Ordinal);
        foreach (var (what, text) in new[] { ("deploy output", deploy.Out + deploy.Err), ("status", statusText.Out), ("status --json", statusJson.Out), ("logs", logs.Out),
            ("logs -f", followed), ("GET /api/deployments", deployments), ("GET /api/deployments/ID", detail), ("/metrics", metrics), ("serve output", serverLog) })
        {
            Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"the secret appears in {what}:\n{text}");
        }
    }

    [Fact]
    public async Task Serve_WithPostgres_KeepsItsStateThereAndRestoresFromIt()
    {
        var cs = Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES");
        Assert.SkipWhen(string.IsNullOrEmpty(cs), "CATALYTIC_TEST_POSTGRES is not set (./test.sh starts PostgreSQL)");
        var schema = "serve_" + Guid.NewGuid().ToString("N")[..10];
        var conn = cs + ";Search Path=" + schema;
        try
        {
            await StartServeAsync(["--postgres", conn]);
            var deploy = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir.Path, "v1"), "--version", "v1");
            Assert.True(deploy.Code == 0, deploy.ToString());
            Assert.False(File.Exists(Path.Combine(State, "catalytic.db")), "serve --postgres wrote SQLite state");
            await using (var store = new PostgresDeliveryStore(cs!, new FakeTimeProvider(), schema))
            {
                Assert.Equal("v1", (await store.GetLiveAsync("web", "production"))?.Version);
                Assert.Equal(["v1:succeeded"], (await store.ListDeploymentsAsync("web", "production")).Select(d => $"{d.Version}:{Delivery.Model.DeploymentStates.Name(d.State)}"));
            }

            await _serve!.KillAsync();
            await StartServeAsync(["--postgres", conn]);
            string? version = null;
            await Eventually.UntilAsync(async () => (version = await EdgeVersionAsync()) == "v1", () => $"the restarted edge serving v1 (it served {version ?? "nothing"})");

            var env = Assert.Single((await StatusAsync()).Environments);
            Assert.Equal("v1", env.LiveVersion);
            Assert.Equal(["v1"], env.History.Select(d => d.Version));
        }
        finally
        {
            if (_serve is not null)
            {
                await _serve.KillAsync();
            }

            await using var c = new Npgsql.NpgsqlConnection(cs);
            await c.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Every log file under .catalytic/logs/ with its text.</summary>
    private List<(string Path, string Text)> InstanceLogs() =>
        [.. Directory.EnumerateFiles(Path.Combine(State, "logs"), "*.log", SearchOption.AllDirectories).Select(f => (f, File.ReadAllText(f)))];

    private async Task StartServeAsync(IReadOnlyList<string>? args = null, IReadOnlyDictionary<string, string>? env = null)
    {
        Directory.CreateDirectory(State);
        File.Delete(Path.Combine(State, ServerFiles.Info));
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        _serve = CatalyticProcess.Start(_dir.Path, ["serve", .. args ?? []], env);
        await Eventually.UntilAsync(() =>
        {
            Assert.False(_serve.Process.HasExited, "catalytic serve exited:\n" + _serve.Output);
            return File.Exists(Path.Combine(State, ServerFiles.Info));
        }, () => "catalytic serve writing server.json; it printed:\n" + _serve.Output);
    }

    private ServerInfo ServerInfo() =>
        JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(State, ServerFiles.Info)), ApiJson.Default.ServerInfo)!;

    private HttpClient Api()
    {
        var http = new HttpClient { BaseAddress = new Uri(ServerInfo().Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(State, ServerFiles.Token)).Trim());
        return http;
    }

    private async Task<string> GetApiAsync(ServerInfo info, string path)
    {
        using var http = Api();
        return await http.GetStringAsync(new Uri(new Uri(info.Url), path));
    }

    private async Task<StatusView> StatusAsync()
    {
        using var http = Api();
        return (await http.GetFromJsonAsync("api/status", ApiJson.Default.StatusView))!;
    }

    private async Task<string?> EdgeVersionAsync()
    {
        // A restarted edge holds requests until the live version is routed again: the caller's own deadline bounds the wait.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{_edgePort}/"));
            return r.IsSuccessStatusCode ? (await r.Content.ReadAsStringAsync()).Split(' ')[0].Trim() : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private Task<CatalyticProcess.Result> CliAsync(params string[] args) => CatalyticProcess.RunAsync(_dir.Path, args);

    /// <summary>
    /// True while <paramref name="pid"/> runs. A killed orphan whose new parent (PID 1 of a container) does not reap it
    /// stays in /proc as a zombie (state Z) without running anything, so a zombie counts as gone.
    /// </summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
