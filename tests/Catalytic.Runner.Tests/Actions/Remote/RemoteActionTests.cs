using Catalytic.Runner.Tests.Execution;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;

namespace Catalytic.Runner.Tests.Actions.Remote;

/// <summary>
/// Remote actions (<c>uses: owner/repo[/path]@ref</c>) fetched from a real git server on loopback (<see cref="GitDaemon"/>),
/// cached by commit in the state folder: what is fetched, what is not (the server's access log), SHA pins, moved tags,
/// offline use and the errors.
/// </summary>
public sealed class RemoteActionTests : IAsyncLifetime
{
    private const string JsAction = """
        name: stamp
        inputs:
          text:
            description: what to write
        runs:
          using: node20
          main: index.js
        """;

    private const string CompositeAction = """
        name: greet
        inputs:
          who:
            description: whom
        runs:
          using: composite
          steps:
            - run: echo "hello ${{ inputs.who }} from greet" >> greet.txt
              shell: sh
        """;

    private readonly TempRepo _repo = new();
    private GitDaemon _server = null!;
    private TempGitRepository _tools = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await GitDaemon.StartAsync();
        _tools = await TempGitRepository.CreateAsync("tools");
        await _tools.CommitAsync("v1", new Dictionary<string, string>
        {
            ["action.yml"] = JsAction,
            ["index.js"] = "require('fs').writeFileSync('stamp.txt', 'v1:' + process.env.INPUT_TEXT);\n",
            ["greet/action.yml"] = CompositeAction,
        });
        await _tools.GitAsync("tag", "v1");
        await _server.PublishAsync("acme", "tools", _tools);
    }

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        _tools.Dispose();
        _repo.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Workflow(string version) => $$"""
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: acme/tools@{{version}}
                with:
                  text: stamped
              - uses: acme/tools/greet@{{version}}
                with:
                  who: world
        """;

    private Task<RunResult> RunAsync(string yaml, TimeSpan? maxAge = null, params string[] urls) =>
        _repo.RunAsync(
            yaml,
            o => o with { ActionsUrls = urls.Length > 0 ? urls : [_server.Url], ActionRefsMaxAge = maxAge ?? TimeSpan.FromHours(1) },
            cancellationToken: TestContext.Current.CancellationToken);

    private string Stamp => File.ReadAllText(Path.Combine(_repo.Root, "stamp.txt"));

    [Fact]
    public async Task RemoteJavaScriptAndCompositeActions_AreFetchedOnce_AndTheSecondRunFetchesNothing()
    {
        var first = await RunAsync(Workflow("v1"));
        Assert.True(first.Job("j").Result == "success", first.Output);
        Assert.Equal("v1:stamped", Stamp);
        Assert.Contains("hello world from greet", File.ReadAllText(Path.Combine(_repo.Root, "greet.txt")), StringComparison.Ordinal);
        var commit = (await _tools.GitAsync("rev-parse", "v1")).Trim();
        Assert.Contains($"Download action repository 'acme/tools@v1' (SHA:{commit}) from {_server.Url}", first.Output, StringComparison.Ordinal);

        // One repository at one ref: fetched once for both steps (the action at the root and the one in greet/).
        Assert.Single(_server.Requests);
        Assert.Equal("/acme/tools", _server.Requests[0]);
        Assert.True(File.Exists(Path.Combine(_repo.State, "actions", "acme", "tools", commit, "greet", "action.yml")));

        var second = await RunAsync(Workflow("v1"));
        Assert.True(second.Job("j").Result == "success", second.Output);
        Assert.Contains($"Action repository 'acme/tools@v1' (SHA:{commit}) from the cache", second.Output, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task FullSha_IsVerifiedAndServedFromTheCacheWithoutAsking_AndAnUnknownShaFailsSayingSo()
    {
        var commit = (await _tools.GitAsync("rev-parse", "HEAD")).Trim();
        var pinned = await RunAsync(Workflow(commit));
        Assert.True(pinned.Job("j").Result == "success", pinned.Output);
        Assert.Equal("v1:stamped", Stamp);
        var asked = _server.Requests.Count;

        var again = await RunAsync(Workflow(commit), TimeSpan.Zero);
        Assert.True(again.Job("j").Result == "success", again.Output);
        Assert.Equal(asked, _server.Requests.Count);

        var unknown = new string('a', 40);
        var missing = await RunAsync(Workflow(unknown));
        Assert.Equal("failure", missing.Job("j").Result);
        Assert.Contains($"commit {unknown} does not exist in acme/tools", missing.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "greet.txt")) && File.ReadAllText(Path.Combine(_repo.Root, "greet.txt")).Contains(unknown, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MovedTag_IsFetchedAgainOnceDue_AndAnUnmovedOneIsOnlyAsked()
    {
        var first = await RunAsync(Workflow("v1"));
        Assert.True(first.Job("j").Result == "success", first.Output);

        // Asked again (max age zero) and unmoved: the server sees an ls-remote, the cache serves the tree.
        var unmoved = await RunAsync(Workflow("v1"), TimeSpan.Zero);
        Assert.True(unmoved.Job("j").Result == "success", unmoved.Output);
        Assert.Equal(2, _server.Requests.Count);
        Assert.DoesNotContain("Download action repository", unmoved.Output, StringComparison.Ordinal);

        var old = (await _tools.GitAsync("rev-parse", "v1")).Trim();
        var moved = await _tools.CommitAsync("v1.1", new Dictionary<string, string> { ["index.js"] = "require('fs').writeFileSync('stamp.txt', 'v2:' + process.env.INPUT_TEXT);\n" });
        await _tools.GitAsync("tag", "-f", "v1");
        await _server.PublishAsync("acme", "tools", _tools);

        // Within the hour a resolved tag is not asked: still the old commit.
        var cached = await RunAsync(Workflow("v1"));
        Assert.Equal("v1:stamped", Stamp);
        Assert.True(cached.Job("j").Result == "success", cached.Output);

        var refreshed = await RunAsync(Workflow("v1"), TimeSpan.Zero);
        Assert.True(refreshed.Job("j").Result == "success", refreshed.Output);
        Assert.Equal("v2:stamped", Stamp);
        Assert.Contains($"v1 moved from {old[..12]} to {moved[..12]}", refreshed.Output, StringComparison.Ordinal);
        Assert.Contains($"(SHA:{moved})", refreshed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_TheLastResolvedCommitIsUsedWithAWarning_AndNothingCachedFailsNamingTheSource()
    {
        var first = await RunAsync(Workflow("v1"));
        Assert.True(first.Job("j").Result == "success", first.Output);
        var url = _server.Url;
        _server.Stop();

        var offline = await RunAsync(Workflow("v1"), TimeSpan.Zero);
        Assert.True(offline.Job("j").Result == "success", offline.Output);
        Assert.Contains("no source could be reached", offline.Output, StringComparison.Ordinal);
        Assert.Contains("using the cached commit", offline.Output, StringComparison.Ordinal);

        var never = await RunAsync(Workflow("v9"));
        Assert.Equal("failure", never.Job("j").Result);
        Assert.Contains("action 'acme/tools@v9' is not available: Unable to resolve action `acme/tools@v9`", never.Output, StringComparison.Ordinal);
        Assert.Contains(url + "/acme/tools", never.Output, StringComparison.Ordinal);
        Assert.Contains("--action-dir acme/tools@v9=PATH", never.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingRepositoryOrVersion_FailsTheJobBeforeItsFirstStep_WithGitHubsWording()
    {
        var yaml = """
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: echo first > first.txt
                  - uses: acme/nothing@v1
            """;
        var noRepo = await RunAsync(yaml);
        Assert.Equal("failure", noRepo.Job("j").Result);
        Assert.Contains("Unable to resolve action `acme/nothing@v1`, repository not found", noRepo.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "first.txt")), "the job's first step ran although an action could not be had");

        var noTag = await RunAsync(Workflow("v7"));
        Assert.Equal("failure", noTag.Job("j").Result);
        Assert.Contains("Unable to resolve action `acme/tools@v7`, unable to find version `v7`", noTag.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SourcesAreTriedInOrder_AndActionDirStillWins()
    {
        using var empty = new TempFolder("no-actions");
        var fromSecond = await RunAsync(Workflow("v1"), null, "file://" + empty.Path, _server.Url);
        Assert.True(fromSecond.Job("j").Result == "success", fromSecond.Output);
        Assert.Contains($"from {_server.Url}", fromSecond.Output, StringComparison.Ordinal);

        using var local = new TempFolder("mapped");
        local.Write("action.yml", "name: mapped\nruns:\n  using: composite\n  steps:\n    - run: echo mapped > stamp.txt\n      shell: sh\n");
        var (map, errors) = Catalytic.Runner.Actions.Local.ActionDirectoryMap.Create([("acme/tools@v1", local.Path)], _repo.Root);
        Assert.Empty(errors);
        var asked = _server.Requests.Count;
        var mapped = await _repo.RunAsync(
            "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/tools@v1\n",
            o => o with { ActionsUrls = [_server.Url], ActionDirectories = map, ActionRefsMaxAge = TimeSpan.Zero },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(mapped.Job("j").Result == "success", mapped.Output);
        Assert.Equal("mapped", Stamp.Trim());
        Assert.Equal(asked, _server.Requests.Count);
    }

    [Fact]
    public async Task Cli_ActionsUrlOptionAndCatalyticYml_FetchFromTheServer_AndBadValuesAreUsageErrorsWithTheirPosition()
    {
        _repo.WriteWorkflow(Workflow("v1"));
        var (code, stdout, stderr) = await _repo.RunCliAsync("run", "--actions-url", _server.Url);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("Download action repository 'acme/tools@v1'", stdout + stderr, StringComparison.Ordinal);
        Assert.Single(_server.Requests);

        File.WriteAllText(Path.Combine(_repo.Root, "catalytic.yml"), $"actions-url:\n  - file:///nowhere\n  - {_server.Url}\n");
        (code, stdout, stderr) = await _repo.RunCliAsync("run", "--refresh-actions");
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(2, _server.Requests.Count);

        (code, _, stderr) = await _repo.RunCliAsync("run", "--actions-url", "ftp://example.com");
        Assert.Equal(2, code);
        Assert.Contains("--actions-url: 'ftp://example.com': git does not clone over ftp://", stderr, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(_repo.Root, "catalytic.yml"), "actions-url:\n  - https://ok.example\n  - {a: b}\n  - -oProxyCommand=x\n");
        (code, _, stderr) = await _repo.RunCliAsync("run");
        Assert.Equal(2, code);
        Assert.Contains("catalytic.yml:3:5: actions-url: each entry must be a URL (a string)", stderr, StringComparison.Ordinal);
        Assert.Contains("catalytic.yml:4:5: actions-url: '-oProxyCommand=x' is not a URL git can clone from", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpSourceWithCredentials_GetsTheTokenFromSecrets_AndTheTokenAppearsNowhere()
    {
        const string Token = "s3cr3t-actions-token";
        using var http = GitHttpServer.Start(_server.Root, "x-access-token", Token);

        var without = await RunAsync(Workflow("v1"), null, http.Url);
        Assert.Equal("failure", without.Job("j").Result);
        Assert.Contains(http.Log, l => l.EndsWith(" 401 auth=none", StringComparison.Ordinal));

        var with = await _repo.RunAsync(
            Workflow("v1"),
            o => o with { ActionsUrls = [http.Url], Secrets = new Dictionary<string, string> { ["CATALYTIC_ACTIONS_TOKEN"] = Token } },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(with.Job("j").Result == "success", with.Output + "\n" + string.Join("\n", http.Log));
        Assert.Equal("v1:stamped", Stamp);
        Assert.Contains(http.Log, l => l.StartsWith("POST /acme/tools/git-upload-pack", StringComparison.Ordinal) && l.EndsWith(" 200", StringComparison.Ordinal));
        Assert.DoesNotContain(Token, with.Output + with.Json, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFiles(_repo.State, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task JobRunByAnotherProcess_FetchesFromTheSourcesItsSpecCarries()
    {
        var worker = new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "catalytic.dll"), "__run-job" };
        var r = await _repo.RunAsync(
            Workflow("v1"),
            o => o with { ActionsUrls = [_server.Url], JobWorker = worker },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Equal("v1:stamped", Stamp);
        Assert.Contains($"Download action repository 'acme/tools@v1'", r.Output, StringComparison.Ordinal);
        Assert.Equal(["/acme/tools"], _server.Requests);
    }
}
