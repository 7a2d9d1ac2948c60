using System.Text.Json.Nodes;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Queue;
using Catalytic.Pipelines.Runs;
using Catalytic.Pipelines.Triggers;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Reporting;
using Catalytic.Server.Status;
using Catalytic.Status.Config;
using Catalytic.Status.Hosting;
using Catalytic.Status.Tests.Support;
using Catalytic.Storage.Runs;
using Catalytic.Storage.Status;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Status.Tests.Server;

/// <summary>
/// <see cref="PipelineStatus"/> on the real run queue (SQLite run and status stores, leases on a fake clock): a worker
/// whose lease lapses fires worker-lost and its return resolves it, a failed run on main fires run-failed, and the
/// workers, queue and run families of /metrics say what the store holds.
/// </summary>
public sealed class PipelineStatusTests
{
    [Fact]
    public async Task LostWorker_FailedRunOnMain_AlertAndShowInMetrics_TheWorkersReturnResolves()
    {
        using var dir = new TempDir();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        await using var runs = new SqliteRunStore(dir.File("catalytic.db"));
        await runs.InitializeAsync();
        var scheduler = new RunScheduler(runs, new RunSchedulerOptions { Time = clock });
        var dispatcher = new JobDispatcher(scheduler);
        var (config, errors) = StatusConfigParser.Parse("alerts: {}");
        Assert.True(errors.IsEmpty);
        await using var store = new SqliteStatusStore(dir.File("status.db"));
        await store.InitializeAsync();
        await using var status = new StatusService(new StatusServiceOptions { Config = config!, Store = store, StateDirectory = dir.Path, Time = clock });
        using var connection = PipelineStatus.Connect(status, scheduler);

        var created = await scheduler.EnqueueAsync(new RunRequest
        {
            Repository = "app",
            WorkflowPath = ".github/workflows/ci.yml",
            WorkflowText = "name: CI\non: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
            EventName = "push",
            Payload = new JsonObject { ["repository"] = new JsonObject { ["default_branch"] = "main", ["full_name"] = "local/app" } },
            Ref = "refs/heads/main",
            Sha = new string('a', 40),
            Actor = "ada",
            Source = "commit",
        });
        var metrics = await status.Metrics.ExportAsync();
        Assert.Contains("catalytic_queue_depth{labels=\"ubuntu-latest\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_runs_active{status=\"queued\"} 1\n", metrics, StringComparison.Ordinal);

        var first = (await dispatcher.AcquireAsync(new WorkerInfo("w1", RunsOnLabels.Embedded(), 1), TimeSpan.Zero))!;
        metrics = await status.Metrics.ExportAsync();
        Assert.Contains("catalytic_workers{state=\"busy\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_runs_active{status=\"in_progress\"} 1\n", metrics, StringComparison.Ordinal);

        clock.Advance(RunSchedulerOptions.DefaultLeaseDuration + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await scheduler.SweepAsync());
        var lost = Assert.Single(status.Book.Alerts.Values, a => a.Name == "worker-lost");
        Assert.True(lost.Firing);
        Assert.Equal("w1", lost.Labels["worker"]);
        metrics = await status.Metrics.ExportAsync();
        Assert.Contains("catalytic_workers{state=\"lost\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_queue_depth{labels=\"ubuntu-latest\"} 1\n", metrics, StringComparison.Ordinal); // re-queued

        // w1 asks for work again: back (the re-queued attempt is not for it); w2 takes the job and fails it.
        Assert.Null(await dispatcher.AcquireAsync(new WorkerInfo("w1", RunsOnLabels.Embedded(), 1), TimeSpan.Zero));
        Assert.False(Assert.Single(status.Book.Alerts.Values, a => a.Name == "worker-lost").Firing);
        var second = (await dispatcher.AcquireAsync(new WorkerInfo("w2", RunsOnLabels.Embedded(), 1), TimeSpan.Zero))!;
        clock.Advance(TimeSpan.FromSeconds(3));
        var report = new JobReport { Id = second.Spec.ReportId, Name = second.Spec.Label, Result = "failure", Outcome = "failure" };
        await dispatcher.CompleteAsync(second.LeaseId, new JobOutcome("failure", "failure", "exit 1", [], report));

        var failed = Assert.Single(status.Book.Alerts.Values, a => a.Name == "run-failed");
        Assert.True(failed.Firing);
        Assert.Equal(("app", "CI", "refs/heads/main"), (failed.Labels["repository"], failed.Labels["workflow"], failed.Labels["ref"]));
        Assert.Equal(Conclusions.Failure, (await runs.GetRunAsync(created.RunId))!.Conclusion);
        metrics = await status.Metrics.ExportAsync();
        Assert.Contains("catalytic_runs_total{repository=\"app\",workflow=\"CI\",conclusion=\"failure\",default_branch=\"true\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_jobs_total{repository=\"app\",conclusion=\"failure\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_job_duration_seconds_sum{repository=\"app\"} 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_runs_active{status=\"in_progress\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("catalytic_queue_depth{labels=\"\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.NotNull(first);
    }
}
