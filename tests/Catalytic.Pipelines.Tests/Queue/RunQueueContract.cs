using System.Text.Json.Nodes;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Environments;
using Catalytic.Pipelines.Queue;
using Catalytic.Pipelines.Runs;
using Catalytic.Pipelines.Triggers;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Storage.Runs;
using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Catalytic.Pipelines.Tests.Queue;

/// <summary>
/// The run queue on a real store: runs recorded from requests, jobs planned with the runner's planning as their needs
/// end, handed out once under leases, lost workers' jobs re-queued once. Run against SQLite and PostgreSQL alike;
/// leases on a fake clock.
/// </summary>
public abstract class RunQueueContract : IAsyncLifetime
{
    private const string Pipeline = """
        name: CI
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                n: [1, 2]
            outputs:
              v: ${{ steps.s.outputs.v }}
            steps:
              - id: s
                run: echo v=${{ matrix.n }} >> $GITHUB_OUTPUT
          test:
            needs: build
            runs-on: [self-hosted, linux]
            steps:
              - run: echo ${{ needs.build.outputs.v }}
          never:
            needs: test
            if: failure()
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
        """;

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The queue's lease here (serve's default is longer): the tests below count in it.</summary>
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    protected IRunStore Store { get; private set; } = null!;

    protected RunScheduler Scheduler { get; private set; } = null!;

    protected JobDispatcher Dispatcher { get; private set; } = null!;

    protected abstract IRunStore CreateStore();

    /// <summary>Makes the store's runs table what it was before runs kept their commit message.</summary>
    protected abstract Task DropCommitMessageColumnAsync();

    public async ValueTask InitializeAsync()
    {
        Store = CreateStore();
        await Store.InitializeAsync();
        await Store.InitializeAsync(); // idempotent
        var rules = EnvironmentRules.Parse("""
            environments:
              production:
                required-approval: true
                prevent-self-review: true
                branches: [main]
            """, "catalytic.yml");
        Assert.Empty(rules.Errors);
        Scheduler = new RunScheduler(Store, new RunSchedulerOptions { Time = Clock, Environments = () => rules.Rules, LeaseDuration = Lease });
        Dispatcher = new JobDispatcher(Scheduler);
    }

    public virtual async ValueTask DisposeAsync() => await Store.DisposeAsync();

    protected static RunRequest Request(string text = Pipeline, string? key = null) => new()
    {
        Repository = "app",
        WorkflowPath = ".github/workflows/ci.yml",
        WorkflowText = text,
        EventName = "push",
        Payload = new JsonObject { ["repository"] = new JsonObject { ["default_branch"] = "main", ["full_name"] = "local/app" } },
        Ref = "refs/heads/main",
        Sha = new string('a', 40),
        Actor = "ada",
        Source = "commit",
        DeduplicationKey = key,
    };

    protected static WorkerInfo Worker(string name, int capacity = 4) => new(name, RunsOnLabels.Embedded(), capacity);

    private static JobOutcome Outcome(JobAssignment a, string result, Dictionary<string, string>? outputs = null)
    {
        outputs ??= [];
        var report = new JobReport { Id = a.Spec.ReportId, Name = a.Spec.Label, Result = result, Outcome = result, Outputs = new Dictionary<string, string>(outputs) };
        return new JobOutcome(result, result, null, outputs, report);
    }

    [Fact]
    public async Task Enqueue_PlansTheJobsWhoseNeedsAreDone_AndNumbersRunsPerWorkflow()
    {
        var first = await Scheduler.EnqueueAsync(Request());
        var second = await Scheduler.EnqueueAsync(Request());

        Assert.Equal((1, 2), (first.RunNumber, second.RunNumber));
        var run = (await Store.GetRunAsync(first.RunId))!;
        Assert.Equal(("CI", RunStatuses.Queued, "refs/heads/main", "ada"), (run.WorkflowName, run.Status, run.Ref, run.Actor));
        var jobs = await Store.ListJobsAsync(first.RunId);
        Assert.Equal(["build.1", "build.2"], jobs.Select(j => j.Key));
        Assert.Equal(["build (1)", "build (2)"], jobs.Select(j => j.Label));
        Assert.All(jobs, j => Assert.Equal((JobStatuses.Queued, "ubuntu-latest"), (j.Status, j.RunsOn.Single())));
        Assert.Equal("{\"n\":2}", RunContext.Deserialize(jobs[1].Spec!).Matrix!.ToJsonString());
    }

    [Fact]
    public async Task ListRuns_FiltersByRepositoryBranchAndStatusOrConclusion_AndPagesByKeyset()
    {
        var feature = await Scheduler.EnqueueAsync(Request() with { Ref = "refs/heads/feature/x" });
        var invalid = await Scheduler.EnqueueAsync(Request("jobs: [") with { Ref = "refs/heads/feature/x" });
        var other = await Scheduler.EnqueueAsync(Request() with { Repository = "other" });
        async Task<long[]> Ids(RunQuery q) => [.. (await Store.ListRunsAsync(q)).Select(r => r.Id)];

        Assert.Equal([other.RunId, invalid.RunId, feature.RunId], await Ids(new RunQuery()));
        Assert.Equal([invalid.RunId, feature.RunId], await Ids(new RunQuery { Branch = "feature/x" }));
        Assert.Equal([invalid.RunId, feature.RunId], await Ids(new RunQuery { Branch = "refs/heads/feature/x" }));
        Assert.Equal([other.RunId], await Ids(new RunQuery { Repository = "other" }));
        // A status, or a conclusion asked for as one (GitHub's API does so); a word that is neither matches nothing.
        Assert.Equal([other.RunId, feature.RunId], await Ids(new RunQuery { Status = RunStatuses.Queued }));
        Assert.Equal([invalid.RunId], await Ids(new RunQuery { Status = RunStatuses.Completed }));
        Assert.Equal([invalid.RunId], await Ids(new RunQuery { Status = Conclusions.Failure }));
        Assert.Empty(await Ids(new RunQuery { Status = "nonsense" }));
        Assert.Equal([feature.RunId], await Ids(new RunQuery { Repository = "app", Branch = "feature/x", Status = RunStatuses.Queued }));
        // Keyset pages: the runs older than a given one, newest first.
        Assert.Equal([invalid.RunId], await Ids(new RunQuery { Before = other.RunId, Limit = 1 }));
        Assert.Equal([feature.RunId], await Ids(new RunQuery { Before = invalid.RunId }));
        Assert.Equal([feature.RunId, other.RunId], await Store.ActiveRunIdsAsync());
    }

    [Fact]
    public async Task Enqueue_KeepsTheCommitsSubjectLine_FromThePushPayload_OrTheRequest()
    {
        var push = Request();
        push.Payload["head_commit"] = new JsonObject { ["message"] = "Fix the login throttle\n\nThe window was per process." };
        var fromPayload = await Scheduler.EnqueueAsync(push);
        var fromRequest = await Scheduler.EnqueueAsync(Request() with { EventName = "workflow_dispatch", CommitMessage = "Release 2.1\nbody" });
        var tooLong = await Scheduler.EnqueueAsync(Request() with { CommitMessage = new string('x', 400) });
        var none = await Scheduler.EnqueueAsync(Request());

        Assert.Equal("Fix the login throttle", (await Store.GetRunAsync(fromPayload.RunId))!.CommitMessage);
        Assert.Equal("Release 2.1", (await Store.GetRunAsync(fromRequest.RunId))!.CommitMessage);
        var cut = (await Store.GetRunAsync(tooLong.RunId))!.CommitMessage!;
        Assert.Equal(RunScheduler.MaxCommitMessage, cut.Length);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.Null((await Store.GetRunAsync(none.RunId))!.CommitMessage);
        // The listing carries it too (the runs page reads the list).
        Assert.Contains(await Store.ListRunsAsync(new RunQuery()), r => r.CommitMessage == "Fix the login throttle");
    }

    [Fact]
    public async Task Initialize_AStoreFromBeforeCommitMessages_AddsTheColumn_AndKeepsItsRuns()
    {
        var old = await Scheduler.EnqueueAsync(Request());
        await DropCommitMessageColumnAsync();

        await using var reopened = CreateStore();
        await reopened.InitializeAsync();
        var scheduler = new RunScheduler(reopened, new RunSchedulerOptions { Time = Clock });
        var added = await scheduler.EnqueueAsync(Request() with { CommitMessage = "after the upgrade" });

        Assert.Null((await reopened.GetRunAsync(old.RunId))!.CommitMessage);
        Assert.Equal("refs/heads/main", (await reopened.GetRunAsync(old.RunId))!.Ref);
        Assert.Equal("after the upgrade", (await reopened.GetRunAsync(added.RunId))!.CommitMessage);
    }

    [Fact]
    public async Task Enqueue_SameDeduplicationKey_MakesOneRun()
    {
        var a = await Scheduler.EnqueueAsync(Request(key: "delivery-1"));
        var b = await Scheduler.EnqueueAsync(Request(key: "delivery-1"));

        Assert.False(a.Duplicate);
        Assert.True(b.Duplicate);
        Assert.Equal(a.RunId, b.RunId);
        Assert.Single(await Store.ListRunsAsync(new RunQuery()));
    }

    [Fact]
    public async Task Enqueue_InvalidWorkflow_IsAFailedRunThatShowsItsErrors()
    {
        var created = await Scheduler.EnqueueAsync(Request("on: push\njobs: 3\n") with { WorkflowErrors = ["ci.yml:2:7: error: jobs must be a mapping"] });

        var run = (await Store.GetRunAsync(created.RunId))!;
        Assert.Equal((RunStatuses.Completed, Conclusions.Failure), (run.Status, run.Conclusion));
        Assert.Contains("ci.yml:2:7: error: jobs must be a mapping", run.Reason);
        Assert.Empty(await Store.ListJobsAsync(created.RunId));
    }

    [Fact]
    public async Task Run_GoesThroughItsJobs_WithTheNeedsOutputs_AndSucceeds()
    {
        var created = await Scheduler.EnqueueAsync(Request());
        var worker = Worker("w1");
        for (var leg = 1; leg <= 2; leg++)
        {
            var a = (await Dispatcher.AcquireAsync(worker, TimeSpan.Zero))!;
            Assert.Equal((created.RunId, 1), (a.RunId, a.Attempt));
            var line = new WorkerMessage(Line: new JobLogLine(a.Spec.Label, "s", "hello " + a.JobKey, LineKind.Output, Clock.GetUtcNow()));
            Assert.Equal(LeaseVerdict.Continue, await Dispatcher.ReportAsync(a.LeaseId, 0, [line]));
            Assert.Equal(LeaseVerdict.Continue, await Dispatcher.ReportAsync(a.LeaseId, 0, [line])); // a retried batch is stored once
            await Dispatcher.CompleteAsync(a.LeaseId, Outcome(a, Conclusions.Success, new() { ["v"] = leg.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            await Dispatcher.CompleteAsync(a.LeaseId, Outcome(a, Conclusions.Failure)); // a second completion does nothing
        }

        Assert.Equal(RunStatuses.InProgress, (await Store.GetRunAsync(created.RunId))!.Status);
        var test = (await Dispatcher.AcquireAsync(worker, TimeSpan.Zero))!;
        Assert.Equal("test", test.JobKey);
        Assert.Equal("success", test.Spec.Needs["build"]!["result"]!.GetValue<string>());
        Assert.Equal("2", test.Spec.Needs["build"]!["outputs"]!["v"]!.GetValue<string>());
        Assert.Null(await Dispatcher.AcquireAsync(worker, TimeSpan.Zero));
        await Dispatcher.CompleteAsync(test.LeaseId, Outcome(test, Conclusions.Success));

        var run = (await Store.GetRunAsync(created.RunId))!;
        Assert.Equal((RunStatuses.Completed, Conclusions.Success), (run.Status, run.Conclusion));
        var jobs = await Store.ListJobsAsync(created.RunId);
        Assert.Equal(["success", "success", "success", "skipped"], jobs.Select(j => j.Conclusion));
        var log = new List<string>();
        await foreach (var chunk in Store.ReadLogAsync(jobs[0].Id, null, 0))
        {
            log.Add(chunk.Data);
        }

        Assert.Single(log, l => l.Contains("hello build.1", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("attempt 1 started on worker w1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retention_AppliedOnTheClock_RemovesTheLogsOfRunsBeyondIt_AndKeepsTheRunsThemselves()
    {
        const string oneStep = "on: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";
        var runs = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var created = await Scheduler.EnqueueAsync(Request(oneStep));
            var a = (await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero))!;
            await Dispatcher.ReportAsync(a.LeaseId, 0, [new WorkerMessage(Line: new JobLogLine("one", "s", $"line of run {i}", LineKind.Output, Clock.GetUtcNow()))]);
            await Dispatcher.CompleteAsync(a.LeaseId, Outcome(a, Conclusions.Success));
            runs.Add(created.RunId);
            Clock.Advance(TimeSpan.FromMinutes(10));
        }

        var inFlight = await Scheduler.EnqueueAsync(Request(oneStep)); // not completed: never pruned
        var held = (await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero))!;
        await Dispatcher.ReportAsync(held.LeaseId, 0, [new WorkerMessage(Line: new JobLogLine("one", "s", "line of the running run", LineKind.Output, Clock.GetUtcNow()))]);

        // On start: the newest two completed runs keep their logs.
        await using (new RunQueueLoops(Scheduler, new RunRetention(2, TimeSpan.FromDays(1))))
        {
            await Eventually.UntilAsync(async () => (await LogTextAsync(runs[0])).Length == 0, () => "run 1's log removed on start");
            Assert.Contains("line of run 1", await LogTextAsync(runs[1]), StringComparison.Ordinal);
            Assert.Contains("line of run 2", await LogTextAsync(runs[2]), StringComparison.Ordinal);

            // A day later (and the next hourly turn): the others are too old; the running run's log stays.
            Clock.Advance(TimeSpan.FromDays(1));
            var passed = TimeSpan.Zero;
            await Eventually.UntilAsync(async () =>
            {
                Clock.Advance(TimeSpan.FromMinutes(1));
                passed += TimeSpan.FromMinutes(1);
                return (await LogTextAsync(runs[1])).Length == 0 && (await LogTextAsync(runs[2])).Length == 0;
            }, () => "runs 2 and 3's logs removed once a day old");
            Assert.True(passed <= RunQueueLoops.PruneInterval + TimeSpan.FromMinutes(1), $"pruned {passed} of the clock after the day passed, not within the hourly turn");
        }

        Assert.Contains("line of the running run", await LogTextAsync(inFlight.RunId), StringComparison.Ordinal);
        foreach (var id in runs)
        {
            Assert.Equal(RunStatuses.Completed, (await Store.GetRunAsync(id))!.Status); // the runs themselves stay
        }
    }

    private async Task<string> LogTextAsync(long runId)
    {
        var text = new System.Text.StringBuilder();
        foreach (var job in await Store.ListJobsAsync(runId))
        {
            await foreach (var chunk in Store.ReadLogAsync(job.Id, null, 0))
            {
                text.Append(chunk.Data);
            }
        }

        return text.ToString();
    }

    [Fact]
    public async Task Acquire_OnlyWhereTheLabelsMatch_AndWithinCapacity()
    {
        await Scheduler.EnqueueAsync(Request());
        Assert.Null(await Dispatcher.AcquireAsync(new WorkerInfo("mac", ["self-hosted", "macos"], 4), TimeSpan.Zero));
        var one = Worker("w1", capacity: 1);
        Assert.NotNull(await Dispatcher.AcquireAsync(one, TimeSpan.Zero));
        Assert.Null(await Dispatcher.AcquireAsync(one, TimeSpan.Zero));
        Assert.NotNull(await Dispatcher.AcquireAsync(Worker("w2", capacity: 1), TimeSpan.Zero));
        var workers = await Store.ListWorkersAsync();
        Assert.Equal([("mac", 0), ("w1", 1), ("w2", 1)], workers.Select(w => (w.Name, w.Busy)));
    }

    [Fact]
    public async Task MandatoryWorkerLabel_TakesOnlyJobsThatAskForIt_OtherWorkersDoNotTakeThose()
    {
        await Scheduler.EnqueueAsync(Request("on: push\njobs:\n  any:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"));
        var gpu = new WorkerInfo("gpu", [.. RunsOnLabels.Embedded(), "!GPU"], 4);

        Assert.Null(await Dispatcher.AcquireAsync(gpu, TimeSpan.Zero)); // it has ubuntu-latest, but the job does not ask for gpu
        Assert.Equal("any", (await Dispatcher.AcquireAsync(Worker("plain"), TimeSpan.Zero))!.Spec.Label);

        await Scheduler.EnqueueAsync(Request("on: push\njobs:\n  train:\n    runs-on: [self-hosted, gpu]\n    steps:\n      - run: true\n"));
        Assert.Null(await Dispatcher.AcquireAsync(Worker("plain"), TimeSpan.Zero)); // asks for gpu: only a worker with it
        Assert.Equal("train", (await Dispatcher.AcquireAsync(gpu, TimeSpan.Zero))!.Spec.Label);
    }

    [Fact]
    public async Task LapsedLease_IsWorkerLost_RequeuedOnceForAnotherWorker_ThenFails()
    {
        var created = await Scheduler.EnqueueAsync(Request("on: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"));
        var first = (await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero))!;
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(LeaseVerdict.Continue, await Dispatcher.RenewAsync(first.LeaseId));
        Clock.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0, await Scheduler.SweepAsync()); // renewed 14 s ago: still held
        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await Scheduler.SweepAsync());
        Assert.True((await Store.ListWorkersAsync()).Single(w => w.Name == "w1").Lost);

        Assert.Equal(LeaseVerdict.Revoked, await Dispatcher.RenewAsync(first.LeaseId)); // it comes back: told to stop
        Assert.Null(await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero)); // not to the worker that lost it
        var second = (await Dispatcher.AcquireAsync(Worker("w2"), TimeSpan.Zero))!;
        Assert.Equal(2, second.Attempt);
        Assert.False((await Store.ListWorkersAsync()).Single(w => w.Name == "w1").Lost); // it asked for work again: back

        Clock.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(1, await Scheduler.SweepAsync());
        var job = (await Store.ListJobsAsync(created.RunId)).Single();
        Assert.Equal((Conclusions.Failure, 2), (job.Conclusion, job.Attempt));
        Assert.Contains("re-queued once", job.Reason);
        var run = (await Store.GetRunAsync(created.RunId))!;
        Assert.Equal((RunStatuses.Completed, Conclusions.Failure), (run.Status, run.Conclusion));
        var log = new List<string>();
        await foreach (var chunk in Store.ReadLogAsync(job.Id, null, 0))
        {
            log.Add(chunk.Data);
        }

        Assert.Contains(log, l => l.Contains("attempt 2: re-queued because worker w1 was lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LapsedLease_InAPoolOfOne_TheWorkerThatLostTheJobTakesItAfterALease()
    {
        var created = await Scheduler.EnqueueAsync(Request("on: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"));
        var first = (await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero))!;
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Scheduler.SweepAsync());
        Assert.Equal(LeaseVerdict.Revoked, await Dispatcher.RenewAsync(first.LeaseId));

        // Another worker would have it at once; w1, the only one, waits one lease for such a worker, then takes it.
        Clock.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Null(await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var again = (await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero))!;
        Assert.Equal((created.RunId, 2), (again.RunId, again.Attempt));
        await Dispatcher.CompleteAsync(again.LeaseId, Outcome(again, Conclusions.Success));
        var run = (await Store.GetRunAsync(created.RunId))!;
        Assert.Equal((RunStatuses.Completed, Conclusions.Success), (run.Status, run.Conclusion));

        var log = new List<string>();
        await foreach (var chunk in Store.ReadLogAsync((await Store.ListJobsAsync(created.RunId)).Single().Id, null, 0))
        {
            log.Add(chunk.Data);
        }

        Assert.Contains(log, l => l.Contains("another worker takes it first, w1 too after 15s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeployingJob_LostWorker_IsNeverRerunByItself()
    {
        var created = await Scheduler.EnqueueAsync(Request("on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n      - run: true\n"));
        Assert.NotNull(await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero));
        Clock.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(1, await Scheduler.SweepAsync());

        var job = (await Store.ListJobsAsync(created.RunId)).Single();
        Assert.Equal((JobStatuses.Completed, Conclusions.Failure, 1), (job.Status, job.Conclusion, job.Attempt));
        Assert.Contains("never re-run by itself", job.Reason);
        Assert.Null(await Dispatcher.AcquireAsync(Worker("w2"), TimeSpan.Zero));
    }

    [Fact]
    public async Task Acquire_ManyWorkersAtOnce_HandEachJobOutOnce()
    {
        var jobs = string.Concat(Enumerable.Range(0, 24).Select(i => $"  j{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"));
        await Scheduler.EnqueueAsync(Request("on: push\njobs:\n" + jobs));
        var got = await Task.WhenAll(Enumerable.Range(0, 8).Select(async w =>
        {
            var mine = new List<string>();
            while (await Dispatcher.AcquireAsync(Worker("w" + w, capacity: 100), TimeSpan.Zero) is { } a)
            {
                mine.Add(a.JobKey);
            }

            return mine;
        }));

        var all = got.SelectMany(g => g).ToList();
        Assert.Equal(24, all.Count);
        Assert.Equal(24, all.Distinct().Count());
    }

    [Fact]
    public async Task FanOut_256Legs_AreEachHandedOutOnce_AndTheRunConcludesAfterTheLast()
    {
        var created = await Scheduler.EnqueueAsync(Request("""
            on: push
            jobs:
              wide:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
                    b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
                steps:
                  - run: true
            """));
        Assert.Equal(256, (await Store.ListJobsAsync(created.RunId)).Count);
        var workers = Enumerable.Range(0, 4).Select(i => Worker("w" + i, capacity: 256)).ToList();
        var taken = await Task.WhenAll(workers.Select(async w =>
        {
            var mine = new List<JobAssignment>();
            while (await Dispatcher.AcquireAsync(w, TimeSpan.Zero) is { } a)
            {
                mine.Add(a);
            }

            return mine;
        }));
        var all = taken.SelectMany(t => t).ToList();
        Assert.Equal(256, all.Select(a => a.JobKey).Distinct().Count());
        Assert.Equal(256, all.Count);
        foreach (var a in all.Take(255))
        {
            await Dispatcher.CompleteAsync(a.LeaseId, Outcome(a, Conclusions.Success));
        }

        Assert.Equal(RunStatuses.InProgress, (await Store.GetRunAsync(created.RunId))!.Status);
        await Dispatcher.CompleteAsync(all[255].LeaseId, Outcome(all[255], Conclusions.Success));
        Assert.Equal(Conclusions.Success, (await Store.GetRunAsync(created.RunId))!.Conclusion);
    }

    [Fact]
    public async Task Cancel_EndsTheJobsNotStarted_AndAsksTheRunningOnesToStop()
    {
        var created = await Scheduler.EnqueueAsync(Request());
        var a = (await Dispatcher.AcquireAsync(Worker("w1", capacity: 1), TimeSpan.Zero))!;
        var result = await Scheduler.CancelAsync(created.RunId, "ada");

        Assert.True(result.Ok);
        Assert.Equal(LeaseVerdict.Cancel, await Dispatcher.RenewAsync(a.LeaseId));
        await Dispatcher.CompleteAsync(a.LeaseId, Outcome(a, Conclusions.Cancelled));
        var run = (await Store.GetRunAsync(created.RunId))!;
        Assert.Equal((RunStatuses.Completed, Conclusions.Cancelled), (run.Status, run.Conclusion));
        Assert.False((await Scheduler.CancelAsync(created.RunId, "ada")).Ok);
    }

    [Fact]
    public async Task RerunFailed_RunsTheFailedJobAndItsDependents_KeepingTheSucceeded()
    {
        var created = await Scheduler.EnqueueAsync(Request());
        var w = Worker("w1");
        var b1 = (await Dispatcher.AcquireAsync(w, TimeSpan.Zero))!;
        var b2 = (await Dispatcher.AcquireAsync(w, TimeSpan.Zero))!;
        await Dispatcher.CompleteAsync(b1.LeaseId, Outcome(b1, Conclusions.Success));
        await Dispatcher.CompleteAsync(b2.LeaseId, Outcome(b2, Conclusions.Failure));
        var never = (await Dispatcher.AcquireAsync(w, TimeSpan.Zero))!; // test is skipped; `if: failure()` sees build's failure
        Assert.Equal("never", never.JobKey);
        await Dispatcher.CompleteAsync(never.LeaseId, Outcome(never, Conclusions.Success));
        Assert.Equal(Conclusions.Failure, (await Store.GetRunAsync(created.RunId))!.Conclusion);

        var rerun = await Scheduler.RerunAsync(created.RunId, failedOnly: true, "ada");

        Assert.True(rerun.Ok, rerun.Refusal?.Message);
        Assert.Equal(2, rerun.Run!.Attempt);
        var jobs = await Store.ListJobsAsync(created.RunId);
        Assert.Equal(["build.1", "build.2"], jobs.Select(j => j.Key)); // the whole matrix job of the failed leg, its dependents once it ends
        Assert.All(jobs, j => Assert.Equal((JobStatuses.Queued, 2), (j.Status, j.RunAttempt)));
        Assert.Equal(6, (await Store.ListJobsAsync(created.RunId, history: true)).Count);
    }

    [Fact]
    public async Task ProtectedEnvironment_WaitsForAnApproval_NotFromWhoStartedTheRun_AndRecordsWhoApproved()
    {
        var ship = "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: true\n";
        var created = await Scheduler.EnqueueAsync(Request(ship));
        Assert.Equal((RunStatuses.Waiting, JobStatuses.Waiting), ((await Store.GetRunAsync(created.RunId))!.Status, (await Store.ListJobsAsync(created.RunId)).Single().Status));
        Assert.Null(await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero));

        var self = await Scheduler.DecideAsync(created.RunId, null, true, new Approver("ada", ["admin"]), null);
        Assert.Equal(RunRefusalKind.Forbidden, self.Refusal?.Kind);
        var developer = await Scheduler.DecideAsync(created.RunId, null, true, new Approver("bob", ["developer"]), null);
        Assert.Equal(RunRefusalKind.Forbidden, developer.Refusal?.Kind);
        Assert.Empty(await Store.ListApprovalsAsync(created.RunId)); // refusals record nothing

        var approved = await Scheduler.DecideAsync(created.RunId, "ship", true, new Approver("carol", ["approver"]), "go");
        Assert.True(approved.Ok, approved.Refusal?.Message);
        var approval = Assert.Single(await Store.ListApprovalsAsync(created.RunId));
        Assert.Equal((true, "carol", Clock.GetUtcNow(), "go"), (approval.Approved, approval.By, approval.At, approval.Comment));
        Assert.NotNull(await Dispatcher.AcquireAsync(Worker("w1"), TimeSpan.Zero));

        var other = await Scheduler.EnqueueAsync(Request(ship) with { Ref = "refs/heads/feature" });
        var refused = (await Store.ListJobsAsync(other.RunId)).Single();
        Assert.Equal(Conclusions.Failure, refused.Conclusion);
        Assert.Equal("Branch \"feature\" is not allowed to deploy to production due to environment protection rules.", refused.Reason);
    }

    [Fact]
    public async Task LastFired_IsTheLatestScheduledOccurrenceRecorded()
    {
        var at = new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
        Assert.Null(await Scheduler.LastFiredAsync("app", ".github/workflows/ci.yml", "0 3 * * *"));
        await Scheduler.EnqueueAsync(Request() with { EventName = "schedule", Schedule = "0 3 * * *", ScheduledFor = at.AddDays(-1) });
        await Scheduler.EnqueueAsync(Request() with { EventName = "schedule", Schedule = "0 3 * * *", ScheduledFor = at });
        Assert.Equal(at, await Scheduler.LastFiredAsync("app", ".github/workflows/ci.yml", "0 3 * * *"));
        Assert.Null(await Scheduler.LastFiredAsync("app", ".github/workflows/ci.yml", "0 4 * * *"));
    }
}

/// <summary>The contract on SQLite.</summary>
public sealed class SqliteRunQueueTests : RunQueueContract, IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("catalytic-runs-");

    protected override IRunStore CreateStore() => new SqliteRunStore(Path.Combine(_dir.FullName, "catalytic.db"));

    protected override async Task DropCommitMessageColumnAsync()
    {
        await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.FullName, "catalytic.db")}");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "ALTER TABLE runs DROP COLUMN commit_message";
        await cmd.ExecuteNonQueryAsync();
    }

    public void Dispose() => _dir.Delete(recursive: true);
}

/// <summary>The contract on PostgreSQL (CATALYTIC_TEST_POSTGRES), in a schema of its own.</summary>
public sealed class PostgresRunQueueTests : RunQueueContract
{
    private readonly string _connection = PostgresSchema.ConnectionString();
    private readonly string _schema = "runs_" + Guid.NewGuid().ToString("N")[..12];

    protected override IRunStore CreateStore() => new PostgresRunStore(_connection, _schema);

    protected override async Task DropCommitMessageColumnAsync()
    {
        await using var c = new NpgsqlConnection(_connection);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"ALTER TABLE {_schema}.runs DROP COLUMN commit_message", c);
        await cmd.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await PostgresSchema.DropAsync(_connection, _schema);
    }
}

/// <summary>The test PostgreSQL; a test is skipped without one.</summary>
public static class PostgresSchema
{
    public static string ConnectionString()
    {
        var cs = Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES");
        Assert.SkipWhen(string.IsNullOrEmpty(cs), "CATALYTIC_TEST_POSTGRES is not set (./test.sh starts PostgreSQL)");
        return cs!;
    }

    public static async Task DropAsync(string connection, string schema)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
