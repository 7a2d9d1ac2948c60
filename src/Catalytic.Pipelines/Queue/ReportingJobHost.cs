using Catalytic.Pipelines.Dispatch;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Reporting;

namespace Catalytic.Pipelines.Queue;

/// <summary>
/// The host of a job a worker holds under a lease: every line and step event is kept, in order, until the next
/// <see cref="FlushAsync"/> reports them to the dispatcher as one numbered batch (a batch that fails is sent again
/// with the same numbers, and the store skips what it has). Secrets are the values the assignment carried.
/// </summary>
public sealed class ReportingJobHost(
    JobAssignment assignment,
    IJobDispatcher dispatcher,
    string workspace,
    IArtifactStore artifacts,
    ICacheStores caches) : IJobHost
{
    /// <summary>The most messages one report carries: a chatty step is reported in several batches, never one huge one.</summary>
    private const int MaxBatch = 2000;

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly List<WorkerMessage> _pending = [];
    private long _sent;

    public string Workspace { get; } = workspace;

    public IArtifactStore Artifacts { get; } = artifacts;

    public ICacheStores Caches { get; } = caches;

    /// <summary>The last verdict the dispatcher gave on a report.</summary>
    public LeaseVerdict Verdict { get; private set; } = LeaseVerdict.Continue;

    public string? Secret(string name) => assignment.Secrets.TryGetValue(name, out var value) ? value : null;

    public void JobStarted(string job) => Add(new WorkerMessage(JobStarted: job));

    public void StepStarted(string job, string step) => Add(new WorkerMessage(StepStarted: step));

    public void Line(JobLogLine line) => Add(new WorkerMessage(Line: line));

    public void StepFinished(string job, StepReport step) => Add(new WorkerMessage(Step: step));

    public void JobFinished(string job, JobReport report, TimeSpan duration)
    {
        // The outcome goes to CompleteAsync with the outputs the planner needs; the log keeps only lines and steps.
    }

    /// <summary>Reports what was kept since the last flush; returns the dispatcher's verdict (Continue when there was nothing).</summary>
    public async Task<LeaseVerdict> FlushAsync(CancellationToken ct)
    {
        await _flushing.WaitAsync(ct);
        try
        {
            while (true)
            {
                List<WorkerMessage> batch;
                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        return Verdict;
                    }

                    // A copy: lines keep arriving while the batch is sent, and they must not ride in it half-counted
                    // (they were dropped with it once: a job's last output line missing from its log).
                    batch = _pending.GetRange(0, Math.Min(_pending.Count, MaxBatch));
                }

                Verdict = await dispatcher.ReportAsync(assignment.LeaseId, _sent, batch, ct);
                lock (_gate)
                {
                    _pending.RemoveRange(0, batch.Count);
                }

                _sent += batch.Count;
                if (Verdict == LeaseVerdict.Revoked)
                {
                    return Verdict;
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private void Add(WorkerMessage message)
    {
        lock (_gate)
        {
            _pending.Add(message);
        }
    }
}
