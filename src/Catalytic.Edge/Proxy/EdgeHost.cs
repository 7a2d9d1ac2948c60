using System.Net;
using System.Net.Http;
using Catalytic.Edge.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Catalytic.Edge.Proxy;

/// <summary>One running listener: where (app, environment) takes traffic.</summary>
public sealed record EdgeListenerInfo(string App, string Environment, IPEndPoint EndPoint);

/// <summary>
/// Runs edge listeners — one Kestrel server per (app, environment) — that proxy to the versions an
/// <see cref="EdgeRouter"/> routes to. Listeners start and stop at runtime; all share one connection pool to backends.
/// </summary>
public sealed class EdgeHost : IAsyncDisposable
{
    private readonly EdgeRouter _router;
    private readonly EdgeHostOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ServiceProvider _services;
    private readonly HttpMessageInvoker _invoker;
    private readonly EdgeProxy _proxy;
    private readonly Relay.Http1Relay? _relay;
    private readonly Dictionary<(string App, string Environment), Listener> _listeners = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    /// <summary>Creates a host for <paramref name="router"/>'s tables; <paramref name="loggerFactory"/> receives Kestrel's and YARP's logs (none by default).</summary>
    public EdgeHost(EdgeRouter router, EdgeHostOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        _router = router;
        _options = options ?? new EdgeHostOptions();
        _options.Validate();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _services = new ServiceCollection()
            .AddSingleton(_loggerFactory)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddHttpForwarder()
            .BuildServiceProvider();
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            // No distributed-tracing headers or activities on the hot path; the edge is not a tracing hop.
            ActivityHeadersPropagator = null,
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionLifetime = _options.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = _options.PooledConnectionIdleTimeout,
            MaxConnectionsPerServer = _options.MaxConnectionsPerServer,
            EnableMultipleHttp2Connections = true,
        }, disposeHandler: true);
        var log = _loggerFactory.CreateLogger("Catalytic.Edge");
        if (loggerFactory is not null)
        {
            Transport.EventLoop.Log = log;
        }

        _proxy = new EdgeProxy(router, _services.GetRequiredService<IHttpForwarder>(), _invoker, _options, log);
        _relay = _options.Relay && UseEventLoops ? new Relay.Http1Relay(router, _options, log) : null;
    }

    /// <summary>The relay, when it runs (tests look at its timeouts and pools).</summary>
    internal Relay.Http1Relay? Relay => _relay;

    private bool UseEventLoops => _options.EventLoops && Catalytic.Platform.Linux.Epoll.IsSupported;

    /// <summary>The listeners running now.</summary>
    public IReadOnlyList<EdgeListenerInfo> Listeners
    {
        get
        {
            lock (_listeners)
            {
                return _listeners.Values.Select(l => l.Info).ToList();
            }
        }
    }

    /// <summary>
    /// Starts listening for (app, environment) on <paramref name="endPoint"/> (port 0 picks a free port) and returns
    /// the address actually bound. Requests get 503 until a route table for (app, environment) is applied.
    /// </summary>
    /// <exception cref="InvalidOperationException">(app, environment) already has a listener.</exception>
    /// <exception cref="IOException">The address is in use.</exception>
    public Task<IPEndPoint> StartAsync(string app, string environment, IPEndPoint endPoint, CancellationToken cancellationToken = default) =>
        StartAsync(app, environment, endPoint, null, cancellationToken);

    /// <summary>
    /// Starts listening for (app, environment) as <see cref="StartAsync(string, string, IPEndPoint, CancellationToken)"/>,
    /// with this environment's client-side timeouts, limits and trusted proxies (<see cref="EdgeHostOptions.Listener"/>
    /// when null).
    /// </summary>
    /// <exception cref="InvalidOperationException">(app, environment) already has a listener.</exception>
    /// <exception cref="IOException">The address is in use.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public async Task<IPEndPoint> StartAsync(
        string app, string environment, IPEndPoint endPoint, EdgeListenerOptions? listenerOptions, CancellationToken cancellationToken = default)
    {
        var listening = listenerOptions ?? _options.Listener;
        listening.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        ArgumentNullException.ThrowIfNull(endPoint);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listeners.ContainsKey((app, environment)))
            {
                throw new InvalidOperationException($"The edge already listens for {app}/{environment}.");
            }

            var slot = _router.Slot(app, environment);
            _relay?.Register(listening);
            var web = BuildListener(endPoint, slot, listening);
            try
            {
                await web.StartAsync(cancellationToken);
            }
            catch
            {
                await web.DisposeAsync();
                throw;
            }

            var bound = BoundEndPoint(web, endPoint);
            lock (_listeners)
            {
                _listeners[(app, environment)] = new Listener(new EdgeListenerInfo(app, environment, bound), web);
            }

            return bound;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the listener of (app, environment): no new connections, requests in flight finish (up to
    /// <see cref="EdgeHostOptions.DrainTimeout"/>). Returns false when there was none.
    /// </summary>
    public async Task<bool> StopAsync(string app, string environment, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Listener? listener;
            lock (_listeners)
            {
                if (!_listeners.Remove((app, environment), out listener))
                {
                    return false;
                }
            }

            await StopListenerAsync(listener, cancellationToken);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops every listener (draining them) and releases the backend connection pool.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            List<Listener> all;
            lock (_listeners)
            {
                all = [.. _listeners.Values];
                _listeners.Clear();
            }

            await Task.WhenAll(all.Select(l => StopListenerAsync(l, CancellationToken.None)));
            _invoker.Dispose();
            _relay?.Dispose();
            await _services.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private WebApplication BuildListener(IPEndPoint endPoint, RouteSlot slot, EdgeListenerOptions listening)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            ApplyLimits(kestrel.Limits, listening);
            var relayed = new Relay.RelayListener(slot, listening);
            kestrel.Listen(endPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (_relay is { } relay)
                {
                    listen.Use(next => connection => relay.RunAsync(connection, next, relayed));
                }
                else
                {
                    // No relay: every request takes Kestrel's HTTP layer, behind the gate that checks heads as the relay does.
                    listen.Use(next => connection =>
                    {
                        Proxy.Relay.Http1Gate.Install(connection, listening);
                        return next(connection);
                    });
                }
            });
        });
        if (UseEventLoops)
        {
            // Registered after Kestrel's socket transport: Kestrel binds with the last transport registered.
            builder.Services.AddSingleton<IConnectionListenerFactory, Transport.EdgeTransportFactory>();
        }

        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = _options.DrainTimeout);
        var web = builder.Build();
        var proxy = _proxy;
        web.Run(context => proxy.HandleAsync(context, slot, listening));
        return web;
    }

    /// <summary>
    /// The listener's limits and timeouts as Kestrel's, for what takes Kestrel's HTTP layer. Kestrel's body and
    /// response timeouts are rates with a grace period: the timeouts become the grace periods (at least Kestrel's 1 s
    /// heartbeat), with Kestrel's default rates; the body's pauses are also bounded per read (ReadTrackingStream).
    /// </summary>
    private static void ApplyLimits(KestrelServerLimits limits, EdgeListenerOptions listening)
    {
        limits.KeepAliveTimeout = listening.KeepAliveTimeout;
        limits.RequestHeadersTimeout = listening.RequestHeadersTimeout;
        limits.MaxRequestLineSize = listening.MaxRequestLineSize;
        limits.MaxRequestHeadersTotalSize = listening.MaxRequestHeadersTotalSize;
        limits.MaxRequestHeaderCount = listening.MaxRequestHeaderCount;
        limits.MaxRequestBodySize = listening.MaxRequestBodySize;
        var second = TimeSpan.FromSeconds(1);
        limits.MinRequestBodyDataRate = new MinDataRate(240, listening.RequestBodyTimeout < second ? second : listening.RequestBodyTimeout);
        limits.MinResponseDataRate = new MinDataRate(240, listening.ResponseWriteTimeout < second ? second : listening.ResponseWriteTimeout);
    }

    private static IPEndPoint BoundEndPoint(WebApplication web, IPEndPoint requested)
    {
        var addresses = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        foreach (var address in addresses ?? [])
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Port > 0)
            {
                return new IPEndPoint(requested.Address, uri.Port);
            }
        }

        return requested;
    }

    private async Task StopListenerAsync(Listener listener, CancellationToken cancellationToken)
    {
        // The drain's bound runs on the router's clock (a linked source's CancelAfter would run on the system's).
        using var drain = new CancellationTokenSource(_options.DrainTimeout, _router.TimeProvider);
        using var caller = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), drain);
        try
        {
            await listener.Web.StopAsync(drain.Token);
        }
        finally
        {
            await listener.Web.DisposeAsync();
        }
    }

    private sealed record Listener(EdgeListenerInfo Info, WebApplication Web);
}
