using System.Collections.Concurrent;
using System.Net;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Tests.Support;
using Catalytic.Testing.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Catalytic.Delivery.Tests.Analysis;

/// <summary>
/// The extra analysis metric against a real small HTTP server: a Prometheus instant query (`/api/v1/query`, the JSON
/// Prometheus answers) or a plain HTTP check. A bad value for the new version rolls it back even with healthy traffic.
/// </summary>
public sealed class ExtraMetricTests : IAsyncLifetime
{
    private WebApplication? _server;

    /// <summary>Queries and paths the metric server received.</summary>
    private readonly ConcurrentQueue<string> _seen = new();

    private Uri Address { get; set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _server = builder.Build();
        // Prometheus' instant query answer: {"status":"success","data":{"resultType":"vector","result":[{"metric":{…},"value":[ts,"v"]}]}}
        _server.MapGet("/api/v1/query", (string query) =>
        {
            _seen.Enqueue(query);
            var value = query.Contains("\"v2\"", StringComparison.Ordinal) ? "0.9" : "0.01";
            return Results.Text($$$"""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"web"},"value":[1795000000.123,"{{{value}}}"]}]}}""", "application/json");
        });
        _server.MapGet("/check/{version}", (string version) =>
        {
            _seen.Enqueue("/check/" + version);
            return version == "v2" ? Results.StatusCode(503) : Results.Ok();
        });
        await _server.StartAsync();
        Address = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static string Yaml(string metric) => $$"""
        apps:
          web:
            run: python3 app.py
            health: { path: /healthz, interval: 100ms, timeout: 1m, start-timeout: 10m }
            environments:
              production:
                listen: "{listen}"
                strategy: blue-green
                analysis: { interval: 200ms, window: 1s, failure-limit: 2, min-requests: 0, metric: {{metric}} }
        """;

    [Fact]
    public async Task PrometheusQuery_AboveMaxForTheNewVersion_RollsItBack()
    {
        await using var h = await DeliveryHarness.StartAsync(Yaml($$"""{ prometheus: "{{Address}}", query: 'error_ratio{version="{version}",app="{app}"}', max: 0.5 }"""));
        var v1 = await h.DeployAsync("v1");
        await using var load = new LoadGenerator(h.EdgeUrl, 2, TimeSpan.FromMilliseconds(10));
        await load.AnsweredAsync(10, what: "from v1 before v2");
        var v2 = await h.DeployAsync("v2");

        Assert.True(v1.State == DeploymentState.Succeeded, await h.EventsAsync(v1.Id));
        Assert.True(v2.State == DeploymentState.RolledBack, await h.EventsAsync(v2.Id));
        Assert.Contains("automatic rollback to v1", v2.Reason, StringComparison.Ordinal);
        Assert.Contains("metric error_ratio{version=\"v2\",app=\"web\"} = 0.9 > max 0.5", v2.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_seen, q => q.Contains("\"v1\"", StringComparison.Ordinal)); // a first release is not analysed
        Assert.Equal((200, "v1"), await h.GetAsync());
        Assert.All(load.Samples, s => Assert.Equal(200, s.Status)); // the edge saw no error: only the metric judged v2
    }

    [Fact]
    public async Task HttpCheck_FailingForTheNewVersion_RollsItBackEvenWithoutTraffic()
    {
        var yaml = Yaml($$"""{ http: "{{Address}}check/{version}" }""").Replace("min-requests: 0", "min-requests: 1000", StringComparison.Ordinal);
        await using var h = await DeliveryHarness.StartAsync(yaml);
        var v1 = await h.DeployAsync("v1");
        Assert.Equal(DeploymentState.Succeeded, v1.State); // the first release: nothing to roll back to, not analysed

        var v2 = await h.DeployAsync("v2");

        Assert.True(v2.State == DeploymentState.RolledBack, await h.EventsAsync(v2.Id));
        Assert.Contains($"metric check {Address}check/v2 answered 503", v2.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("/check/v1", _seen);
        Assert.Equal((200, "v1"), await h.GetAsync());
    }
}
