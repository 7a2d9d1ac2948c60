using System.Collections.Immutable;
using System.Net;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;

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
        Timeout = TimeSpan.FromSeconds(30),
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
        await Eventually.TrueAsync(() => Router.Read(App, Env, version, TimeSpan.FromSeconds(60)).Requests >= requests,
            $"the metrics of {version} counting {requests} requests");
        return Router.Read(App, Env, version, TimeSpan.FromSeconds(60));
    }

    public void Route(string? sticky, params (string Version, int Weight, TestBackend[] Instances)[] versions) =>
        Router.Apply(Table(sticky, versions.Select(v => (v.Version, v.Weight, v.Instances.Select(b => b.Address).ToArray())).ToArray()));

    public static RouteTable Table(string? sticky, params (string Version, int Weight, Uri[] Instances)[] versions) =>
        new(App, Env, [.. versions.Select(v => new WeightedVersion(v.Version, v.Weight, [.. v.Instances]))], sticky);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        foreach (var b in _backends)
        {
            await b.DisposeAsync();
        }
    }
}
