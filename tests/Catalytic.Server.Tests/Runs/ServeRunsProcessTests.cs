using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Pipelines.Runs;
using Catalytic.Storage.Runs;
using Catalytic.Testing.Files;
using Catalytic.Testing.Logs;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Server.Tests.Runs;

/// <summary>
/// The real `catalytic serve` running pipelines by itself: a commit in the repository it serves becomes a run, its
/// embedded worker runs the jobs in a checkout of that commit from the server's mirror, and the run, its jobs and their
/// logs are in the store — also after the server is SIGKILLed mid-job and started again.
/// </summary>
public sealed class ServeRunsProcessTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new("serve-runs");
    private CatalyticProcess.Running? _serve;

    private string State => _dir[".catalytic"];

    public ValueTask InitializeAsync()
    {
        _dir.Write("catalytic.yml", $$"""
            apps:
              web:
                run: python3 app.py
                environments:
                  production:
                    listen: 127.0.0.1:{{Ports.FreeTcpPort()}}
            """);
        _dir.Write(".gitignore", ".catalytic*/\n");
        Git("init", "-q", "-b", "main");
        Commit("the configuration");
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task Commit_InTheServedRepository_IsARecordedFinishedRun_WithItsLogs()
    {
        await StartServeAsync();
        _dir.Write(".github/workflows/ci.yml", """
            name: CI
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                outputs:
                  greeting: ${{ steps.hi.outputs.greeting }}
                steps:
                  - id: hi
                    run: |
                      echo "built $(cat version.txt) at $GITHUB_SHA"
                      echo "greeting=hello" >> "$GITHUB_OUTPUT"
              test:
                needs: build
                runs-on: [self-hosted, linux]
                steps:
                  - run: echo "tested with ${{ needs.build.outputs.greeting }}"
            """);
        _dir.Write("version.txt", "v7");
        var sha = Commit("a pipeline");

        var run = await CompletedRunAsync(sha);

        Assert.Equal((Conclusions.Success, "push", "refs/heads/main", "CI"), (run.Conclusion, run.Event, run.Ref, run.WorkflowName));
        await using var store = new SqliteRunStore(Path.Combine(State, "catalytic.db"));
        var jobs = await store.ListJobsAsync(run.Id);
        Assert.Equal([("build", "success"), ("test", "success")], jobs.Select(j => (j.Key, j.Conclusion!)));
        Assert.All(jobs, j => Assert.StartsWith("serve-", j.Worker, StringComparison.Ordinal));
        Assert.Contains($"built v7 at {sha}", await LogAsync(store, jobs[0]), StringComparison.Ordinal);
        Assert.Contains("tested with hello", await LogAsync(store, jobs[1]), StringComparison.Ordinal);
        // A job's folder is removed right after the job is reported complete.
        await Eventually.UntilAsync(() => !Directory.Exists(Path.Combine(State, "work")) || !Directory.EnumerateFileSystemEntries(Path.Combine(State, "work")).Any(),
            "the jobs' checkouts being removed");

        // The same through the API and the CLI verbs.
        var id = run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var list = await CliAsync("runs", "--json");
        Assert.True(list.Code == 0, list.ToString());
        Assert.Equal(run.Id, JsonNode.Parse(list.Out)!.AsArray()[0]!["id"]!.GetValue<long>());
        var show = await CliAsync("runs", "show", id);
        Assert.True(show.Code == 0, show.ToString());
        Assert.Matches(@"build\s+success\s+attempt 1", show.Out);
        Assert.Matches(@"test\s+success\s+attempt 1", show.Out);
        var logs = await CliAsync("logs", "--run", id, "--job", "test", "-f");
        Assert.True(logs.Code == 0, logs.ToString());
        Assert.Contains("tested with hello", logs.Out, StringComparison.Ordinal);
        var workers = await CliAsync("workers", "--json");
        Assert.Equal(2, JsonNode.Parse(workers.Out)!.AsArray().Single()!["capacity"]!.GetValue<int>());
        var missing = await CliAsync("runs", "show", "999999");
        Assert.Equal(Contracts.ExitCodes.Invalid, missing.Code);
        Assert.Contains("no run 999999", missing.Err, StringComparison.Ordinal);
        var rerun = await CliAsync("rerun", id, "--wait");
        Assert.True(rerun.Code == 0, rerun.ToString());
        Assert.Contains("tested with hello", rerun.Out, StringComparison.Ordinal);
        _dir.Write(".github/workflows/manual.yml", """
            on:
              workflow_dispatch:
                inputs:
                  who: { required: true, type: choice, options: [ada, bob] }
            jobs:
              greet:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "hello ${{ inputs.who }}"
            """);
        Commit("a manual workflow");
        var dispatched = await CliAsync("dispatch", "manual.yml", "--input", "who=bob", "--wait");
        Assert.True(dispatched.Code == 0, dispatched.ToString());
        Assert.Contains("hello bob", dispatched.Out, StringComparison.Ordinal);
        var badInput = await CliAsync("dispatch", "manual.yml", "--input", "who=eve");
        Assert.Equal(Contracts.ExitCodes.Invalid, badInput.Code);
        Assert.Contains("who", badInput.Err, StringComparison.Ordinal);

        using var http = Api();
        using var bad = await http.GetAsync(new Uri("api/runs?limit=lots", UriKind.Relative));
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("\"field\":\"limit\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The dashboard's form of the log: one `lines` event per stored batch; a batch flag that is not one is refused.
        var batched = await http.GetStringAsync(new Uri($"api/runs/{id}/jobs/test/logs?batch=true", UriKind.Relative));
        Assert.Contains("event: lines\n", batched, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"tested with hello\"", batched, StringComparison.Ordinal);
        Assert.DoesNotContain("event: line\n", batched, StringComparison.Ordinal);
        using var badBatch = await http.GetAsync(new Uri($"api/runs/{id}/jobs/test/logs?batch=lots", UriKind.Relative));
        Assert.Equal(400, (int)badBatch.StatusCode);
        Assert.Contains("\"field\":\"batch\"", await badBatch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A dispatched run shows its commit's subject, read from the repository (no dispatch payload carries one).
        var dispatchedRun = JsonNode.Parse(await http.GetStringAsync(new Uri("api/runs?limit=100", UriKind.Relative)))!.AsArray()
            .First(r => r!["event"]!.GetValue<string>() == "workflow_dispatch")!;
        Assert.Equal("a manual workflow", dispatchedRun["commitMessage"]?.GetValue<string>());
        using var noToken = new HttpClient();
        using var unauthorized = await noToken.GetAsync(new Uri(http.BaseAddress!, "api/runs"));
        Assert.Equal(401, (int)unauthorized.StatusCode);
    }

    [Fact]
    public async Task Checkout_OfAServeRun_HasTheRefsAGitHubCheckoutHas_OriginHeadTheBranchAndBefore()
    {
        var first = Git("rev-parse", "HEAD").Trim();
        await StartServeAsync();
        _dir.Write(".github/workflows/refs.yml", """
            on: push
            jobs:
              refs:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - run: |
                      echo "origin-head=$(git rev-parse origin/HEAD)"
                      echo "symbolic=$(git symbolic-ref refs/remotes/origin/HEAD)"
                      echo "branch=$(git rev-parse --abbrev-ref HEAD) branches=$(git for-each-ref --format='%(refname:short)' refs/heads | paste -sd, -)"
                      echo "before=${{ github.event.before }}"
                      echo "changed=$(git diff --name-only '${{ github.event.before }}..${{ github.sha }}' | paste -sd, -)"
                  - id: changes
                    uses: dorny/paths-filter@v3
                    with:
                      filters: |
                        docs: ['**/*.md']
                        code: ['src/**']
                  - run: echo "filters docs=${{ steps.changes.outputs.docs }} code=${{ steps.changes.outputs.code }}"
            """);
        _dir.Write("notes.md", "notes\n");
        var onMain = Commit("a workflow that reads the refs");

        var run = await CompletedRunAsync(onMain);
        await using var store = new SqliteRunStore(Path.Combine(State, "catalytic.db"));
        var log = await LogAsync(store, Assert.Single(await store.ListJobsAsync(run.Id)));
        Assert.True(run.Conclusion == Conclusions.Success, $"the run ended {run.Conclusion} ({run.Reason}):\n{log}");
        InLog(log, $"origin-head={onMain}\n");
        InLog(log, "symbolic=refs/remotes/origin/main\n");
        InLog(log, "branch=main branches=main\n");
        InLog(log, $"before={first}\n");
        InLog(log, "changed=.github/workflows/refs.yml,notes.md\n");
        InLog(log, "filters docs=true code=false");

        // A push of another branch (from a clone: the served repository stays on main): that branch checked out, origin/HEAD still the default branch.
        using var clone = new TempFolder("serve-runs-clone");
        GitIn(clone.Path, "clone", "-q", _dir.Path, "repo");
        var work = Path.Combine(clone.Path, "repo");
        GitIn(work, "checkout", "-q", "-b", "feature");
        Directory.CreateDirectory(Path.Combine(work, "src"));
        File.WriteAllText(Path.Combine(work, "src", "app.txt"), "code\n");
        GitIn(work, "add", "-A");
        GitIn(work, "commit", "-q", "-m", "code on a branch");
        var onFeature = GitIn(work, "rev-parse", "HEAD").Trim();
        GitIn(work, "push", "-q", "origin", "feature");
        var second = await CompletedRunAsync(onFeature);
        var featureLog = await LogAsync(store, Assert.Single(await store.ListJobsAsync(second.Id)));
        Assert.True(second.Conclusion == Conclusions.Success, $"the run ended {second.Conclusion} ({second.Reason}):\n{featureLog}");
        InLog(featureLog, $"origin-head={onMain}\n");
        InLog(featureLog, "symbolic=refs/remotes/origin/main\n");
        InLog(featureLog, "branch=feature branches=feature\n");
        InLog(featureLog, "filters docs=false code=true");

        // The watcher's notifications and its poll both saw each push: one run per commit and workflow.
        var runs = await store.ListRunsAsync(new RunQuery());
        Assert.Single(runs, r => r.Sha == onMain);
        Assert.Single(runs, r => r.Sha == onFeature);
    }

    [Fact]
    public async Task EmbeddedWorkersJob_HasItsNameAsRunnerName_ItsCheckoutSaysSo_AndANewBranchIsCreatedFromZeros()
    {
        await StartServeAsync();
        _dir.Write(".github/workflows/who.yml", """
            on: push
            jobs:
              who:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - run: |
                      echo "runner=$RUNNER_NAME context=${{ runner.name }}"
                      echo "before=${{ github.event.before }} created=${{ github.event.created }}"
            """);
        var onMain = Commit("who runs this");

        var run = await CompletedRunAsync(onMain);
        await using var store = new SqliteRunStore(Path.Combine(State, "catalytic.db"));
        var job = Assert.Single(await store.ListJobsAsync(run.Id));
        var log = await LogAsync(store, job);
        Assert.True(run.Conclusion == Conclusions.Success, $"the run ended {run.Conclusion} ({run.Reason}):\n{log}");
        Assert.StartsWith("serve-", job.Worker, StringComparison.Ordinal);
        InLog(log, $"runner={job.Worker} context={job.Worker}\n");
        InLog(log, "clean: already done — the workspace is the worker's own checkout of this commit for this job");
        Assert.DoesNotContain("your own working tree", log, StringComparison.Ordinal);
        InLog(log, "created=false\n");

        // A new branch with a new commit, pushed from a clone: GitHub's before of 40 zeros and created: true.
        using var clone = new TempFolder("serve-runs-new-branch");
        GitIn(clone.Path, "clone", "-q", _dir.Path, "repo");
        var work = Path.Combine(clone.Path, "repo");
        GitIn(work, "checkout", "-q", "-b", "brand-new");
        File.WriteAllText(Path.Combine(work, "new.txt"), "new\n");
        GitIn(work, "add", "-A");
        GitIn(work, "commit", "-q", "-m", "a new branch");
        var onBranch = GitIn(work, "rev-parse", "HEAD").Trim();
        GitIn(work, "push", "-q", "origin", "brand-new");
        var second = await CompletedRunAsync(onBranch);
        var branchLog = await LogAsync(store, Assert.Single(await store.ListJobsAsync(second.Id)));
        Assert.True(second.Conclusion == Conclusions.Success, $"the run ended {second.Conclusion} ({second.Reason}):\n{branchLog}");
        InLog(branchLog, $"before={new string('0', 40)} created=true\n");
    }

    [Fact]
    public async Task JobSkippedBecauseANeedFailed_ShowsItsName_AndThatNeedAsTheReason()
    {
        await StartServeAsync();
        _dir.Write(".github/workflows/gate.yml", """
            on: push
            jobs:
              broken:
                runs-on: ubuntu-latest
                steps:
                  - run: exit 3
              after:
                name: "Phase 9: After"
                needs: broken
                if: ${{ github.event_name == 'push' }}
                runs-on: ubuntu-latest
                steps:
                  - run: echo never
              always:
                needs: broken
                if: ${{ github.event_name == 'pull_request' && always() }}
                runs-on: ubuntu-latest
                steps:
                  - run: echo never
            """);
        var sha = Commit("a job after a failing one");

        var run = await CompletedRunAsync(sha);

        await using var store = new SqliteRunStore(Path.Combine(State, "catalytic.db"));
        var jobs = (await store.ListJobsAsync(run.Id)).ToDictionary(j => j.Key);
        Assert.Equal(Conclusions.Failure, run.Conclusion);
        // The if: holds an implicit success(): the failed need is why, not the condition (which was true).
        Assert.Equal(("Phase 9: After", Conclusions.Skipped, "needs 'broken' ended failure"), (jobs["after"].Label, jobs["after"].Conclusion, jobs["after"].Reason));
        // With a status function the condition decides alone, and says so.
        Assert.Equal((Conclusions.Skipped, "if: ${{ github.event_name == 'pull_request' && always() }} was false"), (jobs["always"].Conclusion, jobs["always"].Reason));
    }

    private static void InLog(string log, string expected) =>
        Assert.True(log.Contains(expected, StringComparison.Ordinal), $"the job's log lacks \"{expected.TrimEnd()}\":\n{log}");

    private Task<CatalyticProcess.Result> CliAsync(params string[] args) => CatalyticProcess.RunAsync(_dir.Path, args);

    private HttpClient Api(string? state = null)
    {
        state ??= State;
        var info = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(state, ServerFiles.Info)), ApiJson.Default.ServerInfo)!;
        var http = new HttpClient { BaseAddress = new Uri(info.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(state, ServerFiles.Token)).Trim());
        return http;
    }

    /// <summary>Drops the test's schema at the end.</summary>
    private sealed class PostgresSchemaDrop(string connection, string schema) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using var c = new Npgsql.NpgsqlConnection(connection);
            await c.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Serve_SigkilledMidJob_AndStartedAgain_RequeuesTheJobOnce_AndFinishesTheRun()
    {
        await StartServeAsync();
        var marker = _dir["started-once"];
        _dir.Write(".github/workflows/slow.yml", $$"""
            on: push
            jobs:
              slow:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      if [ ! -e "{{marker}}" ]; then touch "{{marker}}"; echo first-attempt; sleep 90; fi
                      echo second-attempt
            """);
        var sha = Commit("a slow pipeline");
        await Eventually.UntilAsync(() => File.Exists(marker), () => "the job's first attempt starting; serve printed:\n" + _serve!.Output);

        await _serve!.KillAsync(); // SIGKILL: the embedded worker dies with it, its lease is left behind
        await StartServeAsync();

        var run = await CompletedRunAsync(sha);
        Assert.Equal(Conclusions.Success, run.Conclusion);
        await using var store = new SqliteRunStore(Path.Combine(State, "catalytic.db"));
        var job = Assert.Single(await store.ListJobsAsync(run.Id));
        Assert.Equal((Conclusions.Success, 2), (job.Conclusion, job.Attempt));
        var log = await LogAsync(store, job);
        Assert.Contains("first-attempt", log, StringComparison.Ordinal);
        Assert.Contains("was lost: the server restarted", log, StringComparison.Ordinal);
        Assert.Contains("second-attempt", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoServes_OnOnePostgres_BothHandOutJobs_EachJobOnce_OneRunPerCommit()
    {
        var cs = Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES");
        Assert.SkipWhen(string.IsNullOrEmpty(cs), "CATALYTIC_TEST_POSTGRES is not set (./test.sh starts PostgreSQL)");
        var schema = "runs_" + Guid.NewGuid().ToString("N")[..10];
        var conn = cs + ";Search Path=" + schema;
        // Both servers watch the same repository (their configurations are in it) with states and edges of their own.
        _dir.Write("second.yml", File.ReadAllText(_dir["catalytic.yml"]).Replace(
            File.ReadAllText(_dir["catalytic.yml"]).Split("listen: ")[1].Trim(), $"127.0.0.1:{Ports.FreeTcpPort()}", StringComparison.Ordinal));
        Commit("a second server's configuration");
        await using var storeHolder = new PostgresSchemaDrop(cs!, schema);
        await StartServeAsync(["--postgres", conn]);
        await using var second = await StartServeAsync(_dir[".catalytic-2"], ["--postgres", conn, "--config", "second.yml"]);
        var jobs = string.Concat(Enumerable.Range(1, 8).Select(i => $"  j{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 2; echo job-{i}-ran\n"));
        _dir.Write(".github/workflows/fan.yml", "on: push\njobs:\n" + jobs);
        var sha = Commit("eight jobs");

        await using var store = new PostgresRunStore(cs!, schema);
        RunRecord? run = null;
        await Eventually.UntilAsync(async () =>
        {
            run = (await store.ListRunsAsync(new RunQuery())).FirstOrDefault(r => r.Sha == sha);
            return run?.Status == RunStatuses.Completed;
        }, () => $"a completed run of {sha} ({run?.Status ?? "none"}); first serve:\n{_serve!.Output}\nsecond serve:\n{second.Output}", TimeSpan.FromMinutes(3));

        Assert.Single(await store.ListRunsAsync(new RunQuery()), r => r.Sha == sha); // both servers saw the commit: one run
        Assert.Equal(Conclusions.Success, run!.Conclusion);
        var rows = await store.ListJobsAsync(run.Id);
        Assert.Equal(8, rows.Count);
        Assert.All(rows, j => Assert.Equal((Conclusions.Success, 1), (j.Conclusion, j.Attempt)));
        foreach (var row in rows)
        {
            var log = await LogAsync(store, row);
            Assert.Single(log.Split('\n'), l => l == $"{row.Key.Replace("j", "job-", StringComparison.Ordinal)}-ran");
        }

        Assert.Equal(2, rows.Select(j => j.Worker).Distinct().Count()); // each server's embedded worker ran some
    }

    [Fact]
    public async Task RepositoriesSection_ARemoteRepositoryByUrl_IsPolled_AndItsPushRunsInTheServersClone()
    {
        using var remote = new TempFolder("serve-remote");
        GitIn(remote.Path, "init", "-q", "--bare", "-b", "main", "api.git");
        var work = remote["work"];
        GitIn(remote.Path, "clone", "-q", remote["api.git"], "work");
        File.WriteAllText(Path.Combine(work, "README"), "api\n");
        GitIn(work, "add", "-A");
        GitIn(work, "commit", "-q", "-m", "first");
        GitIn(work, "push", "-q", "origin", "main");
        _dir.Write("catalytic.yml", File.ReadAllText(_dir["catalytic.yml"]) + $$"""

            repositories:
              api:
                url: file://{{remote["api.git"]}}
                poll: 1s
                branches: [main]
            """);
        await StartServeAsync();
        using var http = Api();
        await Eventually.UntilAsync(async () =>
            JsonNode.Parse(await http.GetStringAsync(new Uri("api/repositories", UriKind.Relative)))?.AsArray()
                .FirstOrDefault(r => r?["name"]?.GetValue<string>() == "api")?["last_fetch"] is not null,
            () => "the api repository's first fetch; serve printed:\n" + _serve!.Output);

        Directory.CreateDirectory(Path.Combine(work, ".github", "workflows"));
        File.WriteAllText(Path.Combine(work, ".github", "workflows", "ci.yml"), """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "api built from $(cat README) on $GITHUB_REF in $GITHUB_REPOSITORY"
            """);
        GitIn(work, "add", "-A");
        GitIn(work, "commit", "-q", "-m", "a pipeline");
        GitIn(work, "push", "-q", "origin", "main");
        var sha = GitIn(work, "rev-parse", "HEAD").Trim();

        var run = await CompletedRunAsync(sha);
        Assert.Equal(("api", Conclusions.Success, "refs/heads/main"), (run.Repository, run.Conclusion, run.Ref));
        await using var store = new SqliteRunStore(Path.Combine(State, "catalytic.db"));
        var job = Assert.Single(await store.ListJobsAsync(run.Id));
        Assert.Contains("api built from api on refs/heads/main", await LogAsync(store, job), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepositoriesSection_WithAnError_StopsServe_NamingFileLineAndColumn()
    {
        _dir.Write("catalytic.yml", File.ReadAllText(_dir["catalytic.yml"]) + "\nrepositories:\n  api: {url: file:///x, poll: never}\n");
        var serve = await CatalyticProcess.RunAsync(_dir.Path, ["serve", "--state", State]);
        Assert.NotEqual(0, serve.Code);
        Assert.Matches(@"catalytic\.yml:\d+:31: repositories\.api\.poll must be an interval", serve.Err + serve.Out);
    }

    private async Task<RunRecord> CompletedRunAsync(string sha)
    {
        await using var store = new SqliteRunStore(Path.Combine(State, "catalytic.db"));
        RunRecord? run = null;
        await Eventually.UntilAsync(async () =>
        {
            run = (await store.ListRunsAsync(new RunQuery())).FirstOrDefault(r => r.Sha == sha);
            return run?.Status == RunStatuses.Completed;
        }, () => $"a completed run of {sha} (the run: {run?.Status ?? "none"} {run?.Reason}); serve printed:\n" + _serve!.Output, TimeSpan.FromMinutes(3));
        return run!;
    }

    private static Task<string> LogAsync(IRunStore store, JobRecord job) => StoredLog.TextAsync(store.ReadLogAsync(job.Id, null, 0), c => c.Data);

    private async Task StartServeAsync(IReadOnlyList<string>? args = null)
    {
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        _serve = await StartServeAsync(State, args ?? []);
    }

    private async Task<CatalyticProcess.Running> StartServeAsync(string state, IReadOnlyList<string> args)
    {
        Directory.CreateDirectory(state);
        File.Delete(Path.Combine(state, ServerFiles.Info));
        var serve = CatalyticProcess.Start(_dir.Path, ["serve", "--worker-capacity", "2", "--state", state, .. args]);
        await Eventually.UntilAsync(() =>
        {
            Assert.False(serve.Process.HasExited, "catalytic serve exited:\n" + serve.Output);
            try
            {
                // Written once the API listens; read whole (a read may meet it half-written).
                return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(state, ServerFiles.Info)), ApiJson.Default.ServerInfo) is not null;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                return false;
            }
        }, () => "catalytic serve writing server.json; it printed:\n" + serve.Output);

        // The first scan adopts the repository as it is; only commits after it start runs.
        using var http = Api(state);
        await Eventually.UntilAsync(async () =>
            JsonNode.Parse(await http.GetStringAsync(new Uri("api/repositories", UriKind.Relative)))?.AsArray().FirstOrDefault()?["last_fetch"] is not null,
            () => "the served repository's first scan; serve printed:\n" + serve.Output);
        return serve;
    }

    private string Commit(string message)
    {
        Git("add", "-A");
        Git("commit", "-q", "-m", message);
        return Git("rev-parse", "HEAD").Trim();
    }

    private string Git(params string[] args) => GitIn(_dir.Path, args);

    private static string GitIn(string directory, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = "Ada", ["GIT_AUTHOR_EMAIL"] = "ada@example.com", ["GIT_COMMITTER_NAME"] = "Ada",
            ["GIT_COMMITTER_EMAIL"] = "ada@example.com", ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1",
        })
        {
            psi.Environment[k] = v;
        }

        var r = ProcessRun.Run(psi);
        Assert.True(r.Code == 0, $"git {string.Join(' ', args)}: {r.Err}");
        return r.Out;
    }
}
