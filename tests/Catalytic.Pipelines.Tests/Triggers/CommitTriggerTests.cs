using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Pipelines.Tests.Triggers;

public sealed class CommitTriggerTests
{
    internal const string PushAll = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

    private static RepositoryDefinition Local(TestRepository repo, string name = "app") => new() { Name = name, Path = repo.Path };

    [Fact]
    public async Task Commit_OnABranch_StartsTheWorkflowsOfItsPush_WithGithubsPayload()
    {
        using var repo = new TestRepository();
        var first = repo.Commit("init", (".github/workflows/ci.yml", PushAll));
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);
        Assert.Empty(h.Queue.Runs);

        var second = repo.Commit("change a file", ("src/a.txt", "a"));
        var runs = await h.Queue.WaitAsync(r => r.Count == 1, "a run for the commit");

        var run = runs[0];
        Assert.Equal(("app", ".github/workflows/ci.yml", "push", "refs/heads/main", second, "commit"),
            (run.Repository, run.WorkflowPath, run.EventName, run.Ref, run.Sha, run.Source));
        Assert.Equal(PushAll, run.WorkflowText);
        Assert.Equal(first, run.Payload["before"]!.GetValue<string>());
        Assert.Equal(second, run.Payload["after"]!.GetValue<string>());
        Assert.False(run.Payload["created"]!.GetValue<bool>());
        Assert.False(run.Payload["forced"]!.GetValue<bool>());
        Assert.Equal("change a file", run.Payload["head_commit"]!["message"]!.GetValue<string>());
        Assert.Equal("src/a.txt", run.Payload["commits"]![0]!["added"]![0]!.GetValue<string>());
        Assert.Equal("local/app", run.Payload["repository"]!["full_name"]!.GetValue<string>());
        Assert.Equal("Ada", run.Actor);
        Assert.Empty(run.WorkflowErrors);
        Assert.Equal($"push:app:refs/heads/main:{first}:{second}:.github/workflows/ci.yml", run.DeduplicationKey);
    }

    [Fact]
    public async Task Tag_NewBranch_AndDeletedRef_StartWhatGithubStarts()
    {
        using var repo = new TestRepository();
        var head = repo.Commit("init", (".github/workflows/ci.yml", PushAll));
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);

        repo.Git("tag", "-a", "v1.0.0", "-m", "release");
        var tagRun = (await h.Queue.WaitAsync(r => r.Count == 1, "a run for the tag"))[0];
        Assert.Equal(("refs/tags/v1.0.0", head), (tagRun.Ref, tagRun.Sha));
        Assert.True(tagRun.Payload["created"]!.GetValue<bool>());
        Assert.Equal(new string('0', 40), tagRun.Payload["before"]!.GetValue<string>());
        Assert.NotEqual(head, tagRun.Payload["after"]!.GetValue<string>()); // the tag object, as GitHub sends it
        Assert.Equal("refs/heads/main", tagRun.Payload["base_ref"]!.GetValue<string>());

        repo.Git("branch", "feature");
        var branchRun = (await h.Queue.WaitAsync(r => r.Count == 2, "a run for the new branch"))[1];
        Assert.Equal(("refs/heads/feature", head), (branchRun.Ref, branchRun.Sha));
        Assert.Empty(branchRun.Payload["commits"]!.AsArray()); // no commit that another ref did not have

        repo.Git("branch", "-D", "feature");
        repo.Git("tag", "-d", "v1.0.0");
        repo.Commit("after the deletions", ("x", "x"));
        var after = await h.Queue.WaitAsync(r => r.Count == 3, "a run for the commit after the deletions");
        Assert.Equal("refs/heads/main", after[2].Ref);
        await Wait.UntilAsync(() => h["app"].Mirror.SeenAsync(default).Result.Refs.Count == 1, "the deleted refs leaving the mirror");
        Assert.Equal(3, h.Queue.Runs.Count);
    }

    [Fact]
    public async Task ForcedPush_IsAPushWithForced_AndAmendedCommitRuns()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", PushAll));
        var old = repo.Commit("to be amended", ("a", "1"));
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);

        repo.Git("commit", "-q", "--amend", "-m", "amended");
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "a run for the amended commit"))[0];
        Assert.True(run.Payload["forced"]!.GetValue<bool>());
        Assert.Equal(old, run.Payload["before"]!.GetValue<string>());
    }

    [Fact]
    public async Task PushedIntoTheRepository_FromAnotherClone_StartsARun()
    {
        using var repo = new TestRepository(bare: true);
        using var clone = new TestRepository();
        clone.Commit("init", (".github/workflows/ci.yml", PushAll));
        clone.Git("push", "-q", repo.Path, "main");
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);

        var sha = clone.Commit("second", ("b", "b"));
        clone.Git("push", "-q", repo.Path, "main");
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "a run for the pushed commit"))[0];
        Assert.Equal(sha, run.Sha);
    }

    [Fact]
    public async Task LostNotifications_ThePollCatchesUp()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", PushAll));
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var definition = Local(repo) with { Poll = TimeSpan.FromSeconds(10) };
        await using var h = await Harness.StartAsync(repo.State, [definition], time: time, notifications: false);

        var sha = repo.Commit("unnoticed", ("a", "a"));
        var scans = h["app"].Scans;
        await Wait.UntilAsync(() => h["app"].Scans == scans, "a quiet loop");
        Assert.Empty(h.Queue.Runs); // no notification, and the poll has not come yet

        time.Advance(TimeSpan.FromSeconds(10));
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "the poll finding the commit"))[0];
        Assert.Equal(sha, run.Sha);
    }

    [Fact]
    public async Task ChangesWhileTheServerWasDown_RunOnStart_AndNothingRunsTwice()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", PushAll));
        var queue = new RecordingQueue();
        await using (var h = await Harness.StartAsync(repo.State, [Local(repo)], queue))
        {
            repo.Commit("while up", ("a", "a"));
            await queue.WaitAsync(r => r.Count == 1, "a run while up");
        }

        var down = repo.Commit("while down", ("b", "b"));
        await using (var h = await Harness.StartAsync(repo.State, [Local(repo)], queue))
        {
            await queue.WaitAsync(r => r.Count == 2, "the run of the commit made while down");
            Assert.Equal(down, queue.Runs[1].Sha);
        }

        await using (var h = await Harness.StartAsync(repo.State, [Local(repo)], queue))
        {
            h["app"].RequestScan();
            var scans = h["app"].Scans;
            await Wait.UntilAsync(() => h["app"].Scans > scans, "another scan");
        }

        Assert.Equal(2, queue.Runs.Count);
        Assert.Equal(2, queue.Submitted.Count);
    }

    [Fact]
    public async Task QueueDown_TheChangeStaysUnseen_AndRunsOnceTheQueueIsBack()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", PushAll));
        await using var h = await Harness.StartAsync(repo.State, [Local(repo)]);
        h.Queue.Refuse = "database is locked";

        var scans = h["app"].Scans;
        var sha = repo.Commit("queued later", ("a", "a"));
        await Wait.UntilAsync(() => h["app"].Status.Reason?.Contains("database is locked", StringComparison.Ordinal) == true, "the refusal recorded");
        Assert.Empty(h.Queue.Runs);

        h.Queue.Refuse = null;
        h["app"].RequestScan();
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "the run once the queue is back"))[0];
        Assert.Equal(sha, run.Sha);
        Assert.True(h["app"].Scans > scans);
    }
}
