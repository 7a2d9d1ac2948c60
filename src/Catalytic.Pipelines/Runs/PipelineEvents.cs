using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Runs;

/// <summary>A run ended (each run once per attempt, raised by the server that concluded it).</summary>
/// <param name="IsDefaultBranchOrTag">Whether it ran on the repository's default branch or a tag: what alerts watch.</param>
/// <param name="PreviousConclusion">How the run before it of the same workflow on the same ref ended (null: none), so a
/// subscriber tells a failure that continues from one that starts, and a recovery (failure, then success).</param>
/// <param name="Link">The run in the API.</param>
public sealed record RunFinished(
    string Repository,
    string Workflow,
    string Ref,
    bool IsDefaultBranchOrTag,
    long RunId,
    int Attempt,
    string Conclusion,
    string? PreviousConclusion,
    TimeSpan Duration,
    DateTimeOffset At,
    string? Link)
{
    /// <summary>A failure on the default branch or a tag (alert).</summary>
    public bool Failed => IsDefaultBranchOrTag && Conclusion == Conclusions.Failure;

    /// <summary>A success after a failure on the default branch or a tag (resolve).</summary>
    public bool Recovered => IsDefaultBranchOrTag && Conclusion == Conclusions.Success && PreviousConclusion == Conclusions.Failure;
}

/// <summary>A job ended: for metrics (duration, time in the queue).</summary>
public sealed record JobFinished(string Repository, long RunId, string Job, string Conclusion, string? Worker, TimeSpan Duration, TimeSpan QueueWait, DateTimeOffset At);

/// <summary>A worker stopped renewing a lease (lost), or asked for work again after that (back).</summary>
public sealed record WorkerChanged(string Worker, bool Lost, string Reason, DateTimeOffset At);

/// <summary>What a subscriber hears; each method has an empty default, so it implements only what it needs.</summary>
public interface IPipelineObserver
{
    Task RunFinishedAsync(RunFinished run, CancellationToken ct) => Task.CompletedTask;

    Task JobFinishedAsync(JobFinished job, CancellationToken ct) => Task.CompletedTask;

    Task WorkerChangedAsync(WorkerChanged worker, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// The pipeline server's events, to subscribe to: runs that end (with whether they failed on the default branch or a
/// tag, or recovered), jobs that end, workers lost and back. Raised after the change is committed to the store, by the
/// server that made it, so with several servers each event is raised once.
/// </summary>
public interface IPipelineEvents
{
    /// <summary>Adds <paramref name="observer"/> until the returned handle is disposed.</summary>
    IDisposable Subscribe(IPipelineObserver observer);
}

/// <summary>The event hub: observers are called in turn; one that throws is logged and does not stop the others.</summary>
public sealed class PipelineEvents(ILogger logger) : IPipelineEvents
{
    private readonly Lock _gate = new();
    private IPipelineObserver[] _observers = [];

    public IDisposable Subscribe(IPipelineObserver observer)
    {
        lock (_gate)
        {
            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    internal Task RaiseAsync(RunFinished e, CancellationToken ct) => EachAsync(o => o.RunFinishedAsync(e, ct), "run-finished");

    internal Task RaiseAsync(JobFinished e, CancellationToken ct) => EachAsync(o => o.JobFinishedAsync(e, ct), "job-finished");

    internal Task RaiseAsync(WorkerChanged e, CancellationToken ct) => EachAsync(o => o.WorkerChangedAsync(e, ct), "worker-changed");

    private async Task EachAsync(Func<IPipelineObserver, Task> call, string what)
    {
        foreach (var o in Volatile.Read(ref _observers))
        {
            try
            {
                await call(o);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RunLog.ObserverFailed(logger, e, what, o.GetType().Name);
            }
        }
    }

    private sealed class Subscription(PipelineEvents events, IPipelineObserver observer) : IDisposable
    {
        public void Dispose()
        {
            lock (events._gate)
            {
                events._observers = [.. events._observers.Where(o => !ReferenceEquals(o, observer))];
            }
        }
    }
}
