using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Tests.Support;

namespace Catalytic.Pipelines.Tests.Triggers;

public sealed class FilterTests
{
    private const string DocsOnly = "on:\n  push:\n    paths: ['docs/**']\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo docs\n";
    private const string MainOnly = "on:\n  push:\n    branches: [main]\n    tags: ['v*']\njobs:\n  m:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo main\n";

    [Fact]
    public async Task PathsAndBranches_ApplyAsCatalyticRunAppliesThem()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/docs.yml", DocsOnly), (".github/workflows/main.yml", MainOnly));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }]);

        repo.Commit("code", ("src/a.cs", "a"));
        var runs = await h.Queue.WaitAsync(r => r.Count == 1, "main.yml for the code change");
        Assert.Equal(".github/workflows/main.yml", runs[0].WorkflowPath);

        repo.Commit("docs", ("docs/readme.md", "d"));
        runs = await h.Queue.WaitAsync(r => r.Count == 3, "both workflows for the docs change");
        Assert.Equal([".github/workflows/docs.yml", ".github/workflows/main.yml"], runs.Skip(1).Select(r => r.WorkflowPath).Order());

        // A new branch: compared with the parent of its oldest commit no other ref has (GitHub's rule for paths).
        repo.Git("checkout", "-q", "-b", "topic");
        repo.Commit("topic docs", ("docs/topic.md", "t"));
        runs = await h.Queue.WaitAsync(r => r.Count == 4, "docs.yml for the new branch's docs commit");
        Assert.Equal(("refs/heads/topic", ".github/workflows/docs.yml"), (runs[3].Ref, runs[3].WorkflowPath));

        // A new branch with no commit of its own changed no file: docs.yml does not run; main.yml filters branches.
        // A tag: path filters are not evaluated for tags (so docs.yml runs), main.yml's tags: filter selects it.
        repo.Git("branch", "empty");
        repo.Git("tag", "v2");
        runs = await h.Queue.WaitAsync(r => r.Count == 6, "both workflows for the tag");
        Assert.All(runs.Skip(4), r => Assert.Equal("refs/tags/v2", r.Ref));
        await Wait.UntilAsync(() => h["app"].Mirror.SeenAsync(default).Result.Refs.ContainsKey("refs/heads/empty"), "the empty branch seen");
        Assert.Equal(6, h.Queue.Runs.Count);
    }

    [Fact]
    public async Task RepositoryBranches_LimitWhichPushesRun()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path, Branches = ["release/**"] }]);

        repo.Commit("on main", ("a", "a"));
        repo.Git("checkout", "-q", "-b", "release/1.x");
        var sha = repo.Commit("on release", ("b", "b"));
        // The watcher may see the branch created at main's commit before the commit on it (GitHub pushes that too):
        // one or two runs, every one for the release branch, the last for its commit; none for main.
        await h.Queue.WaitAsync(r => r.Any(x => x.Sha == sha), "the release branch's run for its commit");
        await Wait.UntilAsync(() => h["app"].Mirror.SeenAsync(default).Result.Refs.ContainsKey("refs/heads/release/1.x"), "the release branch seen");
        Assert.All(h.Queue.Runs, r => Assert.Equal("refs/heads/release/1.x", r.Ref));
        Assert.Equal(sha, h.Queue.Runs[^1].Sha);
    }

    [Fact]
    public async Task InvalidWorkflowFile_BecomesARunWithItsErrors()
    {
        using var repo = new TestRepository();
        repo.Commit("init", ("README", "r"));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }]);

        repo.Commit("broken", (".github/workflows/bad.yml", "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    stepz: []\n"));
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "the failed run of the invalid file"))[0];
        Assert.Equal(".github/workflows/bad.yml", run.WorkflowPath);
        var error = Assert.Single(run.WorkflowErrors, e => e.Contains("stepz", StringComparison.Ordinal));
        Assert.StartsWith(".github/workflows/bad.yml:5:5: error:", error, StringComparison.Ordinal);

        repo.Commit("unreadable", (".github/workflows/bad.yml", "on: [push\n"));
        run = (await h.Queue.WaitAsync(r => r.Count == 2, "the failed run of the unreadable file"))[1];
        Assert.NotEmpty(run.WorkflowErrors);
        Assert.All(run.WorkflowErrors, e => Assert.StartsWith(".github/workflows/bad.yml:", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnfetchableRepository_RecordsWhy_AndLosesNoOtherRepositorysRuns()
    {
        using var good = new TestRepository();
        good.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        var missing = new RepositoryDefinition { Name = "gone", Url = "file://" + Path.Combine(good.Root, "no-such-repo.git") };
        var moved = new RepositoryDefinition { Name = "moved", Path = Path.Combine(good.Root, "nowhere") };
        await using var h = await Harness.StartAsync(good.State, [new RepositoryDefinition { Name = "app", Path = good.Path }, missing, moved]);

        var gone = h["gone"].Status;
        Assert.False(gone.Healthy);
        Assert.Contains("no-such-repo.git", gone.Reason, StringComparison.Ordinal);
        Assert.False(h["moved"].Status.Healthy);
        Assert.Contains("does not exist", h["moved"].Status.Reason, StringComparison.Ordinal);

        var sha = good.Commit("still runs", ("a", "a"));
        Assert.Equal(sha, (await h.Queue.WaitAsync(r => r.Count == 1, "the healthy repository's run"))[0].Sha);
        Assert.True(h["app"].Status.Healthy);
    }

    [Fact]
    public async Task RemoteRepository_OverFileUrl_IsPolledIntoTheServersOwnClone()
    {
        using var remote = new TestRepository(bare: true);
        using var work = new TestRepository();
        var init = work.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        work.Git("push", "-q", remote.Path, "main");
        await using var h = await Harness.StartAsync(work.State, [new RepositoryDefinition { Name = "api", Url = "file://" + remote.Path, Poll = TimeSpan.FromMilliseconds(200) }]);

        var sha = work.Commit("pushed", ("a", "a"));
        work.Git("push", "-q", remote.Path, "main");
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "the polled push"))[0];
        // Once seen under a loaded full run with another sha: the message says which (init {init}, status of the repository).
        Assert.True(sha == run.Sha, $"run {run.EventName} {run.Ref} {run.Sha}, pushed {sha}, init {init}, status {h["api"].Status}");
        Assert.Equal("main", h["api"].Status.DefaultBranch);
        Assert.True(File.Exists(Path.Combine(work.State, "repositories", "api.git", "HEAD")));
        // The clone's own branch moves once the push's runs are queued (the fetch lands in an incoming namespace first).
        var seen = "";
        await Catalytic.Testing.Waiting.Eventually.UntilAsync(
            () => (seen = TestRepository.Run(Path.Combine(work.State, "repositories", "api.git"), "rev-parse", "refs/heads/main")) == sha,
            () => $"the server's clone's main at the pushed {sha} (it is at {seen}; init was {init})");
    }
}
