namespace Catalytic.Pipelines.Runs;

/// <summary>
/// What the run queue does by itself while the server runs: looks for lapsed leases every
/// <see cref="RunSchedulerOptions.SweepInterval"/> (a lost worker's job is re-queued within a lease and a sweep), and
/// applies the log retention (<see cref="RunRetention"/>) on start and then every <see cref="PruneInterval"/> when one is set. Each turn that fails is logged and the next one comes.
/// </summary>
public sealed class RunQueueLoops : IAsyncDisposable
{
    private readonly RunScheduler _scheduler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sweeps;

    /// <summary>How often the retention is applied (and once on start).</summary>
    public static TimeSpan PruneInterval { get; } = TimeSpan.FromHours(1);

    public RunQueueLoops(RunScheduler scheduler, RunRetention? retention = null)
    {
        _scheduler = scheduler;
        _sweeps = Task.Run(() => LoopAsync(retention ?? RunRetention.None));
    }

    private async Task LoopAsync(RunRetention retention)
    {
        var time = _scheduler.Options.Time;
        var nextPrune = time.GetUtcNow();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _scheduler.SweepAsync(_stop.Token);
                if (retention.Prunes && time.GetUtcNow() >= nextPrune)
                {
                    nextPrune = time.GetUtcNow() + PruneInterval;
                    var deleted = await _scheduler.Store.PruneLogsAsync(retention.KeepRuns, time.GetUtcNow() - retention.KeepFor, _stop.Token);
                    RunLog.LogsPruned(_scheduler.Options.Logger, deleted, retention.ToString());
                }

                await Task.Delay(_scheduler.Options.SweepInterval, time, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                RunLog.LoopFailed(_scheduler.Options.Logger, e, "lease sweep");
                try
                {
                    await Task.Delay(_scheduler.Options.SweepInterval, time, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sweeps;
        _stop.Dispose();
    }
}
