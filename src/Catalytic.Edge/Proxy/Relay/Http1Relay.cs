using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Catalytic.Edge.Routing;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// The edge's fast path: a Kestrel connection middleware that relays plain HTTP/1.1 requests to backends over its own
/// keep-alive connections, byte for byte apart from the head rewrite, without Kestrel's HTTP layer, HttpClient or YARP
/// in between (what nginx does; those layers cost about as much CPU per request as the whole of nginx). Routing, retries,
/// metrics and headers are the same as <see cref="EdgeProxy"/>'s. The first request it does not handle itself (HTTP/2,
/// chunked or Expect request bodies, upgrades, malformed heads, nothing routable, an https instance) hands the rest of
/// the connection, unread, to Kestrel's HTTP layer and YARP.
/// </summary>
internal sealed class Http1Relay : IDisposable
{
    private const int MaxRequestHead = 32 * 1024;
    private const int MaxResponseHead = 64 * 1024;
    private const int ClientClosedRequest = 499;

    /// <summary>Kestrel's default keep-alive timeout: an idle client connection is closed after it.</summary>
    private const long KeepAliveTimeoutMs = 130_000;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    private readonly EdgeRouter _router;
    private readonly EdgeHostOptions _options;
    private readonly TimeProvider _time;
    private readonly long _cooldownTicks;
    private readonly long _lifetimeMs;
    private readonly long _idleMs;
    private readonly long _requestTimeoutMs;
    private readonly ConcurrentDictionary<InstanceState, BackendPool> _pools = new();
    private readonly ConcurrentDictionary<ClientConnection, byte> _clients = new();
    private readonly ITimer _watchdog;

    public Http1Relay(EdgeRouter router, EdgeHostOptions options)
    {
        _router = router;
        _options = options;
        _time = router.TimeProvider;
        _cooldownTicks = (long)(options.FailedInstanceCooldown.TotalSeconds * _time.TimestampFrequency);
        _lifetimeMs = (long)options.PooledConnectionLifetime.TotalMilliseconds;
        _idleMs = (long)options.PooledConnectionIdleTimeout.TotalMilliseconds;
        _requestTimeoutMs = (long)options.RequestTimeout.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_requestTimeoutMs / 4, 50, 1000));
        _watchdog = TimeProvider.System.CreateTimer(static s => ((Http1Relay)s!).Sweep(), this, period, period);
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        foreach (var pool in _pools.Values)
        {
            pool.CloseAll();
        }
    }

    /// <summary>The connection middleware for one listener.</summary>
    public async Task RunAsync(ConnectionContext connection, ConnectionDelegate next, RouteSlot slot)
    {
        var client = new ClientConnection(connection);
        var lifetime = connection.Features.Get<IConnectionLifetimeNotificationFeature>();
        _clients.TryAdd(client, 0);
        var handOver = false;
        try
        {
            using var closing = lifetime?.ConnectionClosedRequested.Register(static c => ((ClientConnection)c!).RequestClose(), client);
            try
            {
                handOver = await RelayAsync(client, slot);
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                // The client connection failed or was aborted (keep-alive timeout, server stopping): nothing to answer.
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
    private async Task<bool> RelayAsync(ClientConnection client, RouteSlot slot)
    {
        var input = client.Input;
        var pending = input.ReadAsync();
        while (true)
        {
            client.WaitingSince = Environment.TickCount64;
            var result = await pending;
            client.WaitingSince = 0;
            var buffer = result.Buffer;
            if (client.Gone)
            {
                return false;
            }

            if (client.CloseRequested || (result.IsCompleted && buffer.IsEmpty))
            {
                input.AdvanceTo(buffer.End);
                return false;
            }

            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                pending = input.ReadAsync();
                continue;
            }

            var headLength = FindHead(buffer, client);
            if (headLength < 0)
            {
                if (buffer.Length >= MaxRequestHead || result.IsCompleted)
                {
                    input.AdvanceTo(buffer.Start);
                    return true;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                pending = input.ReadAsync();
                continue;
            }

            var snapshot = slot.Current;
            var request = client.Request;
            var head = buffer.IsSingleSegment ? buffer.FirstSpan[..headLength] : client.HeadCopy.AsSpan(0, headLength);
            if (snapshot is null || !snapshot.IsRoutable || !request.TryParse(head, client.ForwardedFor, snapshot.StickyCookie))
            {
                input.AdvanceTo(buffer.Start);
                return true;
            }

            var route = EdgeProxy.Choose(snapshot, request.StickyValue, out var transformer);
            var instance = route.ChooseInstance(_time.GetTimestamp())!;
            if (!Pool(instance).IsHttp)
            {
                input.AdvanceTo(buffer.Start);
                return true;
            }

            input.AdvanceTo(buffer.GetPosition(headLength));
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

    /// <summary>Length of the request head at the start of <paramref name="buffer"/> (through the empty line), or -1.</summary>
    private static int FindHead(in ReadOnlySequence<byte> buffer, ClientConnection client)
    {
        if (buffer.IsSingleSegment)
        {
            var i = buffer.FirstSpan.IndexOf(HeadEnd);
            return i < 0 ? -1 : i + 4;
        }

        var length = (int)Math.Min(buffer.Length, MaxRequestHead);
        if (client.HeadCopy.Length < length)
        {
            client.HeadCopy = new byte[MaxRequestHead];
        }

        buffer.Slice(0, length).CopyTo(client.HeadCopy);
        var at = client.HeadCopy.AsSpan(0, length).IndexOf(HeadEnd);
        return at < 0 ? -1 : at + 4;
    }

    private BackendPool Pool(InstanceState instance) =>
        _pools.TryGetValue(instance, out var pool) ? pool : _pools.GetOrAdd(instance, static i => new BackendPool(i));

    /// <summary>
    /// One request: send it (retrying a refused connection elsewhere, or a stale pooled connection on a fresh one), relay
    /// the answer, record metrics. True when the client connection can carry the next request.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(
        ClientConnection client, RouteSnapshot snapshot, VersionRoute route, VersionTransformer transformer, InstanceState instance)
    {
        var request = client.Request;
        var start = _time.GetTimestamp();
        var retriesLeft = _options.RetryAttempts;
        client.BodyLeft = request.ContentLength;
        client.BodyTouched = false;
        var status = 0;
        var proxyFailure = false;
        var keepClient = !request.Close;
        while (true)
        {
            instance.Enter();
            route.Stats.Begin();
            var pool = Pool(instance);
            var outcome = Outcome.Done;
            try
            {
                var conn = pool.TryRent(Environment.TickCount64, _lifetimeMs, _idleMs);
                if (conn is null)
                {
                    try
                    {
                        conn = await pool.ConnectAsync(_options.ConnectTimeout);
                    }
                    catch (SocketException)
                    {
                        outcome = retriesLeft > 0 ? Outcome.RetryElsewhere : Outcome.Failed;
                    }
                }

                if (conn is not null)
                {
                    (outcome, status, proxyFailure, keepClient) = await ExchangeAsync(
                        client, conn, pool, transformer, request, retriesLeft, keepClient);
                }
            }
            finally
            {
                instance.Leave();
            }

            switch (outcome)
            {
                case Outcome.RetrySame:
                    route.Stats.Abandon();
                    continue;
                case Outcome.RetryElsewhere:
                {
                    var now = _time.GetTimestamp();
                    instance.MarkUnavailableUntil(now + _cooldownTicks);
                    if (EdgeProxy.FindAlternative(snapshot, route, instance, now) is { } alternative)
                    {
                        route.Stats.Abandon();
                        transformer = ReferenceEquals(alternative.Route, route) ? transformer
                            : snapshot.StickyCookie is null ? alternative.Route.Transformer : alternative.Route.StickyTransformer!;
                        route = alternative.Route;
                        instance = alternative.Instance;
                        retriesLeft--;
                        continue;
                    }

                    goto case Outcome.Failed;
                }

                case Outcome.ClientGone:
                    status = ClientClosedRequest;
                    proxyFailure = false;
                    keepClient = false;
                    break;
                case Outcome.Failed:
                case Outcome.TimedOut:
                    proxyFailure = true;
                    status = outcome == Outcome.TimedOut ? 504 : 502;
                    keepClient = keepClient && client.BodyLeft == 0 && !client.CloseRequested && !client.Gone;
                    // Recorded before the answer goes out: whoever reads the metrics after seeing it finds it counted.
                    route.Stats.End(_router.NowSecond(), status, proxyFailure, (long)_time.GetElapsedTime(start).TotalMicroseconds);
                    if (!client.Gone && !await WriteErrorAsync(client, status, transformer, !keepClient))
                    {
                        keepClient = false;
                    }

                    return keepClient;
            }

            var micros = (long)_time.GetElapsedTime(start).TotalMicroseconds;
            route.Stats.End(_router.NowSecond(), status, proxyFailure, micros);
            return keepClient;
        }
    }

    private enum Outcome
    {
        Done,
        RetrySame,
        RetryElsewhere,
        Failed,
        TimedOut,
        ClientGone,
    }

    /// <summary>Sends the request on <paramref name="conn"/> and relays the response.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(Outcome Outcome, int Status, bool ProxyFailure, bool KeepClient)> ExchangeAsync(
        ClientConnection client, BackendConnection conn, BackendPool pool, VersionTransformer transformer, RequestHead request,
        int retriesLeft, bool keepClient)
    {
        var input = client.Input;
        var output = client.Output;
        var responseStarted = false;
        var reusable = false;
        var status = 0;
        var wire = ArrayPool<byte>.Shared.Rent(request.Size(pool));
        try
        {
            var length = request.Write(wire, pool);
            conn.BusySince = Environment.TickCount64;
            await conn.Socket.SendAsync(wire.AsMemory(0, length));

            while (client.BodyLeft > 0)
            {
                client.BodyTouched = true;
                var read = await input.ReadAsync();
                var data = read.Buffer;
                if (data.IsEmpty && read.IsCompleted)
                {
                    input.AdvanceTo(data.Start);
                    client.Gone = true;
                    return (Outcome.ClientGone, 0, false, false);
                }

                var take = data.Length > client.BodyLeft ? data.Slice(0, client.BodyLeft) : data;
                foreach (var segment in take)
                {
                    await conn.Socket.SendAsync(segment);
                }

                client.BodyLeft -= take.Length;
                input.AdvanceTo(take.End);
                conn.BusySince = Environment.TickCount64;
            }

            // From here the client is only watched: a client that leaves aborts the backend request.
            Volatile.Write(ref client.Current, conn);
            client.NextRead ??= WatchAsync(client);

            var buffer = conn.Buffer;
            var filled = 0;
            var scanFrom = 0;
            var interim = false;
            int headLength;
            ResponseHead response = default;
            while (true)
            {
                var at = filled > 0 ? buffer.AsSpan(scanFrom, filled - scanFrom).IndexOf(HeadEnd) : -1;
                if (at < 0)
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= MaxResponseHead)
                        {
                            return (Outcome.Failed, 0, false, keepClient);
                        }

                        Array.Resize(ref buffer, MaxResponseHead);
                        conn.Buffer = buffer;
                    }

                    var n = await ReceiveAsync(conn, buffer.AsMemory(filled));
                    if (n == 0)
                    {
                        return (Failure(client, conn, filled == 0 && !interim, request.ContentLength > 0, request.IsIdempotent, retriesLeft), 0, false, keepClient);
                    }

                    scanFrom = Math.Max(0, filled - 3);
                    filled += n;
                    continue;
                }

                headLength = scanFrom + at + 4;
                if (!response.TryParse(buffer.AsSpan(0, headLength), request.IsHead) || response.Status == 101)
                {
                    return (Outcome.Failed, 0, false, keepClient);
                }

                if (response.Status >= 200)
                {
                    break;
                }

                // An interim response (103 Early Hints, an unasked 100): skip it, wait for the final one.
                interim = true;
                buffer.AsSpan(headLength, filled - headLength).CopyTo(buffer);
                filled -= headLength;
                scanFrom = 0;
            }

            status = response.Status;
            var close = !keepClient || client.CloseRequested || response.Framing == BodyFraming.UntilClose;
            var extra = transformer.ResponseLines;
            var span = output.GetSpan(headLength + extra.Length + 64);
            var written = response.WriteForClient(buffer.AsSpan(0, headLength), extra, close, span);
            output.Advance(written);
            responseStarted = true;
            var complete = await RelayBodyAsync(client, conn, response, headLength, filled - headLength);
            switch (complete)
            {
                case BodyResult.ClientGone:
                    client.Gone = true;
                    return (Outcome.ClientGone, 0, false, false);
                case BodyResult.BackendBroke:
                    if (client.Gone || conn.State == BackendConnection.ClientGone)
                    {
                        client.Gone = true;
                        return (Outcome.ClientGone, 0, false, false);
                    }

                    client.Abort();
                    return (Outcome.Done, status, true, false);
            }

            reusable = complete is BodyResult.Reusable && response.BackendKeepAlive;
            return (Outcome.Done, status, false, !close);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or ConnectionAbortedException)
        {
            if (responseStarted)
            {
                client.Abort();
                return (Outcome.Done, status, true, false);
            }

            // The request or its body could not be sent.
            return (Failure(client, conn, true, client.BodyTouched, request.IsIdempotent, retriesLeft), 0, false, keepClient);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wire);
            conn.BusySince = 0;
            var mine = Interlocked.Exchange(ref client.Current, null);
            if (reusable && mine is not null && conn.State == BackendConnection.Live)
            {
                pool.Return(conn);
            }
            else
            {
                conn.Abort(BackendConnection.Closed);
            }
        }
    }

    /// <summary>What to do after the backend failed before any byte of the final response.</summary>
    private static Outcome Failure(ClientConnection client, BackendConnection conn, bool nothingReceived, bool bodySent, bool idempotent, int retriesLeft)
    {
        var state = conn.State;
        conn.Abort(BackendConnection.Closed);
        if (state == BackendConnection.ClientGone || client.Gone)
        {
            client.Gone = true;
            return Outcome.ClientGone;
        }

        if (state == BackendConnection.TimedOut)
        {
            return Outcome.TimedOut;
        }

        if (!nothingReceived || bodySent)
        {
            return Outcome.Failed;
        }

        if (conn.Reused)
        {
            // A pooled connection the backend had closed meanwhile: the request never reached it; try a fresh one.
            return Outcome.RetrySame;
        }

        return idempotent && retriesLeft > 0 ? Outcome.RetryElsewhere : Outcome.Failed;
    }

    private enum BodyResult
    {
        Reusable,
        NotReusable,
        ClientGone,
        BackendBroke,
    }

    /// <summary>Relays the response body by its framing; the head is already in the client's output.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<BodyResult> RelayBodyAsync(ClientConnection client, BackendConnection conn, ResponseHead response, int offset, int count)
    {
        var output = client.Output;
        var buffer = conn.Buffer;
        switch (response.Framing)
        {
            case BodyFraming.None:
                return !await FlushAsync(client, conn) ? BodyResult.ClientGone
                    : count == 0 ? BodyResult.Reusable : BodyResult.NotReusable;

            case BodyFraming.Length:
            {
                var remaining = response.ContentLength;
                var take = (int)Math.Min(count, remaining);
                output.Write(buffer.AsSpan(offset, take));
                remaining -= take;
                if (!await FlushAsync(client, conn))
                {
                    return BodyResult.ClientGone;
                }

                while (remaining > 0)
                {
                    var memory = output.GetMemory(4096);
                    if (memory.Length > remaining)
                    {
                        memory = memory[..(int)remaining];
                    }

                    var n = await ReceiveAsync(conn, memory);
                    if (n == 0)
                    {
                        return BodyResult.BackendBroke;
                    }

                    output.Advance(n);
                    remaining -= n;
                    if (!await FlushAsync(client, conn))
                    {
                        return BodyResult.ClientGone;
                    }
                }

                return count > take ? BodyResult.NotReusable : BodyResult.Reusable;
            }

            case BodyFraming.Chunked:
            {
                var scanner = default(ChunkedScanner);
                var end = scanner.Scan(buffer.AsSpan(offset, count));
                if (end == ChunkedScanner.Invalid)
                {
                    return BodyResult.BackendBroke;
                }

                output.Write(buffer.AsSpan(offset, end >= 0 ? end : count));
                if (!await FlushAsync(client, conn))
                {
                    return BodyResult.ClientGone;
                }

                if (end >= 0)
                {
                    return end == count ? BodyResult.Reusable : BodyResult.NotReusable;
                }

                while (true)
                {
                    var memory = output.GetMemory(4096);
                    var n = await ReceiveAsync(conn, memory);
                    if (n == 0)
                    {
                        return BodyResult.BackendBroke;
                    }

                    end = scanner.Scan(memory.Span[..n]);
                    if (end == ChunkedScanner.Invalid)
                    {
                        return BodyResult.BackendBroke;
                    }

                    output.Advance(end >= 0 ? end : n);
                    if (!await FlushAsync(client, conn))
                    {
                        return BodyResult.ClientGone;
                    }

                    if (end >= 0)
                    {
                        return end == n ? BodyResult.Reusable : BodyResult.NotReusable;
                    }
                }
            }

            default:
            {
                output.Write(buffer.AsSpan(offset, count));
                while (true)
                {
                    if (!await FlushAsync(client, conn))
                    {
                        return BodyResult.ClientGone;
                    }

                    var memory = output.GetMemory(4096);
                    var n = await ReceiveAsync(conn, memory);
                    if (n == 0)
                    {
                        return conn.State == BackendConnection.Live ? BodyResult.NotReusable : BodyResult.BackendBroke;
                    }

                    output.Advance(n);
                }
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> FlushAsync(ClientConnection client, BackendConnection conn)
    {
        conn.BusySince = 0;
        try
        {
            var flushed = await client.Output.FlushAsync();
            conn.BusySince = Environment.TickCount64;
            return !flushed.IsCompleted && !flushed.IsCanceled && !client.Gone;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ConnectionAbortedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Receives from the backend; 0 at its end of stream or when the socket failed or was aborted.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> ReceiveAsync(BackendConnection conn, Memory<byte> memory)
    {
        try
        {
            return await conn.Socket.ReceiveAsync(memory);
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    /// <summary>Waits for the client's next bytes; a client that closes meanwhile aborts the backend request.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<ReadResult> WatchAsync(ClientConnection client)
    {
        try
        {
            var result = await client.Input.ReadAsync();
            if (result.IsCompleted && result.Buffer.IsEmpty && !result.IsCanceled)
            {
                client.Gone = true;
                Interlocked.Exchange(ref client.Current, null)?.Abort(BackendConnection.ClientGone);
            }

            return result;
        }
        catch (Exception)
        {
            client.Gone = true;
            Interlocked.Exchange(ref client.Current, null)?.Abort(BackendConnection.ClientGone);
            throw;
        }
    }

    private static async ValueTask<bool> WriteErrorAsync(ClientConnection client, int status, VersionTransformer transformer, bool close)
    {
        var output = client.Output;
        output.Write(status == 504 ? "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n"u8 : "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"u8);
        output.Write(transformer.ResponseLines);
        output.Write(close ? "Connection: close\r\n\r\n"u8 : "\r\n"u8);
        try
        {
            var flushed = await output.FlushAsync();
            return !flushed.IsCompleted && !flushed.IsCanceled;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ConnectionAbortedException or InvalidOperationException)
        {
            return false;
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var pool in _pools.Values)
        {
            pool.Sweep(now, _requestTimeoutMs, _idleMs);
        }

        foreach (var client in _clients.Keys)
        {
            var waiting = client.WaitingSince;
            if (waiting != 0 && now - waiting > KeepAliveTimeoutMs)
            {
                client.Abort();
            }
        }
    }
}

/// <summary>A client connection in the relay and the state of its current request.</summary>
internal sealed class ClientConnection : IDisposable
{
    private readonly ConnectionContext _connection;
    private volatile bool _closeRequested;
    private long _waitingSince;

    /// <summary>The backend connection of the request in flight, while the response is awaited or relayed.</summary>
    public BackendConnection? Current;

    public ClientConnection(ConnectionContext connection)
    {
        _connection = connection;
        if (connection is Transport.EdgeConnection edge && edge.TryTakeDirect(out var input, out var output))
        {
            // On the edge's own transport: straight from and to the socket, no pipes in between.
            Input = input;
            Output = output;
            Direct = true;
        }
        else
        {
            Input = connection.Transport.Input;
            Output = connection.Transport.Output;
        }

        ForwardedFor = Encoding.ASCII.GetBytes((connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown");
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Reading and writing the edge transport's socket directly (<see cref="Transport.EdgeConnection.TryTakeDirect"/>).</summary>
    public bool Direct { get; }

    public RequestHead Request { get; } = new();

    /// <summary>A request head split over buffer segments is copied here to be parsed.</summary>
    public byte[] HeadCopy { get; set; } = [];

    /// <summary>The client address as the X-Forwarded-For value.</summary>
    public byte[] ForwardedFor { get; }

    /// <summary>The read of the client's next bytes started while the current request is answered.</summary>
    public ValueTask<ReadResult>? NextRead { get; set; }

    /// <summary>Request body bytes not yet read from the client.</summary>
    public long BodyLeft { get; set; }

    /// <summary>Some of the request body was read (so the request cannot be sent again).</summary>
    public bool BodyTouched { get; set; }

    /// <summary>The client closed the connection or it failed.</summary>
    public volatile bool Gone;

    public bool CloseRequested => _closeRequested;

    /// <summary>Waiting for a request head since this tick count (0: busy with a request).</summary>
    public long WaitingSince
    {
        get => Volatile.Read(ref _waitingSince);
        set => Volatile.Write(ref _waitingSince, value);
    }

    /// <summary>The server is stopping: finish the request in flight, then close.</summary>
    public void RequestClose()
    {
        _closeRequested = true;
        Input.CancelPendingRead();
    }

    public void Abort()
    {
        Gone = true;
        _connection.Abort();
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref Current, null)?.Abort(BackendConnection.Closed);
    }
}
