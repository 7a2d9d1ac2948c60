using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Repositories;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Reporting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Catalytic.Pipelines.Workers.Client;

/// <summary>What a remote worker is and brings: its name, labels and capacity, where it works, and how it runs a job.</summary>
public sealed record RemoteWorkerOptions
{
    public required string Name { get; init; }

    /// <summary>What its jobs' <c>runs-on</c> may ask for (<see cref="WorkerLabels"/>; <c>!label</c> mandatory).</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Jobs run at once.</summary>
    public int Capacity { get; init; } = 1;

    /// <summary>Run one job, report it, and stop.</summary>
    public bool Once { get; init; }

    /// <summary>The worker's folder: one checkout and one state folder per repository and slot.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>The runner's options for every job (actions, services, clock); the state folder is set per slot.</summary>
    public required JobWorkerOptions Job { get; init; }

    /// <summary>
    /// What the host changes for one job (the CLI: <c>catalytic/deploy@v1</c> with the job's credential for this
    /// server); null: <see cref="Job"/> as it is.
    /// </summary>
    public Func<JobAssignment, Uri, JobWorkerOptions, JobWorkerOptions>? ForJob { get; init; }

    public required IExpressionEngine Expressions { get; init; }

    /// <summary>How long one request for work is held by the server (the long poll).</summary>
    public TimeSpan PollWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two tries while the server is away.</summary>
    public TimeSpan MaxBackoff { get; init; } = WorkerRetry.MaxDelay;

    /// <summary>The worker's clock: backoff, flushes, renewals.</summary>
    public required TimeProvider Time { get; init; }

    public ILogger Logger { get; init; } = NullLogger.Instance;
}

/// <summary>
/// <c>catalytic worker</c>'s loop: asks the server for a job by long poll whenever it has a free slot (an idle worker
/// sends one request per <see cref="RemoteWorkerOptions.PollWait"/>, nothing more), checks the job's commit out from the
/// server with git, runs it with the same runner as <c>catalytic run</c> (<see cref="JobWorker"/>) on a
/// <see cref="ReportingJobHost"/>, and reports it (<see cref="JobReporter"/>). Stopping (<c>ct</c>) cancels the running
/// jobs as Ctrl-C would and reports them before returning.
/// </summary>
public sealed class RemoteWorker(WorkerConnection connection, RemoteWorkerOptions options)
{
    private readonly IJobDispatcher _server = connection;
    private readonly ILogger _log = options.Logger;

    /// <summary>Runs until <paramref name="ct"/> is cancelled; with <see cref="RemoteWorkerOptions.Once"/>, until one job is done (its outcome; null when none ran).</summary>
    public async Task<JobOutcome?> RunAsync(CancellationToken ct)
    {
        var acquire = WorkerRetry.Create(options.Time, _log, "acquire", options.MaxBackoff);
        var running = new Dictionary<Task<JobOutcome?>, (int Slot, string Lease)>();
        WorkerClientLog.Polling(_log, options.Name, connection.Server.ToString(), string.Join(',', options.Labels), options.Capacity);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                foreach (var done in running.Keys.Where(t => t.IsCompleted).ToList())
                {
                    running.Remove(done);
                }

                if (running.Count >= options.Capacity)
                {
                    await Task.WhenAny(running.Keys);
                    continue;
                }

                var info = new WorkerInfo(options.Name, options.Labels, options.Capacity) { Running = [.. running.Values.Select(r => r.Lease)] };
                JobAssignment? job;
                try
                {
                    job = await acquire.ExecuteAsync(async c => await _server.AcquireAsync(info, options.PollWait, c), ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }

                if (job is null)
                {
                    continue;
                }

                var slot = Enumerable.Range(0, options.Capacity).First(s => running.Values.All(r => r.Slot != s));
                var task = RunJobAsync(job, slot, ct);
                running.Add(task, (slot, job.LeaseId));
                if (options.Once)
                {
                    return await task;
                }
            }
        }
        catch (WorkerRefusedException e)
        {
            WorkerClientLog.Refused(_log, e.Message);
            throw;
        }
        finally
        {
            // Jobs cancelled by the stop still report how they ended.
            await Task.WhenAll(running.Keys);
        }

        return null;
    }

    private async Task<JobOutcome?> RunJobAsync(JobAssignment job, int slot, CancellationToken stopping)
    {
        await Task.Yield();
        WorkerClientLog.Took(_log, job.JobKey, job.RunId, job.Attempt, job.Repository, job.Sha);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // Reporting outlives a stop: a job cancelled because the worker stops is still reported.
        var retry = WorkerRetry.Create(options.Time, _log, "report", options.MaxBackoff);
        var reporter = new JobReporter(_server, job, options.Time, retry, _log, verdict =>
        {
            if (verdict == LeaseVerdict.Revoked)
            {
                WorkerClientLog.Revoked(_log, job.JobKey, job.RunId);
            }
            else
            {
                WorkerClientLog.Cancelling(_log, job.JobKey, job.RunId);
            }

            cancel.Cancel();
        });
        var loop = reporter.RunAsync(CancellationToken.None);
        var folder = Path.Combine(options.WorkDirectory, Folder(job.Repository) + "-" + slot);
        var workspace = Path.Combine(folder, "workspace");
        var state = Path.Combine(folder, "state");
        JobOutcome outcome;
        try
        {
            var error = await CheckoutAsync(job, workspace, cancel.Token);
            if (error is not null)
            {
                WorkerClientLog.CheckoutFailed(_log, job.JobKey, job.RunId, job.Sha, error);
                outcome = Failed(job, $"the worker could not check out {job.Sha} from the server: {error}");
            }
            else
            {
                var remote = Path.Combine(state, "remote", job.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var host = new ReportingJobHost(
                    workspace,
                    new RemoteArtifactStore(connection, job.LeaseId, Path.Combine(remote, "run"), retry, CancellationToken.None),
                    new RemoteCacheStores(connection, job.LeaseId, Path.Combine(remote, "cache"), retry, CancellationToken.None),
                    job.Secrets,
                    reporter.Add);
                var jobOptions = options.Job with
                {
                    StateDirectory = state,
                    RunnerName = options.Name,
                    WorkspaceIsCheckout = true,
                    // The job's credential is the worker's, for its built-in actions: never a step's, never in its output.
                    Masked = job.JobToken is { } token ? [.. options.Job.Masked, token] : options.Job.Masked,
                };
                outcome = await JobWorker.RunAsync(job.Spec, host, options.ForJob?.Invoke(job, connection.Server, jobOptions) ?? jobOptions, options.Expressions, cancel.Token);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            outcome = Failed(job, "cancelled before it started", "cancelled");
        }

        await reporter.FinishAsync(loop, outcome, CancellationToken.None);
        if (!reporter.Revoked)
        {
            WorkerClientLog.Finished(_log, job.JobKey, job.RunId, outcome.Result);
        }

        return reporter.Revoked ? null : outcome;
    }

    /// <summary>
    /// The job's commit in the slot's workspace, from the server's mirror over git's smart HTTP with the mirror's branches
    /// (as origin/*) and tags, a push's <c>before</c> when the branches do not hold it, checked out with the refs a GitHub
    /// checkout has (<see cref="CheckoutRefs"/>) and cleaned; null, or why not.
    /// </summary>
    private async Task<string?> CheckoutAsync(JobAssignment job, string workspace, CancellationToken ct)
    {
        Directory.CreateDirectory(workspace);
        if (!Directory.Exists(Path.Combine(workspace, ".git")) && await Git.RunAsync(workspace, ["init", "-q"], ct) is { Ok: false } init)
        {
            return init.Reason;
        }

        var (url, environment) = connection.Git(job.Repository, job.LeaseId);
        // origin names the server's repository (its credential is never in the config), as a GitHub checkout's names GitHub's.
        await Git.RunAsync(workspace, ["config", "remote.origin.url", url], ct);
        await Git.RunAsync(workspace, ["config", "remote.origin.fetch", CheckoutRefs.BranchesAndTags[0]], ct);
        var target = CheckoutRefs.Target.Of(job);
        // The branches and tags are fetched every time (a reused workspace's would be stale); objects it has are not sent again.
        var fetched = await FetchAsync(workspace, url, environment, ["--prune", .. CheckoutRefs.BranchesAndTags, job.Sha], ct);
        if (fetched is not null)
        {
            return fetched;
        }

        if (target.Before is { } before && !await CheckoutRefs.HasCommitAsync(workspace, before, ct))
        {
            // A force push's before is on no branch; the mirror may still have it. Without it a diff against it fails in the step, as on GitHub.
            await FetchAsync(workspace, url, environment, [before], ct);
        }

        if (await CheckoutRefs.ArrangeAsync(workspace, target, ct) is { } arranged)
        {
            return arranged;
        }

        return await Git.RunAsync(workspace, ["clean", "-ffdxq"], ct) is { Ok: false } failed ? failed.Reason : null;
    }

    private async Task<string?> FetchAsync(string workspace, string url, IReadOnlyDictionary<string, string> environment, string[] what, CancellationToken ct)
    {
        var fetchRetry = WorkerRetry.Create(options.Time, _log, "fetch", options.MaxBackoff);
        var fetch = await fetchRetry.ExecuteAsync(async c =>
        {
            var r = await Git.RunAsync(workspace, ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", url, .. what], c, environment);
            // git says so when the server is away or failing (connect, 5xx); anything else is its answer.
            return r.Ok || !IsTransient(r.Error) ? r : throw new WorkerServerUnavailableException(r.Reason);
        }, ct);
        return fetch.Ok ? null : fetch.Reason.Replace(connection.Token, "***", StringComparison.Ordinal);
    }

    private static bool IsTransient(string error) =>
        error.Contains("Failed to connect", StringComparison.Ordinal) || error.Contains("Could not resolve host", StringComparison.Ordinal)
        || error.Contains("Connection refused", StringComparison.Ordinal) || error.Contains("error: 50", StringComparison.Ordinal)
        || error.Contains("returned error: 50", StringComparison.Ordinal) || error.Contains("Empty reply", StringComparison.Ordinal);

    /// <summary>A repository name as a folder name (the server's names are plain already; this only guards the path).</summary>
    private static string Folder(string repository) => new([.. repository.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);

    private static JobOutcome Failed(JobAssignment job, string reason, string result = "failure") => new(
        result,
        result,
        reason,
        [],
        new JobReport { Id = job.Spec.ReportId, Name = job.Spec.Label, Matrix = job.Spec.Matrix?.ToJsonString(), Result = result, Outcome = result, Reason = reason });
}
