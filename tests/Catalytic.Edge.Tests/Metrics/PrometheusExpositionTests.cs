using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Metrics;

public sealed class PrometheusExpositionTests
{
    [Fact]
    public async Task Format_WithAwkwardLabelValues_StaysParsable()
    {
        var router = new EdgeRouter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var stats = router.StatsFor("we\"b\\", "prod\nuction", "v1");
        stats.Record(router.NowSecond(), 200, proxyFailure: false, micros: 700);
        stats.Record(router.NowSecond(), 502, proxyFailure: true, micros: 3_000_000);

        var families = PrometheusText.Parse(await router.ExportPrometheusAsync(TestContext.Current.CancellationToken));

        var labels = "app=\"we\\\"b\\\\\",env=\"prod\\nuction\",version=\"v1\"";
        Assert.Equal(1, families.Value("catalytic_edge_requests_total", labels + ",code=\"502\""));
        Assert.Equal(1, families.Value("catalytic_edge_proxy_failures_total", labels));
        Assert.Equal(0, families.Value("catalytic_edge_request_duration_seconds_bucket", labels + ",le=\"0.0005\""));
        Assert.Equal(1, families.Value("catalytic_edge_request_duration_seconds_bucket", labels + ",le=\"0.001\""));
        Assert.Equal(2, families.Value("catalytic_edge_request_duration_seconds_bucket", labels + ",le=\"5\""));
        Assert.Equal(3.0007, families.Value("catalytic_edge_request_duration_seconds_sum", labels), 9);
    }

    [Fact]
    public async Task Format_WithoutTraffic_StillDeclaresEveryFamily()
    {
        var families = PrometheusText.Parse(await new EdgeRouter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider()).ExportPrometheusAsync(TestContext.Current.CancellationToken));

        Assert.Equal(
            ["catalytic_edge_active_requests", "catalytic_edge_certificate_expiry_timestamp_seconds", "catalytic_edge_proxy_failures_total", "catalytic_edge_request_duration_seconds",
             "catalytic_edge_requests_total", "catalytic_edge_route_weight"],
            families.Types.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AcrossScrapes_HistogramBucketsCountAndSumStayExact_AndAVersionLeavingTheTableLeavesRouteWeight()
    {
        var router = new EdgeRouter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var a = new Uri("http://127.0.0.1:1/");
        router.Apply(new Catalytic.Delivery.Routing.RouteTable("web", "prod", [new("v1", 90, [a]), new("v2", 10, [a])]));
        var stats = router.StatsFor("web", "prod", "v1");
        var labels = "app=\"web\",env=\"prod\",version=\"v1\"";
        long sumMicros = 0;
        var recorded = 0;
        foreach (var round in new[] { new long[] { 0, 300, 500, 501, 7_000 }, [20_000_000, 400], [], [999_999, 1_000_000, 1_000_001, 12_345_678] })
        {
            foreach (var micros in round)
            {
                stats.Record(router.NowSecond(), 200, proxyFailure: false, micros);
                sumMicros += micros;
                recorded++;
            }

            var families = PrometheusText.Parse(await router.ExportPrometheusAsync(TestContext.Current.CancellationToken));
            Assert.Equal(recorded, families.Value("catalytic_edge_request_duration_seconds_count", labels));
            Assert.Equal(recorded, families.Value("catalytic_edge_requests_total", labels + ",code=\"200\""));
            Assert.Equal(sumMicros / 1_000_000.0, families.Value("catalytic_edge_request_duration_seconds_sum", labels), 9);
            foreach (var bound in new[] { 0.0005, 0.001, 0.01, 1, 10 })
            {
                Assert.Equal(ExpectedAtMost(bound), families.Value("catalytic_edge_request_duration_seconds_bucket", labels + $",le=\"{bound.ToString(System.Globalization.CultureInfo.InvariantCulture)}\""));
            }
        }

        // The retired version's weight goes with it; its request counters stay (counters only grow).
        var before = PrometheusText.Parse(await router.ExportPrometheusAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, before.Value("catalytic_edge_route_weight", "app=\"web\",env=\"prod\",version=\"v2\""));
        router.Apply(new Catalytic.Delivery.Routing.RouteTable("web", "prod", [new("v1", 100, [a])]));
        var after = PrometheusText.Parse(await router.ExportPrometheusAsync(TestContext.Current.CancellationToken));
        Assert.Equal(100, after.Value("catalytic_edge_route_weight", labels));
        Assert.Throws<Xunit.Sdk.XunitException>(() => after.Value("catalytic_edge_route_weight", "app=\"web\",env=\"prod\",version=\"v2\""));

        int ExpectedAtMost(double seconds) => All().Count(m => m <= seconds * 1_000_000);
        IEnumerable<long> All() => new long[] { 0, 300, 500, 501, 7_000, 20_000_000, 400, 999_999, 1_000_000, 1_000_001, 12_345_678 }.Take(recorded);
    }
}
