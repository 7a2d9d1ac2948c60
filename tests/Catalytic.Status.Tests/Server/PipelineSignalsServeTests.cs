using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Catalytic.Status.Grafana;
using Catalytic.Status.Tests.Support;
using Catalytic.Testing.Processes;

namespace Catalytic.Status.Tests.Server;

/// <summary>
/// The real `catalytic serve` running the pipelines of the repository it serves: a run that fails on main notifies per
/// the routes (and its recovery resolves), /metrics carries the run, job, queue and worker families the queue feeds, and
/// every metric the shipped alert rules and Grafana boards name is a family of that real scrape.
/// </summary>
public sealed partial class PipelineSignalsServeTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private WebhookReceiver _hook = null!;
    private ServeProcess _serve = null!;

    public async ValueTask InitializeAsync()
    {
        _hook = await new WebhookReceiver().StartAsync();
        File.WriteAllText(_dir.File("catalytic.yml"), $$"""
            notifications:
              channels:
                dev: { webhook: { url: "{{_hook.Url()}}" } }
              routes:
                - { match: { alertname: run-failed }, to: [dev], group-wait: 0s, group-interval: 1s }
            alerts:
              run-failed: { runbook: https://wiki.example.org/ci }
            """);
        File.WriteAllText(_dir.File(".gitignore"), ".catalytic*/\n");
        await GitAsync("init", "-q", "-b", "main");
        await CommitAsync("the configuration");
        _serve = new ServeProcess(_dir.Path);
    }

    [Fact]
    public async Task FailedRunOnMain_Notifies_ItsRecoveryResolves_AndMetricsCarryRunsJobsQueueAndWorkers()
    {
        await _serve.StartAsync();
        // A commit made before the repository is watched is its starting point, not a push.
        await Ports.WaitAsync(() => Task.FromResult(_serve.Output.Contains(": watching ", StringComparison.Ordinal)), "serve watching the repository");
        Directory.CreateDirectory(_dir.File(".github/workflows"));
        await CommitWorkflowAsync("exit 3", "a broken build");

        await UntilAsync(() => !_hook.Received.IsEmpty, "a run-failed notification after the run on main failed");
        var fired = Assert.Single(_hook.Received);
        using (var doc = JsonDocument.Parse(fired.Body))
        {
            Assert.Equal("firing", doc.RootElement.GetProperty("status").GetString());
            var alert = Assert.Single(doc.RootElement.GetProperty("alerts").EnumerateArray());
            var labels = alert.GetProperty("labels");
            Assert.Equal("run-failed", labels.GetProperty("alertname").GetString());
            Assert.Equal("CI", labels.GetProperty("workflow").GetString());
            Assert.Equal("refs/heads/main", labels.GetProperty("ref").GetString());
            Assert.Equal("https://wiki.example.org/ci", alert.GetProperty("annotations").GetProperty("runbook").GetString());
            Assert.Contains("/api/runs/", alert.GetProperty("annotations").GetProperty("link").GetString(), StringComparison.Ordinal);
        }

        var alerts = await _serve.AlertsAsync();
        Assert.Equal("firing", Assert.Single(alerts, a => a.Name == "run-failed").State);

        var metrics = await ScrapeAsync();
        Assert.Matches(@"catalytic_runs_total\{repository=""[^""]+"",workflow=""CI"",conclusion=""failure"",default_branch=""true""\} 1\n", metrics);
        Assert.Matches(@"catalytic_jobs_total\{repository=""[^""]+"",conclusion=""failure""\} 1\n", metrics);
        Assert.Matches(@"catalytic_job_duration_seconds_count\{repository=""[^""]+""\} 1\n", metrics);
        Assert.Matches(@"catalytic_run_duration_seconds_count\{repository=""[^""]+"",workflow=""CI""\} 1\n", metrics);
        Assert.Contains("catalytic_queue_wait_seconds_count 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_queue_depth{labels=\"\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_runs_active{status=\"in_progress\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_runs_active{status=\"queued\"} 0\n", metrics, StringComparison.Ordinal);
        // serve's embedded worker is the one worker: online and, the run over, idle.
        Assert.Contains("catalytic_workers{state=\"idle\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_workers{state=\"lost\"} 0\n", metrics, StringComparison.Ordinal);

        await CommitWorkflowAsync("echo fixed", "the fix");
        await UntilAsync(() => _hook.Received.Count >= 2, "a resolved notification after the next run on main succeeded");
        using (var doc = JsonDocument.Parse(_hook.Received.Last().Body))
        {
            Assert.Equal("resolved", doc.RootElement.GetProperty("status").GetString());
        }

        Assert.Equal(2, _hook.Received.Count);
        Assert.Matches(@"catalytic_runs_total\{repository=""[^""]+"",workflow=""CI"",conclusion=""success"",default_branch=""true""\} 1\n", await ScrapeAsync());
    }

    [Fact]
    public async Task EveryMetricTheShippedRulesAndBoardsName_IsAFamilyOfARealScrape()
    {
        await _serve.StartAsync();
        var rules = await _serve.CliAsync("prometheus", "rules", "--out", "rules.yml");
        Assert.True(rules.Code == 0, rules.Err);
        var boards = await _serve.CliAsync("grafana", "dashboards", "--out", "boards");
        Assert.True(boards.Code == 0, boards.Err);

        var named = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in RuleExpr().Matches(await File.ReadAllTextAsync(_dir.File("rules.yml"))))
        {
            named.UnionWith(DashboardWriter.MetricNames(JsonSerializer.Deserialize<string>(m.Groups[1].Value)!));
        }

        var boardFiles = Directory.GetFiles(_dir.File("boards"), "*.json");
        Assert.Equal(3, boardFiles.Length);
        foreach (var file in boardFiles)
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            foreach (var panel in doc.RootElement.GetProperty("panels").EnumerateArray())
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    named.UnionWith(DashboardWriter.MetricNames(target.GetProperty("expr").GetString()!));
                }
            }
        }

        // What the files are about: checks, edge, deployments, pipelines and the platform.
        Assert.True(named.Count >= 20, string.Join(", ", named));
        var scrape = await ScrapeAsync();
        var families = TypeLine().Matches(scrape).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.All(named, name => Assert.True(families.Contains(name), $"the rules or boards read {name}, which serve's /metrics does not expose; it has: {string.Join(", ", families.Order(StringComparer.Ordinal))}"));
    }

    /// <summary>Waits for <paramref name="condition"/>; on failure says what serve printed, its runs and its alerts by then.</summary>
    private async Task UntilAsync(Func<bool> condition, string what)
    {
        try
        {
            await Ports.WaitAsync(() => Task.FromResult(condition()), what, 120);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var runs = await _serve.CliAsync("runs", "--json");
            var alerts = await _serve.CliAsync("alerts", "--all", "--json");
            throw new Xunit.Sdk.XunitException($"{e.Message}\nruns: {runs.Out}{runs.Err}\nalerts: {alerts.Out}{alerts.Err}\nserve:\n{_serve.Output}");
        }
    }

    private async Task<string> ScrapeAsync()
    {
        using var info = JsonDocument.Parse(await File.ReadAllTextAsync(_dir.File(".catalytic/server.json")));
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(new Uri(info.RootElement.GetProperty("url").GetString()!), "metrics"));
    }

    /// <summary>Commits a one-step CI workflow running <paramref name="step"/> on every push.</summary>
    private Task CommitWorkflowAsync(string step, string message)
    {
        File.WriteAllText(_dir.File(".github/workflows/ci.yml"), $"name: CI\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {step}\n");
        return CommitAsync(message);
    }

    private Task CommitAsync(string message) => GitAsync("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-a", "-m", message);

    private async Task GitAsync(params string[] args)
    {
        if (args.Contains("commit"))
        {
            await RunGitAsync("add", "-A");
        }

        await RunGitAsync(args);
    }

    private async Task RunGitAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = _dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var r = await ProcessRun.RunAsync(psi);
        Assert.True(r.Code == 0, $"git {string.Join(' ', args)}: {r.Err}");
    }

    [GeneratedRegex(@"^\s+expr: (""(?:[^""\\]|\\.)*"")$", RegexOptions.Multiline)]
    private static partial Regex RuleExpr();

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    public async ValueTask DisposeAsync()
    {
        await _serve.DisposeAsync();
        await _hook.DisposeAsync();
        _dir.Dispose();
    }
}
