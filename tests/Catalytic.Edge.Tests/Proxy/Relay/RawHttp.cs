using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Catalytic.Edge.Tests.Proxy.Relay;

/// <summary>A client connection that writes raw bytes and reads HTTP/1.1 responses, to see exactly what goes over the wire.</summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttp(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawHttp> ConnectAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint, ct);
        return new RawHttp(tcp);
    }

    public Task SendAsync(string text, CancellationToken ct) => _stream.WriteAsync(Encoding.Latin1.GetBytes(text), ct).AsTask();

    public Task SendAsync(byte[] bytes, CancellationToken ct) => _stream.WriteAsync(bytes, ct).AsTask();

    /// <summary>Nothing has arrived from the server so far (and the connection is not known to be closed).</summary>
    public bool NothingReceived => _end == _start && _tcp.Available == 0;

    /// <summary>Every byte the server sends until it closes the connection, as text.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken ct)
    {
        try
        {
            while (await FillAsync(ct))
            {
            }
        }
        catch (IOException)
        {
        }

        var text = Encoding.Latin1.GetString(_buffer, _start, _end - _start);
        _start = _end;
        return text;
    }

    /// <summary>Reads one response; <paramref name="head"/> is true for the answer to a HEAD request (no body).</summary>
    public async Task<RawResponse> ReadAsync(CancellationToken ct, bool head = false)
    {
        var headText = await ReadHeadAsync(ct);
        var lines = headText.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(':', 2)).Select(p => (Name: p[0], Value: p[1].Trim())).ToList();
        string? Header(string name) => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        var body = new MemoryStream();
        if (!head && status is >= 200 and not 204 and not 304)
        {
            if (Header("Transfer-Encoding") is { } te && te.EndsWith("chunked", StringComparison.OrdinalIgnoreCase))
            {
                while (true)
                {
                    var sizeLine = await ReadLineAsync(ct);
                    var size = Convert.ToInt32(sizeLine.Split(';')[0], 16);
                    if (size == 0)
                    {
                        while ((await ReadLineAsync(ct)).Length > 0)
                        {
                        }

                        break;
                    }

                    body.Write(await ReadExactlyAsync(size, ct));
                    await ReadLineAsync(ct);
                }
            }
            else if (Header("Content-Length") is { } length)
            {
                body.Write(await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), ct));
            }
            else
            {
                while (await FillAsync(ct))
                {
                }

                body.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
        }

        return new RawResponse(status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>True when the server closed the connection (after any data already buffered).</summary>
    public async Task<bool> ClosedAsync(CancellationToken ct)
    {
        if (_end > _start)
        {
            return false;
        }

        try
        {
            return !await FillAsync(ct);
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task<string> ReadHeadAsync(CancellationToken ct)
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                var text = Encoding.ASCII.GetString(_buffer, _start, at + 2);
                _start += at + 4;
                return text;
            }

            if (!await FillAsync(ct))
            {
                throw new IOException("connection closed before a response head");
            }
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var text = Encoding.ASCII.GetString(_buffer, _start, at);
                _start += at + 2;
                return text;
            }

            if (!await FillAsync(ct))
            {
                throw new IOException("connection closed inside a chunked body");
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
    {
        while (_end - _start < count)
        {
            if (!await FillAsync(ct))
            {
                throw new IOException("connection closed inside a body");
            }
        }

        var data = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return data;
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += n;
        return n > 0;
    }
}

internal sealed record RawResponse(int Status, List<(string Name, string Value)> Headers, string Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}
