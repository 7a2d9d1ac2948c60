using System.Globalization;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Pipelines.Tests.Schedules;

public sealed class ScheduleTests
{
    private const string Nightly = "on:\n  schedule:\n    - cron: '0 3 * * *'\n  push:\n    branches: [nope]\njobs:\n  n:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo night\n";
    private const string EveryMinute = "on:\n  schedule:\n    - cron: '* * * * *'\njobs:\n  n:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo tick\n";

    private static DateTimeOffset At(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Cron_FiresOnTheFakeClock_InUtc_WithGithubEventSchedule()
    {
        using var repo = new TestRepository();
        var sha = repo.Commit("add the nightly build\n\nIt runs at three.", (".github/workflows/nightly.yml", Nightly));
        var time = new FakeTimeProvider(At("2026-03-01T02:58:00Z"));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }], time: time);
        await Wait.UntilAsync(() => h["app"].Schedules.Current.Count == 1, "the schedule read from the default branch");
        Assert.Equal(At("2026-03-01T03:00:00Z"), h["app"].Schedules.Current[0].Next);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(h.Queue.Runs);
        time.Advance(TimeSpan.FromMinutes(1));
        var run = (await h.Queue.WaitAsync(r => r.Count == 1, "the 03:00 run"))[0];
        Assert.Equal(("schedule", "refs/heads/main", sha, "local"), (run.EventName, run.Ref, run.Sha, run.Actor));
        Assert.Equal("0 3 * * *", run.Payload["schedule"]!.GetValue<string>());
        Assert.Equal(At("2026-03-01T03:00:00Z"), run.ScheduledFor);
        // No payload carries a commit message for a schedule: it is read from the repository at the run's sha.
        Assert.Equal("add the nightly build\n\nIt runs at three.", run.CommitMessage);

        time.Advance(TimeSpan.FromDays(1));
        await h.Queue.WaitAsync(r => r.Count == 2, "the next night's run");
        Assert.Equal(At("2026-03-02T03:00:00Z"), h.Queue.Runs[1].ScheduledFor);
    }

    [Fact]
    public async Task MissedWhileDown_FiresOnceOnStart_NotOncePerMissedOccurrence()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/tick.yml", EveryMinute));
        var queue = new RecordingQueue();
        queue.SetLastFired("app", ".github/workflows/tick.yml", "* * * * *", At("2026-03-01T10:00:00Z"));
        var time = new FakeTimeProvider(At("2026-03-01T13:30:30Z"));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }], queue, time);

        var run = (await queue.WaitAsync(r => r.Count == 1, "the missed schedule's one run"))[0];
        Assert.Equal(At("2026-03-01T13:30:00Z"), run.ScheduledFor);
        await Wait.UntilAsync(() => h["app"].Schedules.Current.Single().Next == At("2026-03-01T13:31:00Z"), "the next occurrence planned");
        Assert.Single(queue.Runs);
    }

    [Fact]
    public async Task TwoServers_OneStore_FireEachOccurrenceOnce()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/nightly.yml", Nightly));
        var queue = new RecordingQueue();
        var time = new FakeTimeProvider(At("2026-03-01T02:59:00Z"));
        var state2 = Path.Combine(repo.Root, "state2");
        await using var a = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }], queue, time);
        await using var b = await Harness.StartAsync(state2, [new RepositoryDefinition { Name = "app", Path = repo.Path }], queue, time);
        await Wait.UntilAsync(() => a["app"].Schedules.Current.Count == 1 && b["app"].Schedules.Current.Count == 1, "both servers' schedules");

        time.Advance(TimeSpan.FromMinutes(1));
        await Wait.UntilAsync(() => queue.Submitted.Count == 2, "both servers firing the occurrence");
        Assert.Single(queue.Runs);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task RealOneMinuteCron_FiresOnTheSystemClock()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/tick.yml", EveryMinute));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }]);
        var run = (await h.Queue.WaitAsync(r => r.Count >= 1, "a real minute's run", TimeSpan.FromMinutes(3)))[0];
        Assert.Equal(0, run.ScheduledFor!.Value.Second);
        Assert.Equal("* * * * *", run.Schedule);
    }
}
