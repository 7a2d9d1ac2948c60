using Catalytic.Contracts.Deployments;
using Catalytic.Server.Dashboard.Data;

namespace Catalytic.Dashboard.Tests;

/// <summary>The chart's numbers read back from events in the forms Delivery's ReleaseAnalyzer and StrategySteps write.</summary>
public sealed class AnalysisSeriesTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void From_PassFailAndInconclusiveChecks_ReadsEveryNumberAndTheLimits()
    {
        var a = AnalysisSeries.From([
            new EventView(T, "analysing", "analysing v2 every 1s over a 10s window for 10s (max-error-rate 5%, max-p99-latency 1.5s, failure-limit 2, min-requests 10)"),
            new EventView(T.AddSeconds(1), "analysing", "analysis of v2: pass: 120 requests, 1 errors (0.83%), p99 42ms"),
            new EventView(T.AddSeconds(2), "analysing", "analysis of v2: fail: error rate 12.5% > max-error-rate 5%; p99 2.1s > max-p99-latency 1.5s (80 requests, 10 errors (12.5%), p99 2.1s)"),
            new EventView(T.AddSeconds(3), "analysing", "analysis of v2: inconclusive: 3 requests, 0 errors (0%), p99 n/a in the last 10s (fewer than min-requests 10)"),
            new EventView(T.AddSeconds(4), "analysing", "analysis of v2: something new the chart does not know"),
        ]);

        Assert.Equal((0.05, 1500.0, 2, 10L), (a.MaxErrorRate!.Value, a.MaxP99Ms!.Value, a.FailureLimit!.Value, a.MinRequests!.Value));
        Assert.Equal(3, a.Checks.Count);
        Assert.Equal(("pass", 120L, 1L, 42.0), (a.Checks[0].Verdict, a.Checks[0].Requests, a.Checks[0].Errors, a.Checks[0].P99Ms!.Value));
        Assert.Equal(0.0083, a.Checks[0].ErrorRate, 6);
        Assert.Equal(("fail", 80L, 10L, 2100.0), (a.Checks[1].Verdict, a.Checks[1].Requests, a.Checks[1].Errors, a.Checks[1].P99Ms!.Value));
        Assert.Equal(0.125, a.Checks[1].ErrorRate, 6);
        Assert.Equal(("inconclusive", 3L, (double?)null), (a.Checks[2].Verdict, a.Checks[2].Requests, a.Checks[2].P99Ms));
        Assert.Equal(T.AddSeconds(2), a.Checks[1].At);
    }

    [Fact]
    public void From_ADeploymentThatWasNotAnalysed_HasNoLimitsAndNoChecks()
    {
        var a = AnalysisSeries.From([new EventView(T, "succeeded", "v1 is live on 2 instance(s) (first release: not analysed)")]);
        Assert.Null(a.MaxErrorRate);
        Assert.Empty(a.Checks);
    }
}
