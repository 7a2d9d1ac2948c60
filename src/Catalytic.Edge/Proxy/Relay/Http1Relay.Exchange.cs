using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace Catalytic.Edge.Proxy.Relay;

internal sealed partial class Http1Relay
{
    private const int MaxResponseHead = 64 * 1024;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <summary>What reading a response head from the backend came to.</summary>
    private enum HeadRead
    {
        Ok,
        NothingReceived,
        Broken,
        Invalid,
    }

    /// <summary>Sends the request on <paramref name="conn"/> and relays the response.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(Outcome Outcome, int Status, bool ProxyFailure, bool KeepClient)> ExchangeAsync(
        ClientConnection client, BackendConnection conn, BackendPool pool, VersionTransformer transformer, RequestHead request,
        int retriesLeft, bool keepClient)
    {
        var output = client.Output;
        var responseStarted = false;
        var reusable = false;
        var sent = false;
        var status = 0;
        var wire = ArrayPool<byte>.Shared.Rent(request.Size(pool));
        try
        {
            var length = request.Write(wire, pool);
            conn.BusySince = _time.GetTimestamp();
            await conn.Socket.SendAsync(wire.AsMemory(0, length));
            sent = true;

            HeadRead read;
            var body = client.Body;
            Task<(Outcome Outcome, int Status)>? pump = null;
            if (body.Left != 0)
            {
                // The body streams while the answer is awaited: a backend may answer before reading it all.
                body.Begin();
                conn.BusySince = 0;
                var answer = ReadHeadAsync(client, conn, request).AsTask();
                pump = PumpBodyAsync(client, conn).AsTask();
                await Task.WhenAny(answer, pump);
                if (pump.IsCompleted)
                {
                    var (pumped, refusal) = await pump;
                    pump = null;
                    if (pumped is Outcome.ClientGone or Outcome.Refused)
                    {
                        conn.Abort(pumped == Outcome.ClientGone ? BackendConnection.ClientGone : BackendConnection.Closed);
                        await answer;
                        client.Gone |= pumped == Outcome.ClientGone;
                        return (pumped, refusal, false, false);
                    }

                    conn.BusySince = _time.GetTimestamp();
                    Watch(client, conn);
                    read = await answer;
                    if (read != HeadRead.Ok && pumped == Outcome.Failed)
                    {
                        // The backend went away while the body was on its way, without an answer.
                        return (Failure(client, conn, false, false, retriesLeft), 0, false, keepClient);
                    }
                }
                else
                {
                    read = await answer;
                    if (read != HeadRead.Ok)
                    {
                        body.Stop(client, conn);
                        conn.Abort(BackendConnection.Closed);
                        await pump;
                        pump = null;
                    }
                }
            }
            else
            {
                Watch(client, conn);
                read = await ReadHeadAsync(client, conn, request);
            }

            switch (read)
            {
                case HeadRead.NothingReceived:
                    return (Failure(client, conn, true, request.IsIdempotent && !body.Touched, retriesLeft), 0, false, keepClient);
                case HeadRead.Broken:
                    return (Failure(client, conn, false, false, retriesLeft), 0, false, keepClient);
                case HeadRead.Invalid:
                    EdgeLog.BadResponse(_log, pool.Instance, "malformed or oversized head");
                    return (Outcome.Failed, 0, false, keepClient);
            }

            Volatile.Write(ref client.Current, conn);

            var progress = client.Response;
            var response = progress.Head;
            status = response.Status;
            var close = !keepClient || client.CloseRequested || response.Framing == BodyFraming.UntilClose || body.Left != 0;
            var extra = transformer.ResponseLines;
            var span = output.GetSpan(progress.HeadLength + extra.Length + 64);
            var written = response.WriteForClient(conn.Buffer.AsSpan(0, progress.HeadLength), extra, close, span);
            output.Advance(written);
            responseStarted = true;
            var complete = await RelayResponseBodyAsync(client, conn, response, progress.HeadLength, progress.Filled - progress.HeadLength);
            if (pump is not null)
            {
                // Answered while the body still streamed: the answer is complete, so the rest of the body is not needed.
                body.Stop(client, conn);
                var (pumped, _) = await pump;
                client.Gone |= pumped == Outcome.ClientGone;
            }

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

            if (body.Left != 0 && !client.Gone)
            {
                // Answered before the whole body arrived: the rest is read and dropped for a while, then the connection closes.
                await LingerAsync(client);
            }

            // A stopped body may leave a cancelled send pending on the socket: such a connection is not reused.
            reusable = complete is BodyResult.Reusable && response.BackendKeepAlive && body.Left == 0 && !body.Stopped;
            return (Outcome.Done, status, false, !close);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or ConnectionAbortedException)
        {
            if (responseStarted)
            {
                client.Abort();
                return (Outcome.Done, status, true, false);
            }

            // The request head could not be sent: nothing of it reached the backend.
            return (Failure(client, conn, true, !sent || (request.IsIdempotent && !client.Body.Touched), retriesLeft), 0, false, keepClient);
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

    /// <summary>
    /// From here (the request, body included, is with the backend) the client is only watched: a client that leaves
    /// aborts the backend request; bytes it sends meanwhile are its next request.
    /// </summary>
    private static void Watch(ClientConnection client, BackendConnection conn)
    {
        Volatile.Write(ref client.Current, conn);
        client.NextRead ??= WatchAsync(client);
    }

    /// <summary>
    /// Receives the backend's final response head into <see cref="BackendConnection.Buffer"/>, passing a <c>100 Continue</c>
    /// on to a client that asked for it and skipping other interim responses.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HeadRead> ReadHeadAsync(ClientConnection client, BackendConnection conn, RequestHead request)
    {
        var buffer = conn.Buffer;
        var filled = 0;
        var scanFrom = 0;
        var interim = false;
        var progress = client.Response;
        while (true)
        {
            var at = filled > 0 ? buffer.AsSpan(scanFrom, filled - scanFrom).IndexOf(HeadEnd) : -1;
            if (at < 0)
            {
                if (buffer.AsSpan(0, filled).IndexOf("\n\n"u8) >= 0)
                {
                    return HeadRead.Invalid; // a head ended by bare LFs: never relayed
                }

                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MaxResponseHead)
                    {
                        return HeadRead.Invalid;
                    }

                    Array.Resize(ref buffer, MaxResponseHead);
                    conn.Buffer = buffer;
                }

                var n = await ReceiveAsync(conn, buffer.AsMemory(filled));
                if (n == 0)
                {
                    return filled == 0 && !interim ? HeadRead.NothingReceived : HeadRead.Broken;
                }

                scanFrom = Math.Max(0, filled - 3);
                filled += n;
                continue;
            }

            var headLength = scanFrom + at + 4;
            if (!progress.Head.TryParse(buffer.AsSpan(0, headLength), request.IsHead) || progress.Head.Status == 101)
            {
                return HeadRead.Invalid;
            }

            if (progress.Head.Status >= 200)
            {
                progress.HeadLength = headLength;
                progress.Filled = filled;
                return HeadRead.Ok;
            }

            if (progress.Head.Status == 100 && request.ExpectContinue && !client.Gone)
            {
                client.Output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                if (!await FlushAsync(client, null))
                {
                    return HeadRead.Broken;
                }
            }

            // An interim response (103 Early Hints, an unasked 100): skip it, wait for the final one.
            interim = true;
            buffer.AsSpan(headLength, filled - headLength).CopyTo(buffer);
            filled -= headLength;
            scanFrom = 0;
        }
    }

    /// <summary>Receives from the backend; 0 at its end of stream or when the socket failed or was aborted.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> ReceiveAsync(BackendConnection conn, Memory<byte> memory)
    {
        try
        {
            return Math.Max(0, await conn.Socket.ReceiveAsync(memory));
        }
        catch (SocketException)
        {
            return 0;
        }
    }
}
