using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Catalytic.Edge.Routing;
using Microsoft.AspNetCore.Connections;

namespace Catalytic.Edge.Proxy.Relay;

internal sealed partial class Http1Relay
{
    private enum Outcome
    {
        Done,
        RetrySame,
        RetryElsewhere,
        Failed,
        TimedOut,
        ClientGone,
        Refused,
    }

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
        var freshRetries = 1;
        var fresh = false;
        client.Body.Reset(request.Body switch { RequestBody.Length => request.ContentLength, RequestBody.Chunked => -1, _ => 0 });
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
                // A pooled connection's socket is looked at (one recv(MSG_PEEK)) even when the loop saw nothing arrive:
                // under load the event for a backend's stray bytes may still be queued behind others, and those bytes
                // would be read as this client's answer. The retry after a pooled connection failed connects anew:
                // the instance's other idle connections may be closing too (a backend that stops closes them all at
                // once, each after the check saw it open), and one of them would fail the request for good.
                var conn = fresh ? null : pool.TryRent(_time.GetTimestamp(), _lifetime, _idle, probe: true, _log);
                if (conn is null)
                {
                    try
                    {
                        conn = await ConnectAsync(pool);
                        if (conn is null)
                        {
                            outcome = Outcome.TimedOut;
                        }
                    }
                    catch (SocketException e)
                    {
                        EdgeLog.ConnectFailed(_log, pool.Instance, e.SocketErrorCode.ToString());
                        outcome = retriesLeft > 0 ? Outcome.RetryElsewhere : Outcome.Failed;
                    }
                }

                if (conn is not null)
                {
                    (outcome, status, proxyFailure, keepClient) = await ExchangeAsync(client, conn, pool, transformer, request, retriesLeft, keepClient);
                }
            }
            finally
            {
                instance.Leave();
            }

            switch (outcome)
            {
                case Outcome.RetrySame when freshRetries-- > 0:
                    EdgeLog.RetriedFresh(_log, pool.Instance);
                    route.Stats.Abandon();
                    fresh = true;
                    continue;
                case Outcome.RetrySame:
                    goto case Outcome.Failed;
                case Outcome.RetryElsewhere:
                {
                    if (EdgeProxy.TryRetryElsewhere(snapshot, ref route, ref instance, ref transformer, _time.GetTimestamp(), _cooldown))
                    {
                        retriesLeft--;
                        fresh = false;
                        continue;
                    }

                    goto case Outcome.Failed;
                }

                case Outcome.ClientGone:
                    status = ClientClosedRequest;
                    proxyFailure = false;
                    keepClient = false;
                    break;
                case Outcome.Refused:
                    // The client's fault (a body that stalled, grew too large or broke its framing): answered, then closed.
                    route.Stats.End(_router.NowSecond(), status, false, (long)_time.GetElapsedTime(start).TotalMicroseconds);
                    if (!client.Gone)
                    {
                        await RefuseAsync(client, status, status switch
                        {
                            408 => "the request body stalled",
                            413 => "request body larger than the limit",
                            _ => "malformed chunked request body",
                        }, linger: status == 413);
                    }

                    return false;
                case Outcome.Failed:
                case Outcome.TimedOut:
                    proxyFailure = true;
                    status = outcome == Outcome.TimedOut ? 504 : 502;
                    keepClient = keepClient && client.Body.Left == 0 && !client.CloseRequested && !client.Gone;
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

    /// <summary>A new connection, or one freed by another request when the instance has its maximum (null: none came in time).</summary>
    private async ValueTask<BackendConnection?> ConnectAsync(BackendPool pool)
    {
        if (!pool.MustWait)
        {
            return await pool.ConnectAsync(_options.ConnectTimeout, CancellationToken.None);
        }

        using var giveUp = new CancellationTokenSource(_options.RequestTimeout, _time);
        return await pool.ConnectAsync(_options.ConnectTimeout, giveUp.Token);
    }

    /// <summary>What to do after the backend failed before any byte of the final response.</summary>
    private static Outcome Failure(ClientConnection client, BackendConnection conn, bool nothingReceived, bool resendable, int retriesLeft)
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

        if (!nothingReceived || !resendable)
        {
            return Outcome.Failed;
        }

        // A pooled connection the backend had closed meanwhile: try a fresh one. A fresh one that failed: elsewhere.
        return conn.Reused ? Outcome.RetrySame : retriesLeft > 0 ? Outcome.RetryElsewhere : Outcome.Failed;
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

    /// <summary>
    /// Answers a request the edge refuses (the connection closes after it). With <paramref name="linger"/>, whatever
    /// body the client still sends is read and dropped for a while after the answer, so closing does not reset the
    /// connection under the answer before the client has read it (nginx's lingering close).
    /// </summary>
    private async ValueTask RefuseAsync(ClientConnection client, int status, string reason, bool linger, bool plain = false)
    {
        var body = Encoding.ASCII.GetBytes(plain ? reason : $"catalytic edge: {reason}\n");
        var output = client.Output;
        output.Write(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        output.Write(body);
        if (await FlushAsync(client, null) && linger)
        {
            await LingerAsync(client);
        }
    }

    /// <summary>Reads and drops what the client still sends, up to <see cref="LingerTime"/>, after its connection's last answer.</summary>
    private async ValueTask LingerAsync(ClientConnection client)
    {
        client.ShutdownSend();
        client.Arm(ClientTimeout.Linger, _time.GetTimestamp() + Ticks(LingerTime));
        var input = client.Input;
        var pending = client.NextRead ?? input.ReadAsync();
        client.NextRead = null;
        try
        {
            while (true)
            {
                var read = await pending;
                input.AdvanceTo(read.Buffer.End);
                pending = input.ReadAsync();
                if (read.IsCompleted || read.IsCanceled || client.Expired != ClientTimeout.None)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            EdgeLog.ClientFailed(_log, client.Id, e.GetType().Name);
        }
        finally
        {
            client.Disarm();
        }
    }

    /// <summary>How long the edge keeps reading a refused or early-answered request's body before closing.</summary>
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(5);

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
}
