using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Runner.Hosting;
using Catalytic.Testing.Waiting;

namespace Catalytic.Workers.Tests.Support;

/// <summary>
/// An in-memory <see cref="IJobDispatcher"/>, a stand-in for the run queue's dispatcher on the store (branch
/// <c>run-queue</c>, not on main while these tests were written): a queue of assignments, and per lease what the worker
/// sent — messages stored once by their sequence numbers, renewals, the outcome — and the verdict the test wants it
/// told. It covers the protocol and the worker, not the store's lease rules (lapse, re-queue), which are run-queue's.
/// </summary>
public sealed class MemoryDispatcher : IJobDispatcher
{
    private readonly Channel<JobAssignment> _queue = Channel.CreateUnbounded<JobAssignment>();

    public ConcurrentDictionary<string, Lease> Leases { get; } = new();

    /// <summary>Every worker that asked for work, last request each.</summary>
    public ConcurrentDictionary<string, WorkerInfo> Workers { get; } = new();

    /// <summary>Queues <paramref name="spec"/>; returns its lease id.</summary>
    public string Enqueue(JobSpec spec, string repository, string sha, IReadOnlyDictionary<string, string>? secrets = null, long runId = 1, TimeSpan? leaseDuration = null)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var assignment = new JobAssignment
        {
            LeaseId = id,
            RunId = runId,
            JobKey = spec.ReportId,
            Attempt = 1,
            Spec = spec,
            Repository = repository,
            Sha = sha,
            Secrets = secrets ?? new Dictionary<string, string>(),
            LeaseDuration = leaseDuration ?? TimeSpan.FromSeconds(30),
        };
        Leases[id] = new Lease(assignment);
        _queue.Writer.TryWrite(assignment);
        return id;
    }

    public async Task<JobAssignment?> AcquireAsync(WorkerInfo worker, TimeSpan wait, CancellationToken ct = default)
    {
        Workers[worker.Name] = worker;
        using var timeout = new CancellationTokenSource(wait, RealTime.Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            var job = await _queue.Reader.ReadAsync(linked.Token);
            Leases[job.LeaseId].Worker = worker.Name;
            return job;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public Task<LeaseVerdict> RenewAsync(string leaseId, CancellationToken ct = default)
    {
        if (!Leases.TryGetValue(leaseId, out var lease))
        {
            return Task.FromResult(LeaseVerdict.Revoked);
        }

        Interlocked.Increment(ref lease.Renewals);
        return Task.FromResult(lease.Verdict);
    }

    public Task<LeaseVerdict> ReportAsync(string leaseId, long sequence, IReadOnlyList<WorkerMessage> messages, CancellationToken ct = default)
    {
        if (!Leases.TryGetValue(leaseId, out var lease))
        {
            return Task.FromResult(LeaseVerdict.Revoked);
        }

        lock (lease.Messages)
        {
            Interlocked.Increment(ref lease.Reports);
            if (sequence > lease.Messages.Count)
            {
                lease.Gaps.Add($"batch at {sequence} after {lease.Messages.Count} stored");
            }

            // A retried batch: what is stored already is skipped (the store's rule).
            lease.Messages.AddRange(messages.Skip((int)Math.Max(0, lease.Messages.Count - sequence)));
        }

        return Task.FromResult(lease.Verdict);
    }

    public Task CompleteAsync(string leaseId, JobOutcome outcome, CancellationToken ct = default)
    {
        if (Leases.TryGetValue(leaseId, out var lease))
        {
            lease.Outcome.TrySetResult(outcome);
        }

        return Task.CompletedTask;
    }

    /// <summary>One lease and what its worker sent.</summary>
    public sealed class Lease(JobAssignment assignment)
    {
        public JobAssignment Assignment { get; } = assignment;

        public string? Worker { get; set; }

        public List<WorkerMessage> Messages { get; } = [];

        public List<string> Gaps { get; } = [];

        public TaskCompletionSource<JobOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LeaseVerdict Verdict { get; set; } = LeaseVerdict.Continue;

        public int Renewals;

        public int Reports;

        /// <summary>The log's text so far, one line per log line.</summary>
        public string Log
        {
            get
            {
                lock (Messages)
                {
                    return string.Join('\n', Messages.Where(m => m.Line is not null).Select(m => m.Line!.Text));
                }
            }
        }
    }
}
