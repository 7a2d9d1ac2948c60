using System.Collections.Concurrent;
using System.Collections.Immutable;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Runs;
using Catalytic.Pipelines.Workers.Files;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.BuiltIn;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Reporting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Pipelines.Queue;

/// <summary>How the embedded worker of <c>serve</c> runs.</summary>
public sealed record EmbeddedWorkerOptions
{
    /// <summary>Unique among the servers sharing a store, and the same across restarts of this one (its jobs are found by it after a crash).</summary>
    public required string Name { get; init; }

    /// <summary>Jobs at once (default: the machine's cores).</summary>
    public int Capacity { get; init; } = Environment.ProcessorCount;

    public ImmutableArray<string> Labels { get; init; } = RunsOnLabels.Embedded();

    /// <summary>The server's state folder: mirrors in <c>repositories/NAME.git</c>, jobs' folders in <c>work/</c>.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>
    /// The server's artifacts and caches, the same stores remote workers reach through the worker protocol: the jobs of
    /// one run share them whichever worker runs each, and the API serves them from there.
    /// </summary>
    public required RunFileStores Files { get; init; }

    /// <summary>Actions the runner provides itself (checkout, setup-*, artifacts, cache…), plus the host's own.</summary>
    public IReadOnlyList<IBuiltinAction> Actions { get; init; } = BuiltinActions.CreateDefault();

    /// <summary>
    /// What the host adds for one job, given the job's credential for this server's API (the CLI:
    /// <c>catalytic/deploy@v1</c> deploying as <c>job:RUN/JOB</c>, as on a remote worker); null: <see cref="Actions"/> only.
    /// The credential is masked in the job's output and never given to a step.
    /// </summary>
    public Func<string, IEnumerable<IBuiltinAction>>? JobActions { get; init; }

    /// <summary>Where a job's <c>services:</c> run (null: PostgreSQL and Redis from host binaries, other images through podman, as <c>catalytic run</c> and <c>catalytic worker</c> run them).</summary>
    public IJobServiceHost? Services { get; init; }

    /// <summary>The podman program for containers (null: podman on PATH).</summary>
    public string? Podman { get; init; }

    /// <summary>How long one ask for work waits (long poll) before it asks again.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the log kept since the last report is reported.</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The clock of leases, polls and timestamps (required: only a composition root names the system clock).</summary>
    public required TimeProvider Time { get; init; }

    public ILogger Logger { get; init; } = NullLogger.Instance;
}

/// <summary>
/// The worker inside <c>catalytic serve</c>: <see cref="EmbeddedWorkerOptions.Capacity"/> slots each ask the dispatcher
/// for a job, check out the run's commit from the server's mirror into a folder of the job's own, run it with
/// <see cref="JobWorker"/> (the runner <c>catalytic run</c> uses) through a <see cref="ReportingJobHost"/>, renew its
/// lease while it runs, report its log in batches and complete it. A job whose lease is revoked is stopped without a
/// report; on a graceful stop the jobs still running are handed back (lost now, so another worker takes them at once).
/// </summary>
public sealed class EmbeddedWorker : IAsyncDisposable
{
    /// <summary>The most messages one report carries: a chatty step is reported in several batches, never one huge one.</summary>
    private const int MaxBatch = 2000;

    private readonly IJobDispatcher _dispatcher;
    private readonly RunScheduler _scheduler;
    private readonly EmbeddedWorkerOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, JobAssignment> _running = new(StringComparer.Ordinal);
    private readonly IExpressionEngine _expressions = new WorkflowExpressionEngine();
    private Task[] _slots = [];

    public EmbeddedWorker(IJobDispatcher dispatcher, RunScheduler scheduler, EmbeddedWorkerOptions options)
    {
        _dispatcher = dispatcher;
        _scheduler = scheduler;
        _options = options;
    }

    /// <summary>The worker as it presents itself to the dispatcher.</summary>
    public WorkerInfo Info => new(_options.Name, _options.Labels, _options.Capacity) { Embedded = true, Running = [.. _running.Keys] };

    /// <summary>Jobs it runs now.</summary>
    public int Running => _running.Count;

    public void Start()
    {
        RunLog.EmbeddedWorkerStarted(_options.Logger, _options.Name, _options.Capacity, string.Join(",", _options.Labels));
        _slots = [.. Enumerable.Range(0, _options.Capacity).Select(_ => Task.Run(SlotAsync))];
    }

    private async Task SlotAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await _dispatcher.AcquireAsync(Info, _options.Poll, ct) is { } assignment)
                {
                    await RunJobAsync(assignment, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store refused (down, full disk): the slot goes on after a pause instead of spinning.
                RunLog.LoopFailed(_options.Logger, e, "embedded worker");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _options.Time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunJobAsync(JobAssignment a, CancellationToken stopping)
    {
        _running[a.LeaseId] = a;
        var work = Path.Combine(_options.StateDirectory, "work", a.LeaseId[..16]);
        using var job = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var revoked = false;
        try
        {
            var workspace = Path.Combine(work, "workspace");
            Directory.CreateDirectory(work);
            var log = new ReportQueue(MaxBatch);
            var host = new ReportingJobHost(workspace,
                _options.Files.Artifacts(a.RunId),
                _options.Files.CacheStores(a.Repository),
                a.Secrets,
                message => log.Add(message));
            JobOutcome outcome;
            using (var keeping = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                var keeper = KeepLeaseAsync(a, log, job, keeping.Token);
                outcome = await CheckoutAsync(a, workspace, job.Token) is { } error
                    ? Failed(a, error)
                    : await RunAsync(a, host, work, job.Token);
                await keeping.CancelAsync();
                revoked = await keeper;
            }

            if (stopping.IsCancellationRequested)
            {
                // The server stops: the job is handed back, so another worker takes it now rather than when its lease lapses.
                await _scheduler.LoseAsync(a.RunId, a.LeaseId, $"the server running its embedded worker {_options.Name} stopped", sameWorkerMayRetry: true, CancellationToken.None);
                return;
            }

            if (!revoked && await FlushAsync(a, log, CancellationToken.None) != LeaseVerdict.Revoked)
            {
                await _dispatcher.CompleteAsync(a.LeaseId, outcome, CancellationToken.None);
            }
        }
        finally
        {
            _running.TryRemove(a.LeaseId, out _);
            Remove(work, a.JobKey);
        }
    }

    /// <summary>Reports every batch of the job's log that waits; returns the dispatcher's last verdict.</summary>
    private Task<LeaseVerdict> FlushAsync(JobAssignment a, ReportQueue log, CancellationToken ct) =>
        log.FlushAsync((first, batch, c) => _dispatcher.ReportAsync(a.LeaseId, first, batch, c), ct);

    /// <summary>Renews the lease and reports the log until the job ends; true when the lease was revoked (the job was stopped for it).</summary>
    private async Task<bool> KeepLeaseAsync(JobAssignment a, ReportQueue log, CancellationTokenSource job, CancellationToken ct)
    {
        var renewEvery = a.LeaseDuration / 3;
        var lastRenew = _options.Time.GetUtcNow();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ReportInterval, _options.Time, ct);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            LeaseVerdict verdict;
            try
            {
                verdict = await FlushAsync(a, log, ct);
                if (verdict != LeaseVerdict.Revoked && _options.Time.GetUtcNow() - lastRenew >= renewEvery)
                {
                    verdict = await _dispatcher.RenewAsync(a.LeaseId, ct);
                    lastRenew = _options.Time.GetUtcNow();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e)
            {
                RunLog.LoopFailed(_options.Logger, e, "lease renewal");
                continue;
            }

            if (verdict == LeaseVerdict.Revoked)
            {
                await job.CancelAsync();
                return true;
            }

            if (verdict == LeaseVerdict.Cancel && !job.IsCancellationRequested)
            {
                await job.CancelAsync();
            }
        }

        return false;
    }

    /// <summary>A work tree of the run's commit, from the server's mirror, with the refs a GitHub checkout has (<see cref="CheckoutRefs"/>); null when done, else why not.</summary>
    private async Task<string?> CheckoutAsync(JobAssignment a, string workspace, CancellationToken ct)
    {
        var mirror = Path.Combine(_options.StateDirectory, "repositories", a.Repository + ".git");
        if (!Directory.Exists(mirror))
        {
            return $"the server has no mirror of repository '{a.Repository}'";
        }

        // --shared borrows the mirror's objects (nothing copied); the job's folder is removed before the mirror is pruned.
        var clone = await Git.RunAsync(Path.GetDirectoryName(workspace)!, ["clone", "--quiet", "--shared", "--no-checkout", mirror, workspace], ct);
        if (!clone.Ok)
        {
            return $"could not check out {a.Repository}: {clone.Reason}";
        }

        // The clone has the mirror's branches as origin/* and its tags; the run's ref, origin/HEAD and the checkout as GitHub's.
        var arranged = await CheckoutRefs.ArrangeAsync(workspace, CheckoutRefs.Target.Of(a), ct);
        return arranged is null ? null : $"could not check out {a.Sha} of {a.Repository}: {arranged}";
    }

    private async Task<JobOutcome> RunAsync(JobAssignment a, IJobHost host, string work, CancellationToken ct)
    {
        var options = new JobWorkerOptions
        {
            StateDirectory = Path.Combine(work, "state"),
            Actions = a.JobToken is { } token && _options.JobActions is { } add ? [.. _options.Actions, .. add(token)] : _options.Actions,
            Masked = a.JobToken is { } secret ? [secret] : [],
            Services = _options.Services ?? new HostJobServices(new Catalytic.Runner.Services.JobServiceOptions { Time = _options.Time, Log = _options.Logger }),
            Podman = _options.Podman,
            Time = _options.Time,
            Logger = _options.Logger,
            RunnerName = _options.Name,
            WorkspaceIsCheckout = true,
        };
        try
        {
            return await JobWorker.RunAsync(a.Spec, host, options, _expressions, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            RunLog.JobCrashed(_options.Logger, e, a.RunId, a.JobKey);
            return Failed(a, "the worker failed outside the job's steps: " + e.Message);
        }
        catch (OperationCanceledException)
        {
            return Failed(a, "cancelled", Conclusions.Cancelled);
        }
    }

    private static JobOutcome Failed(JobAssignment a, string reason, string result = Conclusions.Failure) => new(
        result, result, reason, [],
        new JobReport { Id = a.Spec.ReportId, Name = a.Spec.Label, Matrix = a.Spec.Matrix?.ToJsonString(), Result = result, Outcome = result, Reason = reason });

    private void Remove(string directory, string job)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunLog.DirectoryKept(_options.Logger, e, job, directory);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_slots);
        _stop.Dispose();
    }
}
