using System.Collections.Immutable;
using System.Net;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Testing.Time;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Edge.Tests.Support;

/// <summary>A router, a host with one listener for web/production on a free loopback port, and a client pointed at it.</summary>
public sealed class EdgeTestContext : IAsyncDisposable
{
    public const string App = "web";
    public const string Env = "production";

    private readonly List<TestBackend> _backends = [];

    private EdgeTestContext(EdgeRouter router, EdgeHost host, IPEndPoint endPoint)
    {
        Router = router;
        Host = host;
        EndPoint = endPoint;
        Client = NewClient();
    }

    public EdgeRouter Router { get; }

    public EdgeHost Host { get; }

    public IPEndPoint EndPoint { get; }

    public Uri BaseAddress => new($"http://{EndPoint}/");

    public HttpClient Client { get; }

    public static async Task<EdgeTestContext> StartAsync(EdgeHostOptions? options = null, EdgeRouter? router = null)
    {
        router ??= new EdgeRouter(Catalytic.Testing.Waiting.RealTime.Clock);
        var host = new EdgeHost(router, options);
        var endPoint = await host.StartAsync(App, Env, new IPEndPoint(IPAddress.Loopback, 0));
        return new EdgeTestContext(router, host, endPoint);
    }

    public HttpClient NewClient(bool cookies = false) => new(new SocketsHttpHandler
    {
        UseCookies = cookies,
        CookieContainer = new CookieContainer(),
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromMinutes(2),
    };

    public async Task<TestBackend> BackendAsync(string version, string instance = "a", Action? onRequest = null, bool h2c = false)
    {
        var backend = await TestBackend.StartAsync(version, instance, onRequest, h2c);
        _backends.Add(backend);
        return backend;
    }

    /// <summary>
    /// The metrics of <paramref name="version"/> once they count <paramref name="requests"/> requests: the edge records a
    /// request after its last byte went out, so a client may see the answer a moment before.
    /// </summary>
    public async Task<VersionMetrics> MetricsAsync(string version, long requests)
    {
        await Eventually.TrueAsync(() => Router.Read(App, Env, version, Everything).Requests >= requests,
            $"the metrics of {version} counting {requests} requests");
        return Router.Read(App, Env, version, Everything);
    }

    /// <summary>
    /// A metrics window as long as the router keeps: a reading of what a test sent that holds however long the test took
    /// on the router's clock (the real one unless a test gives a fake). A shorter window on the real clock could miss
    /// the test's first requests on a loaded machine.
    /// </summary>
    public static TimeSpan Everything => TimeSpan.FromSeconds(Catalytic.Edge.Metrics.VersionStats.RingSeconds);

    public void Route(string? sticky, params (string Version, int Weight, TestBackend[] Instances)[] versions) =>
        Router.Apply(Table(sticky, versions.Select(v => (v.Version, v.Weight, v.Instances.Select(b => b.Address).ToArray())).ToArray()));

    public static RouteTable Table(string? sticky, params (string Version, int Weight, Uri[] Instances)[] versions) =>
        new(App, Env, [.. versions.Select(v => new WeightedVersion(v.Version, v.Weight, [.. v.Instances]))], sticky);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await StopAsync(Host, Router.TimeProvider);
        foreach (var b in _backends)
        {
            await b.DisposeAsync();
        }
    }

    /// <summary>
    /// Stops <paramref name="host"/>: its listeners drain for up to their drain timeout on the router's clock. A fake clock
    /// is moved meanwhile (on one that stands still, a connection still open at the end of a test would keep the drain,
    /// and the test, waiting for ever); a real one is bounded by the shared deadline.
    /// </summary>
    public static Task StopAsync(EdgeHost host, TimeProvider clock) => clock is FakeTimeProvider fake
        ? fake.AdvanceWhileAsync(host.DisposeAsync().AsTask(), "the edge to drain and stop", step: TimeSpan.FromMilliseconds(100))
        : Catalytic.Testing.Waiting.Eventually.CompletesAsync(host.DisposeAsync().AsTask(), "the edge to drain and stop");
}
