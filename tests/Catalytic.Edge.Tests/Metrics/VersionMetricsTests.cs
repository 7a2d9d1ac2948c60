using Catalytic.Edge.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Edge.Tests.Metrics;

public sealed class VersionMetricsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly EdgeRouter _router;

    public VersionMetricsTests() => _router = new EdgeRouter(_time);

    [Fact]
    public void Read_UnknownVersion_IsEmpty()
    {
        var m = _router.Read("web", "production", "v9", TimeSpan.FromSeconds(8));

        Assert.Equal(new Catalytic.Delivery.Routing.VersionMetrics("v9", 0, 0, null), m);
        Assert.Equal(0, m.ErrorRate);
    }

    [Fact]
    public void Read_Window_CountsOnlyTheRecentSeconds()
    {
        Record("v1", 10, status: 200, ms: 5);
        _time.Advance(TimeSpan.FromSeconds(5));
        Record("v1", 16, status: 200, ms: 5);
        Record("v1", 4, status: 503, ms: 5);

        var recent = _router.Read("web", "production", "v1", TimeSpan.FromSeconds(3));
        var all = _router.Read("web", "production", "v1", TimeSpan.FromSeconds(8));

        Assert.Equal((20, 4), (recent.Requests, recent.Errors));
        Assert.Equal(0.2, recent.ErrorRate, 6);
        Assert.Equal((30, 4), (all.Requests, all.Errors));
    }

    [Fact]
    public void Read_AfterTheRingWrapped_ForgetsOldSeconds()
    {
        Record("v1", 10, status: 500, ms: 5);
        _time.Advance(TimeSpan.FromSeconds(300));
        Record("v1", 3, status: 200, ms: 5);

        var m = _router.Read("web", "production", "v1", TimeSpan.FromSeconds(300));

        Assert.Equal((3, 0), (m.Requests, m.Errors));
    }

    [Fact]
    public void Read_WhenAllRequestsAreOld_HasNoP99()
    {
        Record("v1", 10, status: 200, ms: 5);
        _time.Advance(TimeSpan.FromSeconds(30));

        var m = _router.Read("web", "production", "v1", TimeSpan.FromSeconds(8));

        Assert.Equal(0, m.Requests);
        Assert.Null(m.P99);
    }

    [Theory]
    [InlineData(990, 10, 10.0)]   // 99% at 10 ms: p99 is 10 ms
    [InlineData(980, 20, 200.0)]  // 2% at 200 ms: p99 is 200 ms
    public void Read_P99_IsWithinFivePercent(int fast, int slow, double expectedMs)
    {
        Record("v1", fast, status: 200, ms: 10);
        _time.Advance(TimeSpan.FromSeconds(1));
        Record("v1", slow, status: 200, ms: 200);

        var p99 = _router.Read("web", "production", "v1", TimeSpan.FromSeconds(8)).P99!.Value.TotalMilliseconds;

        Assert.InRange(p99, expectedMs * 0.95, expectedMs * 1.05);
    }

    [Fact]
    public void Read_P99_OfUniformLatencies_IsWithinFivePercent()
    {
        for (var ms = 1; ms <= 1000; ms++)
        {
            Record("v1", 1, status: 200, ms: ms);
        }

        var p99 = _router.Read("web", "production", "v1", TimeSpan.FromSeconds(1)).P99!.Value.TotalMilliseconds;

        Assert.InRange(p99, 990 * 0.95, 990 * 1.05);
    }

    [Fact]
    public void Read_NonPositiveWindow_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _router.Read("web", "production", "v1", TimeSpan.Zero));

    [Fact]
    public void Read_Versions_AreKeptApart()
    {
        Record("v1", 5, status: 200, ms: 1);
        Record("v2", 7, status: 500, ms: 1);

        Assert.Equal(0, _router.Read("web", "production", "v1", TimeSpan.FromSeconds(8)).Errors);
        Assert.Equal(7, _router.Read("web", "production", "v2", TimeSpan.FromSeconds(8)).Errors);
        Assert.Equal(0, _router.Read("web", "staging", "v2", TimeSpan.FromSeconds(8)).Requests);
    }

    private void Record(string version, int count, int status, double ms)
    {
        var stats = _router.StatsFor("web", "production", version);
        for (var i = 0; i < count; i++)
        {
            stats.Record(_router.NowSecond(), status, proxyFailure: false, (long)(ms * 1000));
        }
    }
}
