using Catalytic.Pipelines.Runs;
using Catalytic.Status.Hosting;
using Catalytic.Status.Prometheus;

namespace Catalytic.Server.Status;

/// <summary>
/// The run queue as status sees it: each finished run, job and lost or returning worker the queue raises
/// (<see cref="IPipelineEvents"/>, once per event across servers) becomes an alert signal (run-failed on the default
/// branch or a tag, worker-lost) and a sample of the pipeline families of /metrics; the queue's depth and the workers'
/// states are read from the run store before each scrape, so they are those of every server sharing the store.
/// </summary>
public sealed class PipelineStatus(StatusService status) : IPipelineObserver
{
    /// <summary>A worker that has not asked for work for this long, holds no job and is not lost is offline (a stopped `catalytic worker`).</summary>
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromMinutes(2);

    /// <summary>The most runs of one status counted per scrape (a gauge that reads 1000 says "1000 or more").</summary>
    public const int MaxCounted = 1000;

    private static readonly string[] ActiveStatuses = [RunStatuses.Queued, RunStatuses.Pending, RunStatuses.InProgress, RunStatuses.Waiting];

    /// <summary>Subscribes to <paramref name="runs"/>' events and feeds the queue and worker gauges; dispose the result to stop hearing.</summary>
    public static IDisposable Connect(StatusService status, RunScheduler runs)
    {
        ExposeQueue(status.Metrics, runs.Store, status.Clock);
        return runs.Events.Subscribe(new PipelineStatus(status));
    }

    /// <inheritdoc/>
    public async Task RunFinishedAsync(RunFinished run, CancellationToken ct)
    {
        status.Metrics.RunFinished(run.Repository, run.Workflow, run.Conclusion, run.IsDefaultBranchOrTag, run.Duration);
        var link = status.Config.DashboardUrl is { } dashboard
            ? new Uri(dashboard, "runs/" + run.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToString()
            : run.Link;
        await status.Signals.RunFinishedAsync(new Catalytic.Status.Signals.RunFinished(run.Repository, run.Workflow, run.Ref, run.IsDefaultBranchOrTag,
            run.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Conclusion, run.Duration, run.At, link), ct);
    }

    /// <inheritdoc/>
    public Task JobFinishedAsync(JobFinished job, CancellationToken ct)
    {
        // A job that never started (skipped, failed before it ran) waited for nothing and ran for nothing: only counted.
        if (job.Duration > TimeSpan.Zero || job.QueueWait > TimeSpan.Zero)
        {
            status.Metrics.JobFinished(job.Repository, job.Conclusion, job.Duration, job.QueueWait);
        }
        else
        {
            status.Metrics.Jobs.WithLabels(job.Repository, job.Conclusion).Inc();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task WorkerChangedAsync(WorkerChanged worker, CancellationToken ct) =>
        status.Signals.WorkerChangedAsync(new Catalytic.Status.Signals.WorkerChanged(worker.Worker, worker.Lost, worker.Reason, worker.At), ct);

    /// <summary>Sets catalytic_queue_depth (by runs-on labels), catalytic_runs_active (by status) and catalytic_workers (busy, idle, lost, offline) from the store before each scrape.</summary>
    public static void ExposeQueue(PlatformMetrics metrics, IRunStore store, TimeProvider time)
    {
        metrics.Registry.AddBeforeCollectCallback(async ct =>
        {
            var queued = await store.QueuedJobsAsync(0, 10_000, ct);
            var depth = queued.GroupBy(j => string.Join(',', j.RunsOn.Order(StringComparer.Ordinal)))
                .ToDictionary(g => new[] { g.Key }, g => (double)g.Count());
            // Zero rather than no sample when nothing waits: "sum(catalytic_queue_depth) > 20" and the boards read a number.
            if (!depth.Keys.Any(k => k[0].Length == 0))
            {
                depth[[""]] = 0;
            }

            PlatformMetrics.SetAll(metrics.QueueDepth, depth);
            var active = new Dictionary<string[], double>();
            foreach (var s in ActiveStatuses)
            {
                active[[s]] = (await store.ListRunsAsync(new RunQuery { Status = s, Limit = MaxCounted }, ct)).Count;
            }

            PlatformMetrics.SetAll(metrics.RunsActive, active);
            var now = time.GetUtcNow();
            var workers = await store.ListWorkersAsync(ct);
            PlatformMetrics.SetAll(metrics.Workers, new Dictionary<string[], double>
            {
                [["busy"]] = workers.Count(w => !w.Lost && w.Busy > 0),
                [["idle"]] = workers.Count(w => !w.Lost && w.Busy == 0 && now - w.LastSeen <= OnlineWindow),
                [["lost"]] = workers.Count(w => w.Lost),
                [["offline"]] = workers.Count(w => !w.Lost && w.Busy == 0 && now - w.LastSeen > OnlineWindow),
            });
        });
    }
}
