using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Catalytic.Edge.Routing;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// The edge's fast path, hand-written because a measured need says so (bench/edge: Kestrel's HTTP layer, HttpClient and
/// YARP cost about as much CPU per request as the whole of nginx): a Kestrel connection middleware that reads every
/// HTTP/1.x request head itself, checks it strictly (<see cref="HeadScanner"/>, <see cref="RequestHead"/>) and refuses
/// what it must (400, 405, 408, 413, 414, 417, 431, 501, 505), then relays plain HTTP/1.1 requests — Content-Length and
/// chunked bodies, <c>Expect: 100-continue</c> — to backends over its own keep-alive connections, byte for byte apart
/// from the head rewrite. Routing, retries, metrics and headers are the same as <see cref="EdgeProxy"/>'s. Valid
/// requests it does not relay itself (HTTP/1.0, upgrades, HTTP/2, nothing routable, an https instance) hand the rest
/// of the connection, unread, to Kestrel's HTTP layer and YARP. Client timeouts (keep-alive, head, body, response
/// write) and the backend's (<see cref="EdgeHostOptions.RequestTimeout"/>) run on one sweep of the injected clock.
/// This file: the connection loop and the sweep; Http1Relay.Forward.cs: one request (retries, errors, metrics);
/// Http1Relay.Exchange.cs: one attempt on one backend connection; Http1Relay.Body.cs: bodies in both directions.
/// </summary>
internal sealed partial class Http1Relay : IDisposable
{
    private const int ClientClosedRequest = 499;

    private readonly EdgeRouter _router;
    private readonly EdgeHostOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly long _cooldown;
    private readonly long _lifetime;
    private readonly long _idle;
    private readonly long _requestTimeout;
    private readonly ConcurrentDictionary<InstanceState, BackendPool> _pools = new();
    private readonly ConcurrentDictionary<ClientConnection, byte> _clients = new();
    private readonly ITimer _sweep;
    private long _sweepPeriod;

    public Http1Relay(EdgeRouter router, EdgeHostOptions options, ILogger log)
    {
        _router = router;
        _options = options;
        _log = log;
        _time = router.TimeProvider;
        _cooldown = Ticks(options.FailedInstanceCooldown);
        _lifetime = Ticks(options.PooledConnectionLifetime);
        _idle = Ticks(options.PooledConnectionIdleTimeout);
        _requestTimeout = Ticks(options.RequestTimeout);
        var period = SweepPeriod(options.RequestTimeout, options.Listener);
        _sweepPeriod = period.Ticks;
        _sweep = _time.CreateTimer(static s => ((Http1Relay)s!).Sweep(), this, period, period);
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var pool in _pools.Values)
        {
            pool.CloseAll();
        }
    }

    /// <summary>A listener with these options starts: the sweep runs often enough for its shortest timeout.</summary>
    public void Register(EdgeListenerOptions options)
    {
        var period = SweepPeriod(_options.RequestTimeout, options);
        if (period.Ticks < Interlocked.Read(ref _sweepPeriod))
        {
            Interlocked.Exchange(ref _sweepPeriod, period.Ticks);
            _sweep.Change(period, period);
        }
    }

    /// <summary>The connection middleware for one listener.</summary>
    public async Task RunAsync(ConnectionContext connection, ConnectionDelegate next, RelayListener listener)
    {
        var client = new ClientConnection(connection, listener);
        var lifetime = connection.Features.Get<IConnectionLifetimeNotificationFeature>();
        _clients.TryAdd(client, 0);
        var handOver = false;
        try
        {
            using var closing = lifetime?.ConnectionClosedRequested.Register(static c => ((ClientConnection)c!).RequestClose(), client);
            try
            {
                handOver = await RelayAsync(client);
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                // The client connection failed or was aborted (a timeout, the server stopping): nothing to answer.
                EdgeLog.ClientFailed(_log, client.Id, e.GetType().Name);
                handOver = false;
            }
        }
        finally
        {
            _clients.TryRemove(client, out _);
            client.Dispose();
        }

        if (handOver)
        {
            // Kestrel's HTTP layer reads the rest; the gate checks its request heads as the relay would.
            Http1Gate.Install(connection, listener.Options);
            await next(connection);
        }
        else
        {
            await client.Output.CompleteAsync();
            if (client.Direct)
            {
                // The pipes' send loop ends the connection when their output completes; directly, that is here.
                connection.Abort();
            }
        }
    }

    /// <summary>Relays requests until the connection ends (false) or one needs Kestrel and YARP (true, nothing of it read).</summary>
    private async Task<bool> RelayAsync(ClientConnection client)
    {
        var input = client.Input;
        var options = client.Listener.Options;
        client.Arm(ClientTimeout.Head, _time.GetTimestamp() + Ticks(options.RequestHeadersTimeout));
        var pending = input.ReadAsync();
        while (true)
        {
            var result = await pending;
            var buffer = result.Buffer;
            if (client.Gone)
            {
                return false;
            }

            var expired = client.Expired;
            if (expired != ClientTimeout.None || client.CloseRequested || (result.IsCompleted && buffer.IsEmpty))
            {
                input.AdvanceTo(buffer.End);
                if (expired == ClientTimeout.Head && !buffer.IsEmpty)
                {
                    EdgeLog.TimedOut(_log, client.Id, "request head");
                    await RefuseAsync(client, 408, "the request head took too long", linger: false);
                }

                return false;
            }

            var head = Contiguous(buffer, client);
            var length = client.Scanner.Scan(head, options);
            if (length == HeadScanner.NeedMore)
            {
                if (result.IsCompleted)
                {
                    input.AdvanceTo(buffer.End);
                    return false;
                }

                if (!buffer.IsEmpty && client.Armed == ClientTimeout.KeepAlive)
                {
                    // The next request has begun: from its first byte, its head has the head timeout to arrive.
                    client.Arm(ClientTimeout.Head, _time.GetTimestamp() + Ticks(options.RequestHeadersTimeout));
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                pending = input.ReadAsync();
                continue;
            }

            if (length == HeadScanner.Refused)
            {
                input.AdvanceTo(buffer.End);
                await RefuseAsync(client, client.Scanner.Status, client.Scanner.Status switch
                {
                    414 => "the request line is too long",
                    431 => "the request header section is too large or has too many fields",
                    _ => "malformed request head (a line not ended by CRLF)",
                }, linger: false);
                return false;
            }

            client.Disarm();
            var skipped = client.Scanner.Skipped;
            client.Scanner.Reset();
            var routes = client.Listener.Routes;
            var site = routes.Single;
            var snapshot = site?.Slot.Current;
            var request = client.Request;
            var verdict = request.Parse(head.Slice(skipped, length), client.Identity, options, snapshot?.StickyCookie);
            if (verdict >= 400)
            {
                input.AdvanceTo(buffer.GetPosition(skipped + length));
                EdgeLog.Refused(_log, client.Id, verdict, request.Reason);
                await RefuseAsync(client, verdict, request.Reason, linger: request.Body != RequestBody.None || verdict == 413);
                return false;
            }

            if (verdict == RequestHead.HandOver)
            {
                if (!head[skipped..].StartsWith(RequestHead.Http2Preface))
                {
                    input.AdvanceTo(buffer.Start);
                    return true;
                }

                // HTTP/2 with prior knowledge on a connection that speaks HTTP/1.1 (a plain listener, or TLS that chose
                // http/1.1): answered as Kestrel answers it (GOAWAY, HTTP_1_1_REQUIRED), then a lingering close: the
                // client's SETTINGS and HEADERS are still unread, and closing under them would reset the connection
                // before the client has read why.
                input.AdvanceTo(buffer.End);
                EdgeLog.Refused(_log, client.Id, 505, "HTTP/2 prior knowledge on an HTTP/1.1 connection");
                client.Output.Write(GoAwayHttp11Required);
                if (await FlushAsync(client, null))
                {
                    await LingerAsync(client);
                }

                return false;
            }

            if (site is null)
            {
                // Host and path routing: the route is known once the head is read (its host, its normalised path).
                site = routes.Find(request.Host, request.Path);
                if (site is null)
                {
                    input.AdvanceTo(buffer.GetPosition(skipped + length));
                    await RefuseAsync(client, 404, EdgeProxy.NotFoundText, linger: request.Body != RequestBody.None, plain: true);
                    return false;
                }

                snapshot = site.Slot.Current;
                if (snapshot?.StickyCookie is { } cookie)
                {
                    request.FindSticky(head.Slice(skipped, length), cookie);
                }
            }

            if (snapshot is null || !snapshot.IsRoutable || site.H2c)
            {
                input.AdvanceTo(buffer.Start);
                return true;
            }

            if (site.StripLength > 0)
            {
                request.StripPrefix(site.StripLength);
            }

            var route = EdgeProxy.Choose(snapshot, request.StickyValue, out var transformer);
            var instance = route.ChooseInstance(_time.GetTimestamp())!;
            if (!Pool(instance).IsHttp)
            {
                input.AdvanceTo(buffer.Start);
                return true;
            }

            input.AdvanceTo(buffer.GetPosition(skipped + length));
            var keep = await ForwardAsync(client, snapshot, route, transformer, instance);
            if (!keep)
            {
                if (client.NextRead is { } watch)
                {
                    client.NextRead = null;
                    input.CancelPendingRead();
                    var last = await watch;
                    input.AdvanceTo(last.Buffer.End);
                }

                return false;
            }

            client.Arm(ClientTimeout.KeepAlive, _time.GetTimestamp() + Ticks(options.KeepAliveTimeout));
            if (client.NextRead is { } nextRead)
            {
                client.NextRead = null;
                pending = nextRead;
            }
            else
            {
                pending = input.ReadAsync();
            }
        }
    }

    /// <summary>The received bytes as one span: the reader's own buffer, or a copy when they span segments.</summary>
    /// <summary>An HTTP/2 GOAWAY frame (RFC 9113 §6.8): stream 0, last stream 0, error HTTP_1_1_REQUIRED (0xd).</summary>
    private static ReadOnlySpan<byte> GoAwayHttp11Required => [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd];

    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> buffer, ClientConnection client)
    {
        if (buffer.IsSingleSegment)
        {
            return buffer.FirstSpan;
        }

        var options = client.Listener.Options;
        var max = options.MaxRequestLineSize + options.MaxRequestHeadersTotalSize + 64;
        var length = (int)Math.Min(buffer.Length, max);
        if (client.HeadCopy.Length < length)
        {
            client.HeadCopy = new byte[max];
        }

        buffer.Slice(0, length).CopyTo(client.HeadCopy);
        return client.HeadCopy.AsSpan(0, length);
    }

    private BackendPool Pool(InstanceState instance) =>
        _pools.TryGetValue(instance, out var pool) ? pool
            : _pools.GetOrAdd(instance, static (i, relay) => new BackendPool(i, relay._options.MaxConnectionsPerServer, relay._time), this);

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private static TimeSpan SweepPeriod(TimeSpan requestTimeout, EdgeListenerOptions listener)
    {
        var shortest = new[] { requestTimeout, listener.KeepAliveTimeout, listener.RequestHeadersTimeout, listener.RequestBodyTimeout, listener.ResponseWriteTimeout }.Min();
        return TimeSpan.FromMilliseconds(Math.Clamp(shortest.TotalMilliseconds / 4, 50, 1000));
    }

    /// <summary>Client connections whose <paramref name="kind"/> timeout runs now (tests wait for it before moving a fake clock).</summary>
    internal int CountArmed(ClientTimeout kind) => _clients.Keys.Count(c => c.IsArmed(kind));

    /// <summary>Backend connections open to <paramref name="instance"/> (idle and busy).</summary>
    internal int BackendConnections(Uri instance) => _pools.Where(p => p.Key.Address == instance).Sum(p => p.Value.Count);

    private void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var pool in _pools.Values)
        {
            pool.Sweep(now, _requestTimeout, _idle);
        }

        foreach (var client in _clients.Keys)
        {
            client.CheckDeadline(now);
        }
    }
}
