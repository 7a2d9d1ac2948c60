using Catalytic.Edge.Metrics;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Metrics;

public sealed class PrometheusExpositionTests
{
    [Fact]
    public void EscapeLabel_EscapesBackslashQuoteAndNewline() =>
        Assert.Equal("a\\\\b\\\"c\\nd", PrometheusExposition.EscapeLabel("a\\b\"c\nd"));

    [Fact]
    public void Format_WithAwkwardLabelValues_StaysParsable()
    {
        var router = new EdgeRouter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var stats = router.StatsFor("we\"b\\", "prod\nuction", "v1");
        stats.Record(router.NowSecond(), 200, proxyFailure: false, micros: 700);
        stats.Record(router.NowSecond(), 502, proxyFailure: true, micros: 3_000_000);

        var families = PrometheusText.Parse(router.FormatPrometheus());

        var labels = "app=\"we\\\"b\\\\\",env=\"prod\\nuction\",version=\"v1\"";
        Assert.Equal(1, families.Value("catalytic_edge_requests_total", labels + ",code=\"502\""));
        Assert.Equal(1, families.Value("catalytic_edge_proxy_failures_total", labels));
        Assert.Equal(0, families.Value("catalytic_edge_request_duration_seconds_bucket", labels + ",le=\"0.0005\""));
        Assert.Equal(1, families.Value("catalytic_edge_request_duration_seconds_bucket", labels + ",le=\"0.001\""));
        Assert.Equal(2, families.Value("catalytic_edge_request_duration_seconds_bucket", labels + ",le=\"5\""));
        Assert.Equal(3.0007, families.Value("catalytic_edge_request_duration_seconds_sum", labels), 9);
    }

    [Fact]
    public void Format_WithoutTraffic_StillDeclaresEveryFamily()
    {
        var families = PrometheusText.Parse(new EdgeRouter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider()).FormatPrometheus());

        Assert.Equal(
            ["catalytic_edge_active_requests", "catalytic_edge_certificate_expiry_timestamp_seconds", "catalytic_edge_proxy_failures_total", "catalytic_edge_request_duration_seconds",
             "catalytic_edge_requests_total", "catalytic_edge_route_weight"],
            families.Types.Keys.Order(StringComparer.Ordinal));
    }
}
