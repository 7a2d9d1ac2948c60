using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Tests.Support;

namespace Catalytic.Pipelines.Tests.Triggers;

/// <summary>
/// Branches as GitHub sees them: a push that creates a branch says so (<c>before</c> 40 zeros, <c>created</c>), and a
/// local repository's default branch is what git says of it, not whichever branch its work tree has checked out.
/// </summary>
public sealed class BranchTriggerTests
{
    private static readonly string Zeros = new('0', 40);

    private static RepositoryDefinition Local(TestRepository repo) => new() { Name = "app", Path = repo.Path };

    [Fact]
    public async Task NewBranch_WithACommit_IsAPushWithBeforeZeros_AndCreated_AsOnGithub()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);

        // The commit is made first (detached: no branch moves), then the branch is created at it: one push, as a
        // `git push origin feature` of a new branch with a new commit is.
        repo.Git("checkout", "-q", "--detach");
        var sha = repo.Commit("on the new branch", ("f.txt", "f"));
        repo.Git("branch", "feature", sha);
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "a run for the new branch"))[0];

        Assert.Equal(("refs/heads/feature", sha), (run.Ref, run.Sha));
        Assert.Equal(Zeros, run.Payload["before"]!.GetValue<string>());
        Assert.Equal(sha, run.Payload["after"]!.GetValue<string>());
        Assert.True(run.Payload["created"]!.GetValue<bool>());
        Assert.False(run.Payload["deleted"]!.GetValue<bool>());
        Assert.False(run.Payload["forced"]!.GetValue<bool>());
        Assert.Equal(sha, run.Payload["commits"]![0]!["id"]!.GetValue<string>()); // the commit no other ref had
        Assert.Equal($"push:app:refs/heads/feature:{Zeros}:{sha}:.github/workflows/ci.yml", run.DeduplicationKey);

        // The next push to it is no longer a creation.
        repo.Git("checkout", "-q", "feature");
        var next = repo.Commit("again", ("f.txt", "g"));
        var second = (await h.Queue.WaitAsync(r => r.Count == 2, "a run for the second push"))[1];
        Assert.Equal((sha, next, false), (second.Payload["before"]!.GetValue<string>(), second.Payload["after"]!.GetValue<string>(), second.Payload["created"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task LocalRepository_OnAFeatureBranch_ItsDefaultBranchIsStillMain()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        repo.Git("checkout", "-q", "-b", "feature");
        repo.Commit("work in progress", ("w.txt", "w"));
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);

        Assert.Equal("main", await DefaultBranchAsync(h));
    }

    [Fact]
    public async Task LocalRepository_WithInitDefaultBranch_ThatBranchIsTheDefault_NotTheCheckedOutOne()
    {
        using var repo = new TestRepository(branch: "trunk");
        repo.Git("config", "init.defaultBranch", "trunk");
        repo.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        repo.Git("checkout", "-q", "-b", "feature");
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);

        Assert.Equal("trunk", await DefaultBranchAsync(h));
    }

    [Fact]
    public async Task LocalClone_ItsDefaultBranchIsOriginsHead()
    {
        using var upstream = new TestRepository(branch: "develop");
        upstream.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        using var holder = new TestRepository();
        var clone = Path.Combine(holder.Root, "clone");
        TestRepository.Run(holder.Root, "clone", "-q", upstream.Path, clone);
        TestRepository.Run(clone, "checkout", "-q", "-b", "feature");
        await using var h = await Harness.StartAsync(holder.State, [new RepositoryDefinition { Name = "app", Path = clone }]);

        Assert.Equal("develop", await DefaultBranchAsync(h)); // origin/HEAD, though the clone has feature checked out
    }

    [Fact]
    public async Task BareLocalRepository_ItsDefaultBranchIsItsHead()
    {
        using var bare = new TestRepository(bare: true, branch: "stable");
        using var work = new TestRepository();
        work.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        work.Git("push", "-q", bare.Path, "main:stable", "main:main");
        await using var h = await Harness.StartAsync(bare.State, [Local(bare)]);

        Assert.Equal("stable", await DefaultBranchAsync(h));
    }

    private static async Task<string?> DefaultBranchAsync(Harness h)
    {
        await Wait.UntilAsync(() => h["app"].Status.DefaultBranch is not null, "the repository's default branch");
        return h["app"].Status.DefaultBranch;
    }
}
