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
    private readonly ITimer _certificateCheck;
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
        _log = log;
        _certificateCheck = router.TimeProvider.CreateTimer(
            static s => ((EdgeHost)s!).CheckCertificates(), this, _options.CertificateCheckInterval, _options.CertificateCheckInterval);
    }

    private readonly ILogger _log;

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
                return _listeners.Select(l => l.Value.Infos.First(i => i.App == l.Key.App && i.Environment == l.Key.Environment)).ToList();
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
        ArgumentException.ThrowIfNullOrWhiteSpace(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        ArgumentNullException.ThrowIfNull(endPoint);
        var bound = await StartAsync(new EdgeListenerSpec(endPoint, [new EdgeRoute(app, environment)]) { Options = listenerOptions }, cancellationToken);
        return bound.EndPoint;
    }

    /// <summary>
    /// Starts one listening address for every environment of <paramref name="spec"/> — chosen per request by Host and
    /// path, over TLS when it has certificates (chosen by SNI, reloaded when their files change), with its plain-HTTP
    /// redirect when it has one — and returns the addresses actually bound. Each environment's requests get 503 until
    /// its route table is applied; a request no environment takes gets 404.
    /// </summary>
    /// <exception cref="InvalidOperationException">An environment of the spec already has a listener.</exception>
    /// <exception cref="IOException">An address is in use.</exception>
    /// <exception cref="ArgumentException">The spec is invalid (routes that overlap, a bad host or prefix…), or an option is out of range.</exception>
    /// <exception cref="InvalidDataException">A certificate or key file cannot be used (the message names it).</exception>
    public async Task<EdgeListenerBinding> StartAsync(EdgeListenerSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var listening = spec.Options ?? _options.Listener;
        listening.Validate();
        if (spec.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException("Edge listener rejected: " + string.Join("; ", problems), nameof(spec));
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var route in spec.Routes)
            {
                if (_listeners.ContainsKey((route.App, route.Environment)))
                {
                    throw new InvalidOperationException($"The edge already listens for {route.App}/{route.Environment}.");
                }
            }

            var routes = new Routing.SiteRoutes(spec.Routes.Select(r => new Routing.SiteRoute(r, _router.Slot(r.App, r.Environment))));
            var certificates = spec.IsTls ? Tls.CertificateStore.Load(spec.EndPoint.ToString(), spec.Certificates, _log) : null;
            _relay?.Register(listening);
            var webs = new List<WebApplication>();
            try
            {
                var web = BuildListener(spec.EndPoint, routes, listening, certificates);
                webs.Add(web);
                await web.StartAsync(cancellationToken);
                var bound = BoundEndPoint(web, spec.EndPoint);
                IPEndPoint? redirect = null;
                if (spec.RedirectFrom is { } from)
                {
                    var redirector = BuildRedirect(from, bound.Port);
                    webs.Add(redirector);
                    await redirector.StartAsync(cancellationToken);
                    redirect = BoundEndPoint(redirector, from);
                }

                var infos = spec.Routes.Select(r => new EdgeListenerInfo(r.App, r.Environment, bound)).ToList();
                var listener = new Listener(infos, webs, certificates);
                lock (_listeners)
                {
                    foreach (var route in spec.Routes)
                    {
                        _listeners[(route.App, route.Environment)] = listener;
                    }
                }

                if (certificates is not null)
                {
                    certificates.Listener = bound.ToString();
                    _router.Certificates[certificates] = 0;
                }

                return new EdgeListenerBinding(bound, redirect);
            }
            catch
            {
                foreach (var web in webs)
                {
                    await web.DisposeAsync();
                }

                certificates?.Dispose();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The certificates of the listener serving (app, environment), or null (tests wait for a reload).</summary>
    internal Tls.CertificateStore? CertificatesOf(string app, string environment)
    {
        lock (_listeners)
        {
            return _listeners.TryGetValue((app, environment), out var l) ? l.Certificates : null;
        }
    }

    /// <summary>Looks at every listener's certificate files now (the timer does every <see cref="EdgeHostOptions.CertificateCheckInterval"/>).</summary>
    internal void CheckCertificates()
    {
        foreach (var store in _router.Certificates.Keys)
        {
            store.Check();
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
                if (!_listeners.TryGetValue((app, environment), out listener))
                {
                    return false;
                }

                // The listening address stops for every environment it serves.
                foreach (var info in listener.Infos)
                {
                    _listeners.Remove((info.App, info.Environment));
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
                all = [.. _listeners.Values.Distinct()];
                _listeners.Clear();
            }

            await Task.WhenAll(all.Select(l => StopListenerAsync(l, CancellationToken.None)));
            await _certificateCheck.DisposeAsync();
            _invoker.Dispose();
            _relay?.Dispose();
            await _services.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private WebApplication BuildListener(IPEndPoint endPoint, Routing.SiteRoutes routes, EdgeListenerOptions listening, Tls.CertificateStore? certificates)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            ApplyLimits(kestrel.Limits, listening);
            var relayed = new Relay.RelayListener(routes, listening, Https: certificates is not null);
            kestrel.Listen(endPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (certificates is not null)
                {
                    // The relay and the gate come after TLS: they read the decrypted bytes as on a plain listener.
                    listen.UseHttps(Tls.TlsSetup.Handshake(certificates));
                }

                if (_relay is { } relay)
                {
                    listen.Use(next => connection => Tls.TlsSetup.IsHttp2(connection) ? next(connection) : relay.RunAsync(connection, next, relayed));
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
        if (certificates is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        UseEdgeTransport(builder);
        var web = builder.Build();
        var proxy = _proxy;
        web.Run(context => proxy.HandleAsync(context, routes, listening));
        return web;
    }

    /// <summary>A plain-HTTP listener that answers every request with 308 to the same target over https on <paramref name="httpsPort"/>.</summary>
    private WebApplication BuildRedirect(IPEndPoint endPoint, int httpsPort)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            ApplyLimits(kestrel.Limits, _options.Listener);
            kestrel.Listen(endPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(next => connection =>
                {
                    Proxy.Relay.Http1Gate.Install(connection, _options.Listener);
                    return next(connection);
                });
            });
        });
        UseEdgeTransport(builder);
        var web = builder.Build();
        web.Run(context => Tls.TlsSetup.RedirectAsync(context, httpsPort));
        return web;
    }

    private void UseEdgeTransport(WebApplicationBuilder builder)
    {
        if (UseEventLoops)
        {
            // Registered after Kestrel's socket transport: Kestrel binds with the last transport registered.
            builder.Services.AddSingleton<IConnectionListenerFactory, Transport.EdgeTransportFactory>();
        }

        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = _options.DrainTimeout);
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
        if (listener.Certificates is { } certificates)
        {
            _router.Certificates.TryRemove(certificates, out _);
        }

        // The drain's bound runs on the router's clock (a linked source's CancelAfter would run on the system's).
        using var drain = new CancellationTokenSource(_options.DrainTimeout, _router.TimeProvider);
        using var caller = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), drain);
        try
        {
            await Task.WhenAll(listener.Webs.Select(w => w.StopAsync(drain.Token)));
        }
        finally
        {
            foreach (var web in listener.Webs)
            {
                await web.DisposeAsync();
            }

            listener.Certificates?.Dispose();
        }
    }

    private sealed record Listener(IReadOnlyList<EdgeListenerInfo> Infos, IReadOnlyList<WebApplication> Webs, Tls.CertificateStore? Certificates);
}

/// <summary>Where a listener was bound: its address, and its plain-HTTP redirect's when it has one.</summary>
public sealed record EdgeListenerBinding(IPEndPoint EndPoint, IPEndPoint? Redirect);
