using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace Catalytic.Edge.Proxy.Relay;

internal sealed partial class Http1Relay
{
    private enum BodyResult
    {
        Reusable,
        NotReusable,
        ClientGone,
        BackendBroke,
    }

    /// <summary>
    /// Relays the request body to the backend (Content-Length bytes, or chunks until the last one and its trailers),
    /// each read bounded by the body timeout and a chunked body by the size limit, until it ends or is stopped
    /// (<see cref="BodyProgress.Stop"/>). Done, Refused (400, 408, 413: the status is returned), ClientGone, or Failed
    /// (the backend stopped taking it).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(Outcome Outcome, int Status)> PumpBodyAsync(ClientConnection client, BackendConnection conn)
    {
        var input = client.Input;
        var body = client.Body;
        var options = client.Listener.Options;
        var limit = options.MaxRequestBodySize ?? long.MaxValue;
        while (true)
        {
            if (body.Stopped)
            {
                return (Outcome.Done, 0);
            }

            client.Arm(ClientTimeout.Body, _time.GetTimestamp() + Ticks(options.RequestBodyTimeout));
            ReadResult read;
            try
            {
                read = await input.ReadAsync();
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
            {
                return (Outcome.ClientGone, 0);
            }
            finally
            {
                client.Disarm();
            }

            var data = read.Buffer;
            if (read.IsCanceled)
            {
                input.AdvanceTo(data.Start);
                if (client.Expired == ClientTimeout.Body)
                {
                    EdgeLog.TimedOut(_log, client.Id, "request body");
                    return (Outcome.Refused, 408);
                }

                if (body.Stopped)
                {
                    return (Outcome.Done, 0);
                }

                continue;
            }

            var take = data;
            var ended = false;
            if (body.Left > 0)
            {
                take = data.Length > body.Left ? data.Slice(0, body.Left) : data;
                ended = take.Length == body.Left;
            }
            else
            {
                var length = 0L;
                foreach (var segment in data)
                {
                    var end = body.Scanner.Scan(segment.Span);
                    if (end == ChunkedScanner.Invalid)
                    {
                        return (Outcome.Refused, 400);
                    }

                    length += end >= 0 ? end : segment.Length;
                    if (end >= 0)
                    {
                        ended = true;
                        break;
                    }
                }

                if (body.Scanner.DataBytes > limit)
                {
                    return (Outcome.Refused, 413);
                }

                take = data.Slice(0, length);
            }

            if (take.IsEmpty && read.IsCompleted)
            {
                input.AdvanceTo(data.Start);
                return (Outcome.ClientGone, 0);
            }

            body.Touched = true;
            conn.BusySince = _time.GetTimestamp();
            try
            {
                foreach (var segment in take)
                {
                    await conn.Socket.SendAsync(segment);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped: the backend's answer is complete and it no longer reads.
                input.AdvanceTo(data.Start);
                return (Outcome.Done, 0);
            }
            catch (SocketException)
            {
                input.AdvanceTo(data.Start);
                return (Outcome.Failed, 0);
            }
            finally
            {
                conn.BusySince = 0;
            }

            input.AdvanceTo(take.End);
            if (body.Left > 0)
            {
                body.Left -= take.Length;
            }

            if (ended)
            {
                body.Left = 0;
                body.Finish();
                return (Outcome.Done, 0);
            }
        }
    }

    /// <summary>Relays the response body by its framing; the head is already in the client's output.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyResult> RelayResponseBodyAsync(ClientConnection client, BackendConnection conn, ResponseHead response, int offset, int count)
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

                // Bytes past the body (a Content-Length too small, a second write): the connection is out of step.
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

    /// <summary>
    /// Sends what the client's output holds, bounded by the response-write timeout (a client that stops reading has its
    /// connection closed). The backend's timeout does not run meanwhile: the wait is the client's.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushAsync(ClientConnection client, BackendConnection? conn)
    {
        conn?.BusySince = 0;
        client.Arm(ClientTimeout.Write, _time.GetTimestamp() + Ticks(client.Listener.Options.ResponseWriteTimeout));
        try
        {
            var flushed = await client.Output.FlushAsync();
            return !flushed.IsCompleted && !flushed.IsCanceled && !client.Gone;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ConnectionAbortedException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            client.Disarm();
            conn?.BusySince = _time.GetTimestamp();
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
}
