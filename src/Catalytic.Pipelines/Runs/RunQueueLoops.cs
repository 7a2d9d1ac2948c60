namespace Catalytic.Pipelines.Runs;

/// <summary>
/// What the run queue does by itself while the server runs: looks for lapsed leases every
/// <see cref="RunSchedulerOptions.SweepInterval"/> (a lost worker's job is re-queued within a lease and a sweep), and
/// applies the log retention once an hour when one is set. Each turn that fails is logged and the next one comes.
/// </summary>
public sealed class RunQueueLoops : IAsyncDisposable
{
    private readonly RunScheduler _scheduler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sweeps;

    public RunQueueLoops(RunScheduler scheduler, int? keepRuns = null, TimeSpan? keepFor = null)
    {
        _scheduler = scheduler;
        _sweeps = Task.Run(() => LoopAsync(keepRuns, keepFor));
    }

    private async Task LoopAsync(int? keepRuns, TimeSpan? keepFor)
    {
        var time = _scheduler.Options.Time;
        var nextPrune = time.GetUtcNow();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _scheduler.SweepAsync(_stop.Token);
                if ((keepRuns is not null || keepFor is not null) && time.GetUtcNow() >= nextPrune)
                {
                    nextPrune = time.GetUtcNow() + TimeSpan.FromHours(1);
                    var deleted = await _scheduler.Store.PruneLogsAsync(keepRuns, time.GetUtcNow() - keepFor, _stop.Token);
                    RunLog.LogsPruned(_scheduler.Options.Logger, deleted, $"{keepRuns?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any number of"} runs, {keepFor?.ToString() ?? "any age"}");
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
