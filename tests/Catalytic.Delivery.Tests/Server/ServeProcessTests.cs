using System.Diagnostics;
using System.Text.Json;
using Catalytic.Delivery.Client;
using Catalytic.Delivery.Targets;
using Catalytic.Delivery.Tests.Support;

namespace Catalytic.Delivery.Tests.Server;

/// <summary>The real `catalytic` binary: serve, the CLI verbs as thin clients, and a SIGKILL in the middle.</summary>
public sealed class ServeProcessTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catalytic-serve-").FullName;
    private readonly int _edgePort = ProcessSupervisor.FreePort();
    private readonly System.Text.StringBuilder _serveOutput = new();
    private Process? _serve;

    public ValueTask InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_dir, "catalytic.yml"), $$"""
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
        if (_serve is { HasExited: false })
        {
            _serve.Kill(entireProcessTree: false);
            await _serve.WaitForExitAsync();
        }

        // Whatever the last server left behind must not outlive the test.
        new ProcessSupervisor(Path.Combine(_dir, ".catalytic"), TimeProvider.System).KillOrphans();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Serve_KilledWithSigkill_RestartsIntoTheSameLiveVersionAndHistory()
    {
        await StartServeAsync();
        var (code1, out1, _) = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir, "v1"), "--version", "v1");
        Assert.True(code1 == 0, out1);
        var (code2, out2, err2) = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir, "v2"), "--version", "v2");
        Assert.True(code2 == 0, out2 + err2);
        Assert.Matches(@"^d-\S+ succeeded: v2 is live", out2);
        Assert.Equal("v2", await EdgeVersionAsync());
        var oldInstances = (await StatusAsync()).Environments[0].Instances;
        var oldPids = oldInstances.Select(i => i.Pid).ToList();
        await using var load = new LoadGenerator(new Uri($"http://127.0.0.1:{_edgePort}/"), 8, TimeSpan.FromMilliseconds(5));
        await Task.Delay(200);

        _serve!.Kill(); // SIGKILL: no cleanup at all
        await _serve.WaitForExitAsync();
        // Without its server an instance keeps serving and logging (through its masking stage, which does not need the server).
        using (var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        {
            // One of the live version's: v1's are kept warm only for the scale-down delay and may be stopping.
            var live = oldInstances.First(i => i.Version == "v2");
            (await direct.GetAsync(new Uri($"http://127.0.0.1:{live.Port}/echo/after-server-death"))).EnsureSuccessStatusCode();
        }

        var logged = Stopwatch.StartNew();
        while (!InstanceLogs().Any(l => l.Text.Contains("echo after-server-death\n", StringComparison.Ordinal)))
        {
            Assert.True(logged.Elapsed < TimeSpan.FromSeconds(1), "the instance's output did not reach its log with the server gone");
            await Task.Delay(10);
        }

        var clock = Stopwatch.StartNew();
        await StartServeAsync();
        string? version = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && (version = await EdgeVersionAsync()) != "v2")
        {
            await Task.Delay(50);
        }

        Assert.True(version == "v2", $"edge served {version ?? "nothing"} {clock.Elapsed} after restart");
        await Task.Delay(1000);
        await load.DisposeAsync();
        // While no server ran, connections were refused (socket errors); every answer, before and after, was a 200 of v2:
        // the restarted edge held requests until the restored instances were routed instead of answering 503.
        var answers = load.Samples.ToList();
        Assert.True(answers.Count > 20, $"only {answers.Count} answers");
        Assert.All(answers, s => Assert.Equal((200, "v2"), (s.Status, s.Version)));
        var status = await StatusAsync();
        var env = Assert.Single(status.Environments);
        Assert.Equal("v2", env.LiveVersion);
        Assert.Equal(["v2", "v1"], env.History.Select(d => d.Version));
        Assert.All(env.History, d => Assert.Equal("succeeded", d.State));
        Assert.All(oldPids, pid => Assert.False(IsRunning(pid), $"orphan {pid} of the killed server still runs"));
        var (statusCode, statusText, _) = await CliAsync("status", "web");
        Assert.Equal(0, statusCode);
        Assert.Contains("live: v2", statusText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ApprovalGateAndErrors_UseDocumentedExitCodes()
    {
        var (noServer, _, noServerErr) = await CliAsync("status");
        Assert.Equal(1, noServer);
        Assert.Contains(DeliveryClient.NoServer, noServerErr, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(_dir, "catalytic.yml"), File.ReadAllText(Path.Combine(_dir, "catalytic.yml")).Replace("strategy: blue-green", "strategy: blue-green\n        approval: required", StringComparison.Ordinal));
        await StartServeAsync();
        var (unknown, _, unknownErr) = await CliAsync("deploy", "web", "--env", "staging", "--artifact", TestApp.Write(_dir, "v0"));
        Assert.Equal(2, unknown);
        Assert.Contains("no environment 'staging'", unknownErr.Replace("has no environment", "no environment", StringComparison.Ordinal), StringComparison.Ordinal);

        var (waiting, waitingOut, _) = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir, "v1"), "--version", "v1");
        Assert.Equal(3, waiting);
        Assert.Contains("waiting-for-approval", waitingOut, StringComparison.Ordinal);
        var (approved, approvedOut, _) = await CliAsync("approve", "web", "--env", "production");
        Assert.True(approved == 0, approvedOut);
        Assert.Equal("v1", await EdgeVersionAsync());

        using var http = new HttpClient();
        var info = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(_dir, ".catalytic", "server.json")), DeliveryJson.Default.ServerInfo)!;
        using var unauthorized = await http.GetAsync(new Uri(new Uri(info.Url), "api/status"));
        Assert.Equal(401, (int)unauthorized.StatusCode);
        Assert.Equal("application/problem+json", unauthorized.Content.Headers.ContentType?.MediaType);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, ".catalytic", "server.token")));
        }
        var metrics = await http.GetStringAsync(new Uri(new Uri(info.Url), "metrics"));
        Assert.Contains("catalytic_deployments_total{app=\"web\",environment=\"production\",state=\"succeeded\"} 1", metrics, StringComparison.Ordinal);
    }

    /// <summary>Every log file under .catalytic/logs/ with its text.</summary>
    private List<(string Path, string Text)> InstanceLogs() =>
        [.. Directory.EnumerateFiles(Path.Combine(_dir, ".catalytic", "logs"), "*.log", SearchOption.AllDirectories).Select(f => (f, File.ReadAllText(f)))];

    private async Task StartServeAsync(IReadOnlyList<string>? args = null, IReadOnlyDictionary<string, string>? env = null)
    {
        Directory.CreateDirectory(Path.Combine(_dir, ".catalytic"));
        File.Delete(Path.Combine(_dir, ".catalytic", "server.json"));
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(CatalyticCli.Dll);
        psi.ArgumentList.Add("serve");
        foreach (var a in args ?? [])
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        _serve = Process.Start(psi)!;
        _serve.ErrorDataReceived += (_, e) => { lock (_serveOutput) { _serveOutput.AppendLine(e.Data); } };
        _serve.OutputDataReceived += (_, e) => { lock (_serveOutput) { _serveOutput.AppendLine(e.Data); } };
        _serve.BeginErrorReadLine();
        _serve.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(_dir, ".catalytic", "server.json")))
        {
            Assert.False(_serve.HasExited, "catalytic serve exited");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "catalytic serve did not write server.json");
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task Serve_SecretsLogsAndRestarts_SecretNeverLeavesUnmaskedAndLogsFollow()
    {
        const string Secret = "s3cr3t-value-4711";
        File.WriteAllText(Path.Combine(_dir, "catalytic.yml"), File.ReadAllText(Path.Combine(_dir, "catalytic.yml"))
            .Replace("    drain: 100ms", "    drain: 100ms\n    secrets: { GREETING: greeting-token }", StringComparison.Ordinal));
        await StartServeAsync(env: new Dictionary<string, string> { ["CATALYTIC_SECRET_GREETING_TOKEN"] = Secret });

        var (code, deployOut, deployErr) = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir, "v1"), "--version", "v1");
        Assert.True(code == 0, deployOut + deployErr);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var edge = new Uri($"http://127.0.0.1:{_edgePort}/");
        Assert.Equal($"v1 {Secret}", (await http.GetStringAsync(edge)).Trim()); // the instance got the secret's value

        using var follow = StartCli("logs", "web", "--env", "production", "-f", "-n", "0");
        var followed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        follow.OutputDataReceived += (_, e) => { if (e.Data is not null) { followed.Enqueue(e.Data); } };
        follow.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (!followed.Any(l => l.Contains("echo marker-2", StringComparison.Ordinal)))
        {
            // Lines written after `logs -f` started arrive while it keeps running.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "logs -f showed: " + string.Join(" | ", followed));
            Assert.False(follow.HasExited, "logs -f exited");
            (await http.GetAsync(new Uri(edge, "echo/marker-" + (clock.Elapsed < TimeSpan.FromSeconds(1) ? 1 : 2)))).Dispose();
            await Task.Delay(200);
        }

        follow.Kill();

        using (var crash = await http.GetAsync(new Uri(edge, "crash")))
        {
            // The instance dies mid-request; whatever the edge answers, the supervisor brings it back.
        }

        clock.Restart();
        InstanceView instance;
        while ((instance = (await StatusAsync()).Environments[0].Instances.Single()).Restarts < 1 || instance.Health != "healthy")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"instance {instance.Health} with {instance.Restarts} restart(s)");
            await Task.Delay(50);
        }

        var (_, statusText, _) = await CliAsync("status", "web");
        Assert.Contains("healthy (1 restart(s))", statusText, StringComparison.Ordinal);
        var (_, statusJson, _) = await CliAsync("status", "--json");
        var (_, logs, _) = await CliAsync("logs", "web", "--env", "production");
        var info = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(_dir, ".catalytic", "server.json")), DeliveryJson.Default.ServerInfo)!;
        var deployments = await GetApiAsync(info, "api/deployments");
        var id = deployOut.Split(' ')[0];
        var detail = await GetApiAsync(info, $"api/deployments/{id}");
        var metrics = await http.GetStringAsync(new Uri(new Uri(info.Url), "metrics"));
        var serverLog = _serveOutput.ToString();

        Assert.Contains("greeting ***", logs, StringComparison.Ordinal); // printed by the app at start, masked on the way out
        Assert.Contains(InstanceLogs(), l => l.Text.Contains("greeting ***\n", StringComparison.Ordinal)); // masked on disk already
        foreach (var (path, text) in InstanceLogs())
        {
            Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"the secret appears in {path}:\n{text}");
        }

        Assert.Contains("echo marker-1", logs, StringComparison.Ordinal);
        foreach (var (what, text) in new[] { ("deploy output", deployOut + deployErr), ("status", statusText), ("status --json", statusJson), ("logs", logs),
            ("logs -f", string.Join("\n", followed)), ("GET /api/deployments", deployments), ("GET /api/deployments/ID", detail), ("/metrics", metrics), ("serve output", serverLog) })
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
            var (code, text, err) = await CliAsync("deploy", "web", "--env", "production", "--artifact", TestApp.Write(_dir, "v1"), "--version", "v1");
            Assert.True(code == 0, text + err);
            Assert.False(File.Exists(Path.Combine(_dir, ".catalytic", "catalytic.db")), "serve --postgres wrote SQLite state");
            await using (var store = new Catalytic.Storage.PostgresDeliveryStore(cs!, schema))
            {
                Assert.Equal("v1", (await store.GetLiveAsync("web", "production"))?.Version);
                Assert.Equal("v1:succeeded", DeploymentStateName(await store.ListDeploymentsAsync("web", "production")));
            }

            _serve!.Kill();
            await _serve.WaitForExitAsync();
            await StartServeAsync(["--postgres", conn]);
            var clock = Stopwatch.StartNew();
            string? version;
            while ((version = await EdgeVersionAsync()) != "v1")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"edge served {version ?? "nothing"} after restart");
                await Task.Delay(50);
            }

            var env = Assert.Single((await StatusAsync()).Environments);
            Assert.Equal("v1", env.LiveVersion);
            Assert.Equal(["v1"], env.History.Select(d => d.Version));
        }
        finally
        {
            if (_serve is { HasExited: false })
            {
                _serve.Kill();
                await _serve.WaitForExitAsync();
            }

            await using var c = new Npgsql.NpgsqlConnection(cs);
            await c.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static string DeploymentStateName(IReadOnlyList<Catalytic.Delivery.Model.Deployment> list) =>
        string.Join(",", list.Select(d => $"{d.Version}:{Catalytic.Delivery.Model.DeploymentStates.Name(d.State)}"));

    private async Task<string> GetApiAsync(ServerInfo info, string path)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(_dir, ".catalytic", "server.token")).Trim());
        return await http.GetStringAsync(new Uri(new Uri(info.Url), path));
    }

    private Process StartCli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(CatalyticCli.Dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    private async Task<StatusView> StatusAsync()
    {
        using var client = DeliveryClient.Connect(Path.Combine(_dir, ".catalytic"));
        return await client.StatusAsync();
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

    private async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(CatalyticCli.Dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (p.ExitCode, await stdout, await stderr);
    }

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
