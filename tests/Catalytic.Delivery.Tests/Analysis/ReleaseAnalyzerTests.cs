using System.Collections.Concurrent;
using Catalytic.Delivery.Analysis;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Routing;
using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Delivery.Tests.Analysis;

public sealed class ReleaseAnalyzerTests
{
    private static readonly AnalysisConfig Config = new()
    {
        Interval = TimeSpan.FromSeconds(1), Window = TimeSpan.FromSeconds(8), MaxErrorRate = 0.02, FailureLimit = 2, MinRequests = 10,
        MaxP99Latency = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>10% errors: over max-error-rate.</summary>
    private static readonly VersionMetrics Bad = new("v2", 100, 10, TimeSpan.FromMilliseconds(5));

    /// <summary>1% errors: within max-error-rate.</summary>
    private static readonly VersionMetrics Good = new("v2", 100, 1, TimeSpan.FromMilliseconds(5));

    /// <summary>Answers each read with the next scripted reading (the last one repeats).</summary>
    private sealed class ScriptedMetrics(params VersionMetrics[] readings) : IVersionMetricsSource
    {
        private int _next;

        public List<TimeSpan> Windows { get; } = [];

        public VersionMetrics Read(string app, string environment, string version, TimeSpan window)
        {
            Windows.Add(window);
            return readings[Math.Min(_next++, readings.Length - 1)];
        }
    }

    /// <summary>
    /// Runs an analysis on a fake clock moved one interval at a time, each move waiting for the check it must cause:
    /// exactly one check per interval, however slow the machine.
    /// </summary>
    private static async Task<(AnalysisOutcome Outcome, List<AnalysisCheck> Checks, TimeSpan Elapsed)> RunAsync(ScriptedMetrics metrics, TimeSpan duration)
    {
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        var checks = new ConcurrentQueue<AnalysisCheck>();
        var analyzer = new ReleaseAnalyzer(metrics, time);
        var task = analyzer.RunAsync("web", "production", "v2", Config, duration, c =>
        {
            checks.Enqueue(c);
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);
        while (!task.IsCompleted)
        {
            var seen = checks.Count;
            time.Advance(Config.Interval);
            await Eventually.UntilAsync(() => checks.Count > seen || task.IsCompleted, $"check {seen + 1} one interval after check {seen}");
        }

        return (await task, [.. checks], time.GetUtcNow() - start);
    }

    [Fact]
    public async Task Run_ErrorsOverLimitTwiceInARow_FailsAtTheSecondCheck()
    {
        var metrics = new ScriptedMetrics(new VersionMetrics("v2", 100, 0, TimeSpan.FromMilliseconds(5)), new VersionMetrics("v2", 100, 50, TimeSpan.FromMilliseconds(5)));

        var (outcome, checks, elapsed) = await RunAsync(metrics, TimeSpan.FromSeconds(8));

        Assert.Equal(Verdict.Fail, outcome.Verdict);
        Assert.Equal(3, checks.Count);
        Assert.Contains("error rate 50% > max-error-rate 2%", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("100 requests, 50 errors", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(3 * Config.Interval, elapsed); // ended at the check that made the streak, not later
        Assert.All(metrics.Windows, w => Assert.Equal(TimeSpan.FromSeconds(8), w));
    }

    [Fact]
    public async Task Run_FailuresInterruptedByAPass_DoNotRollBack()
    {
        var metrics = new ScriptedMetrics(Bad, Good, Bad, Good, Bad, Good, Bad, Good, Good);

        var (outcome, checks, _) = await RunAsync(metrics, TimeSpan.FromSeconds(8));

        Assert.Equal(Verdict.Pass, outcome.Verdict);
        Assert.Equal(8, checks.Count);
    }

    [Fact]
    public async Task Run_WindowEndingOnAFailedCheck_GoesOnUntilTheStreakReachesTheLimit()
    {
        var metrics = new ScriptedMetrics(Good, Good, Good, Good, Good, Good, Good, Bad, Bad);

        var (outcome, checks, _) = await RunAsync(metrics, TimeSpan.FromSeconds(8));

        Assert.Equal(Verdict.Fail, outcome.Verdict);
        Assert.Equal(9, checks.Count);
        Assert.Contains("2 consecutive failed checks", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WindowEndingOnAFailedCheck_PassesOnlyAfterACheckThatDoesNotFail()
    {
        var metrics = new ScriptedMetrics(Good, Good, Good, Good, Good, Good, Good, Bad, Good);

        var (outcome, checks, _) = await RunAsync(metrics, TimeSpan.FromSeconds(8));

        Assert.Equal(Verdict.Pass, outcome.Verdict);
        Assert.Equal(9, checks.Count);
        Assert.Contains("last check pass", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WindowEndingOnAFailedCheckThenTooLittleTraffic_IsInconclusiveNotPassed()
    {
        var few = new VersionMetrics("v2", 3, 0, TimeSpan.FromMilliseconds(5));
        var metrics = new ScriptedMetrics(Good, Good, Good, Good, Good, Good, Good, Bad, few);

        var (outcome, checks, _) = await RunAsync(metrics, TimeSpan.FromSeconds(8));

        Assert.Equal(Verdict.Inconclusive, outcome.Verdict); // a person decides: the latest evidence was a failure
        Assert.Equal(9, checks.Count);
        Assert.Contains("the last check with enough traffic failed (fail: error rate 10%", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SlowP99_Fails()
    {
        var metrics = new ScriptedMetrics(new VersionMetrics("v2", 100, 0, TimeSpan.FromMilliseconds(900)));

        var (outcome, _, _) = await RunAsync(metrics, TimeSpan.FromSeconds(8));

        Assert.Equal(Verdict.Fail, outcome.Verdict);
        Assert.Contains("p99 900ms > max-p99-latency 300ms", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TooLittleTraffic_IsInconclusiveNotPassed()
    {
        var metrics = new ScriptedMetrics(new VersionMetrics("v2", 3, 3, TimeSpan.FromMilliseconds(5)));

        var (outcome, checks, _) = await RunAsync(metrics, TimeSpan.FromSeconds(4));

        Assert.Equal(Verdict.Inconclusive, outcome.Verdict);
        Assert.All(checks, c => Assert.Equal(Verdict.Inconclusive, c.Verdict));
        Assert.Contains("fewer than min-requests 10", outcome.Reason, StringComparison.Ordinal);
    }
}
