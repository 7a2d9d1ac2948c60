using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Catalytic.Edge.Tests.Robustness;

/// <summary>
/// A backend on 127.0.0.1 whose every connection runs a script written by the test: it can answer well, write stray
/// bytes, close idle connections, answer before reading a body, or stall. It records every request head it received
/// (what reached the backend is what a smuggling test looks at) and how many connections it accepted and saw closed.
/// </summary>
internal sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<BackendConnection, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<BackendRequest> _requests = new();
    private readonly Task _accepting;
    private int _connections;
    private int _closed;
    private long _bodyBytes;

    public ScriptedBackend(Func<BackendConnection, Task> script, string path = "/")
    {
        _script = script;
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");
        _accepting = AcceptAsync();
    }

    /// <summary>A backend that answers every request 200 with the request head it received as the body.</summary>
    public static ScriptedBackend Echoing(string path = "/") => new(async c =>
    {
        while (await c.ReadRequestAsync() is { } request)
        {
            await c.WriteAsync(Ok(request.Head));
        }
    }, path);

    public Uri Address { get; }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections that ended (closed by either side).</summary>
    public int Closed => Volatile.Read(ref _closed);

    /// <summary>Request body bytes received so far, over every connection.</summary>
    public long BodyBytes => Interlocked.Read(ref _bodyBytes);

    /// <summary>Every request head received, in order.</summary>
    public IReadOnlyList<BackendRequest> Requests => [.. _requests];

    public static string Ok(string body, string extraHeaders = "") =>
        $"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{extraHeaders}\r\n{body}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    internal void Record(BackendRequest request) => _requests.Enqueue(request);

    internal void CountBody(int n) => Interlocked.Add(ref _bodyBytes, n);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = RunAsync(new BackendConnection(socket, this, _stop.Token));
        }
    }

    private async Task RunAsync(BackendConnection connection)
    {
        try
        {
            await _script(connection);
        }
        catch (Exception)
        {
            // A script that failed (a malformed body it could not parse, the edge going away): the connection ends.
        }
        finally
        {
            connection.Close();
            Interlocked.Increment(ref _closed);
        }
    }
}

/// <summary>A request as the backend received it.</summary>
internal sealed record BackendRequest(string Head, byte[] Body)
{
    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];

    public string Target => RequestLine.Split(' ')[1];

    public string? Header(string name) => Head.Split("\r\n").Skip(1).Select(l => l.Split(':', 2))
        .Where(p => p.Length == 2 && p[0].Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => p[1].Trim()).FirstOrDefault();

    public bool Has(string name) => Header(name) is not null;
}

/// <summary>One connection of a <see cref="ScriptedBackend"/>, as its script sees it.</summary>
internal sealed class BackendConnection(Socket socket, ScriptedBackend backend, CancellationToken stop)
{
    private readonly byte[] _buffer = new byte[1024 * 1024];
    private int _start;
    private int _end;

    /// <summary>Reads one request head and its body (Content-Length or chunked); null when the edge closed the connection.</summary>
    public async Task<BackendRequest?> ReadRequestAsync(bool readBody = true)
    {
        var head = await ReadHeadAsync();
        if (head is null)
        {
            return null;
        }

        var request = new BackendRequest(head, []);
        var body = new MemoryStream();
        if (readBody && request.Header("Content-Length") is { } length)
        {
            body.Write(await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)));
        }
        else if (readBody && request.Header("Transfer-Encoding") is not null)
        {
            while (true)
            {
                var size = Convert.ToInt32((await ReadLineAsync()).Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    while ((await ReadLineAsync()).Length > 0)
                    {
                    }

                    break;
                }

                body.Write(await ReadExactlyAsync(size));
                await ReadLineAsync();
            }
        }

        request = request with { Body = body.ToArray() };
        backend.Record(request);
        return request;
    }

    /// <summary>Reads one request head (through the empty line); null at the end of the stream.</summary>
    public async Task<string?> ReadHeadAsync()
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                var head = Encoding.Latin1.GetString(_buffer, _start, at + 4);
                _start += at + 4;
                return head;
            }

            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    /// <summary>Reads <paramref name="length"/> bytes of body as text.</summary>
    public async Task<string> ReadBodyAsync(int length) => Encoding.Latin1.GetString(await ReadExactlyAsync(length));

    public Task WriteAsync(string text) => socket.SendAsync(Encoding.Latin1.GetBytes(text), SocketFlags.None, stop).AsTask();

    /// <summary>Waits until the edge closes the connection (true), or <paramref name="within"/> passes (false); reads and drops what comes.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within, Catalytic.Testing.Waiting.RealTime.Clock);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        try
        {
            while (await FillAsync(limit.Token))
            {
                _start = _end;
            }

            return true;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Sends FIN but keeps reading (a lingering close).</summary>
    public void ShutdownSend() => socket.Shutdown(SocketShutdown.Send);

    public void Close()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        socket.Dispose();
    }

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, at);
                _start += at + 2;
                return line;
            }

            if (!await FillAsync())
            {
                throw new IOException("closed inside a chunked body");
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var result = new byte[count];
        var got = 0;
        while (got < count)
        {
            if (_end == _start && !await FillAsync())
            {
                throw new IOException("closed inside a body");
            }

            var take = Math.Min(count - got, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(result.AsSpan(got));
            _start += take;
            got += take;
            backend.CountBody(take);
        }

        return result;
    }

    private async Task<bool> FillAsync(CancellationToken cancellation = default)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var n = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellation == default ? stop : cancellation);
        _end += n;
        return n > 0;
    }
}
