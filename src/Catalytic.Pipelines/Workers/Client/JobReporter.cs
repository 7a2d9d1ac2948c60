using Catalytic.Pipelines.Dispatch;
using Catalytic.Runner.Hosting;
using Microsoft.Extensions.Logging;
using Polly;

namespace Catalytic.Pipelines.Workers.Client;

/// <summary>
/// What one job on a remote worker sends the server while it runs: its messages (log lines, steps started and
/// finished) in numbered batches (<see cref="ReportQueue"/>, which the embedded worker uses too) every
/// <see cref="FlushInterval"/> or <see cref="MaxBatch"/> messages, a renewal of its
/// lease when nothing was sent for a third of the lease, and at the end its outcome. While the server is away the
/// messages wait here, in order, and the batch in flight is retried with backoff (<see cref="WorkerRetry"/>); a retried
/// batch keeps its first number, so the server stores each message once. The server's verdict steers the job: cancel
/// (the run was cancelled) or revoked (the job went to another worker): the job is stopped at once and nothing more is
/// sent.
/// </summary>
internal sealed class JobReporter
{
    /// <summary>The most messages in one report.</summary>
    public const int MaxBatch = 1000;

    /// <summary>How long a message waits for others before it is sent: lines show up live, in few requests.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    private readonly Lock _gate = new();
    private readonly ReportQueue _queue = new(MaxBatch);
    private readonly IJobDispatcher _server;
    private readonly string _lease;
    private readonly TimeSpan _renewEvery;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _log;
    private readonly string _job;
    private readonly long _run;
    private readonly Action<LeaseVerdict> _onVerdict;
    private readonly CancellationTokenSource _quiet = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastContact;
    private volatile bool _finishing;
    private volatile bool _revoked;

    public JobReporter(IJobDispatcher server, JobAssignment job, TimeProvider time, ResiliencePipeline retry, ILogger log, Action<LeaseVerdict> onVerdict)
    {
        _server = server;
        _lease = job.LeaseId;
        _renewEvery = job.LeaseDuration / 3 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : job.LeaseDuration / 3;
        _time = time;
        _retry = retry;
        _log = log;
        _job = job.JobKey;
        _run = job.RunId;
        _onVerdict = onVerdict;
        _lastContact = time.GetTimestamp();
    }

    /// <summary>True once the server said the lease is gone: the job was stopped, and nothing more goes out.</summary>
    public bool Revoked => _revoked;

    public void Add(WorkerMessage message)
    {
        if (_queue.Add(message) >= MaxBatch)
        {
            lock (_gate)
            {
                _wake.TrySetResult();
            }
        }
    }

    /// <summary>Sends what comes and renews the lease until <see cref="FinishAsync"/> or a revocation; <paramref name="ct"/> stops it outright.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!_finishing && !_revoked && !ct.IsCancellationRequested)
        {
            Task wake;
            lock (_gate)
            {
                wake = _wake.Task;
            }

            try
            {
                await Task.WhenAny(wake, Task.Delay(FlushInterval, _time, _quiet.Token));
            }
            catch (OperationCanceledException)
            {
                // Finishing: the last batches are FinishAsync's.
            }

            lock (_gate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            if (_finishing || _revoked)
            {
                break;
            }

            if (!await SendAsync(ct) && _time.GetElapsedTime(Interlocked.Read(ref _lastContact)) >= _renewEvery)
            {
                Apply(await _retry.ExecuteAsync(async c => await _server.RenewAsync(_lease, c), ct));
                Interlocked.Exchange(ref _lastContact, _time.GetTimestamp());
            }
        }
    }

    /// <summary>
    /// The job ended: stops <paramref name="loop"/> (the task of <see cref="RunAsync"/>), sends every message left, then
    /// the outcome — each retried until the server takes it. Nothing is sent once the lease is revoked.
    /// </summary>
    public async Task FinishAsync(Task loop, JobOutcome? outcome, CancellationToken ct)
    {
        _finishing = true;
        await _quiet.CancelAsync();
        await loop;
        while (!_revoked && await SendAsync(ct))
        {
        }

        if (!_revoked && outcome is not null)
        {
            await _retry.ExecuteAsync(async c => await _server.CompleteAsync(_lease, outcome, c), ct);
        }
    }

    /// <summary>Sends the next batch; false when there was nothing to send.</summary>
    private async Task<bool> SendAsync(CancellationToken ct)
    {
        if (_revoked || await _queue.SendNextAsync(ReportAsync, ct) is not { } verdict)
        {
            return false;
        }

        Interlocked.Exchange(ref _lastContact, _time.GetTimestamp());
        Apply(verdict);
        return true;
    }

    /// <summary>One batch, retried with backoff until the server answers.</summary>
    private async Task<LeaseVerdict> ReportAsync(long first, IReadOnlyList<WorkerMessage> batch, CancellationToken ct)
    {
        try
        {
            return await _retry.ExecuteAsync(async c => await _server.ReportAsync(_lease, first, batch, c), ct);
        }
        catch (WorkerRefusedException e) when (e.Status == 400)
        {
            // A batch the server cannot read will never be taken: dropped, so the rest of the log still arrives.
            WorkerClientLog.ReportRefused(_log, _job, _run, e.Message);
            return LeaseVerdict.Continue;
        }
    }

    private void Apply(LeaseVerdict verdict)
    {
        if (verdict == LeaseVerdict.Revoked)
        {
            _revoked = true;
            _queue.Close();
        }

        if (verdict != LeaseVerdict.Continue)
        {
            _onVerdict(verdict);
        }
    }
}
