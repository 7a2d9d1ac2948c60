using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Edge.Tests.Metrics;

public sealed class EdgeMetricsEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Read_AfterProxiedTraffic_CountsRequestsErrorsAndLatencyPerVersion()
    {
        // The edge times requests on its clock: each request to v1 takes exactly 60 ms of it (the backend moves it).
        var clock = new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow());
        await using var edge = await EdgeTestContext.StartAsync(router: new EdgeRouter(clock));
        var good = await edge.BackendAsync("v1", onRequest: () => clock.Advance(TimeSpan.FromMilliseconds(60)));
        var bad = await edge.BackendAsync("v2");
        edge.Route(null, ("v1", 100, [good]));
        for (var i = 0; i < 20; i++)
        {
            (await edge.Client.GetAsync("/", Ct)).Dispose();
        }

        edge.Route(null, ("v1", 0, [good]), ("v2", 100, [bad]));
        for (var i = 0; i < 20; i++)
        {
            (await edge.Client.GetAsync(i % 2 == 0 ? "/status/500" : "/", Ct)).Dispose();
        }

        var v1 = await edge.MetricsAsync("v1", 20);
        var v2 = await edge.MetricsAsync("v2", 20);
        Assert.Equal((20, 0), (v1.Requests, v1.Errors));
        Assert.InRange(v1.P99!.Value.TotalMilliseconds, 58, 62); // 60 ms, within its latency bucket (±3%)
        Assert.Equal((20, 10), (v2.Requests, v2.Errors));
        Assert.Equal(0.5, v2.ErrorRate);
        Assert.Equal(0, edge.Router.ActiveRequests("web", "production", "v1"));
    }

    [Fact]
    public async Task Read_ClientThatGivesUp_IsNotABackendError()
    {
        // The edge's clock stands still: the reading's window holds the request however long the machine took.
        var clock = new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow());
        await using var edge = await EdgeTestContext.StartAsync(router: new EdgeRouter(clock));
        var v1 = await edge.BackendAsync("v1");
        edge.Route(null, ("v1", 100, [v1]));

        // The client gives up once the edge holds its request: a fixed client timeout could fire before the request
        // reached the edge on a busy machine, and then there would be nothing to record.
        using var impatient = edge.NewClient();
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = impatient.GetAsync("/slow?ms=60000", giveUp.Token);
        await Eventually.TrueAsync(() => edge.Router.ActiveRequests("web", "production", "v1") == 1, "the edge holding the request");

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        await Eventually.TrueAsync(() => edge.Router.Read("web", "production", "v1", TimeSpan.FromSeconds(30)).Requests == 1, "the abandoned request being recorded");

        var m = edge.Router.Read("web", "production", "v1", TimeSpan.FromSeconds(30));
        Assert.Equal((1, 0), (m.Requests, m.Errors));
        Assert.Contains("code=\"499\"} 1", await edge.Router.ExportPrometheusAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_AfterTraffic_ReportsCountsHistogramAndWeights()
    {
        var clock = new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow());
        await using var edge = await EdgeTestContext.StartAsync(router: new EdgeRouter(clock));
        var v1 = await edge.BackendAsync("v1", onRequest: () => clock.Advance(TimeSpan.FromMilliseconds(10)));
        var v2 = await edge.BackendAsync("v2");
        edge.Route(null, ("v1", 100, [v1]), ("v2", 0, [v2]));
        for (var i = 0; i < 7; i++)
        {
            (await edge.Client.GetAsync("/", Ct)).Dispose();
        }

        (await edge.Client.GetAsync("/status/404", Ct)).Dispose();
        // The edge counts a request once its answer is out: the client can hold the 404 before it is counted.
        await edge.MetricsAsync("v1", 8);
        edge.Route(null, ("v1", 75, [v1]), ("v2", 25, [v2]));

        using var writer = new StringWriter();
        await edge.Router.WritePrometheusAsync(writer, Ct);
        var families = PrometheusText.Parse(writer.ToString());

        var labels = "app=\"web\",env=\"production\",version=\"v1\"";
        Assert.Equal(7, families.Value("catalytic_edge_requests_total", labels + ",code=\"200\""));
        Assert.Equal(1, families.Value("catalytic_edge_requests_total", labels + ",code=\"404\""));
        Assert.Equal(8, families.Value("catalytic_edge_request_duration_seconds_count", labels));
        Assert.Equal(8, families.Value("catalytic_edge_request_duration_seconds_bucket", labels + ",le=\"+Inf\""));
        Assert.InRange(families.Value("catalytic_edge_request_duration_seconds_sum", labels), 0.0799, 0.0801); // 8 × 10 ms of the edge's clock
        Assert.Equal(0, families.Value("catalytic_edge_active_requests", labels));
        Assert.Equal(75, families.Value("catalytic_edge_route_weight", labels));
        Assert.Equal(25, families.Value("catalytic_edge_route_weight", "app=\"web\",env=\"production\",version=\"v2\""));
        Assert.Equal("histogram", families.Types["catalytic_edge_request_duration_seconds"]);
    }
}
