using System.Collections.Concurrent;

namespace Catalytic.Cli.Tests.Conformance;

/// <summary>
/// Runs the cases concurrently. xunit runs the rows of one theory one after another, so the first row to run starts
/// every case (a bounded number at once) and each row then awaits its own; the conformance folder takes about as long
/// as its slowest cases rather than their sum. Disposal kills what a filtered run left running.
/// </summary>
public sealed class ConformanceSuite : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CaseOutcome>>> _cases = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(Concurrency, Concurrency);
    private readonly CancellationTokenSource _stop = new();
    private int _started;

    /// <summary>Cases running at once: the CLI processes mostly wait on their steps, so twice the cores keeps them busy.</summary>
    public static int Concurrency { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("CATALYTIC_CONFORMANCE_PARALLEL"), out var n) && n > 0 ? n : Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>The outcome of <paramref name="name"/>, starting every case on the first call.</summary>
    public Task<CaseOutcome> OutcomeAsync(string name)
    {
        var own = Get(name);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            foreach (var other in ConformanceRunner.CaseNames())
            {
                _ = Get(other);
            }
        }

        return own;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        ConformanceRunner.KillAll();
        _stop.Dispose();
    }

    private Task<CaseOutcome> Get(string name) =>
        _cases.GetOrAdd(name, n => new Lazy<Task<CaseOutcome>>(() => Task.Run(() => RunBounded(n)))).Value;

    private async Task<CaseOutcome> RunBounded(string name)
    {
        var c = ConformanceCase.Load(Path.Combine(ConformanceRunner.CasesDirectory, name));
        await _slots.WaitAsync(_stop.Token);
        try
        {
            return await ConformanceRunner.RunAsync(c, _stop.Token);
        }
        finally
        {
            _slots.Release();
        }
    }
}
