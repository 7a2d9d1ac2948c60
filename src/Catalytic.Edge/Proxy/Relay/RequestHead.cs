using System.Buffers;
using System.Text;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// A client's HTTP/1.1 request head, checked and rewritten for a backend: hop-by-hop headers and incoming
/// X-Forwarded-* dropped, X-Forwarded-For/Proto/Host set (YARP's defaults). Anything the relay does not handle itself
/// (other HTTP versions, absolute-form targets, Transfer-Encoding, Expect, Upgrade, connection options, non-ASCII or
/// malformed lines) makes <see cref="TryParse"/> return false, and the connection goes to Kestrel and YARP instead.
/// One instance per client connection, reused for each request.
/// </summary>
internal sealed class RequestHead
{
    private static ReadOnlySpan<byte> Http11 => "HTTP/1.1"u8;

    private byte[] _template = new byte[4096];
    private int _methodLength;
    private int _targetLength;
    private int _headersLength;

    /// <summary>The Content-Length of the request body (0 without one).</summary>
    public long ContentLength { get; private set; }

    /// <summary>The client asked to close the connection after this request.</summary>
    public bool Close { get; private set; }

    public bool IsHead { get; private set; }

    public bool IsIdempotent { get; private set; }

    /// <summary>The value of the sticky cookie the client sent, or null.</summary>
    public string? StickyValue { get; private set; }

    /// <summary>Checks <paramref name="head"/> (request line to the empty line, inclusive) and keeps its rewritten form.</summary>
    public bool TryParse(ReadOnlySpan<byte> head, ReadOnlySpan<byte> forwardedFor, string? stickyCookie)
    {
        ContentLength = 0;
        Close = false;
        StickyValue = null;

        var lineEnd = head.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return false;
        }

        var line = head[..lineEnd];
        var sp = line.IndexOf((byte)' ');
        if (sp <= 0 || !IsToken(line[..sp]))
        {
            return false;
        }

        var method = line[..sp];
        var rest = line[(sp + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0 || rest[0] != (byte)'/' || !rest[(sp2 + 1)..].SequenceEqual(Http11) || !IsTarget(rest[..sp2]))
        {
            return false;
        }

        var target = rest[..sp2];
        IsHead = method.SequenceEqual("HEAD"u8);
        IsIdempotent = IsHead || method.SequenceEqual("GET"u8) || method.SequenceEqual("PUT"u8) || method.SequenceEqual("DELETE"u8)
            || method.SequenceEqual("OPTIONS"u8) || method.SequenceEqual("TRACE"u8);

        // Worst case: every line kept, plus the forwarded headers.
        Ensure(head.Length + forwardedFor.Length + 128);
        var t = _template.AsSpan();
        method.CopyTo(t);
        t[method.Length] = (byte)' ';
        _methodLength = method.Length + 1;
        var pos = _methodLength;
        target.CopyTo(t[pos..]);
        pos += target.Length;
        " HTTP/1.1\r\n"u8.CopyTo(t[pos..]);
        pos += 11;
        _targetLength = pos - _methodLength;
        var headersStart = pos;

        ReadOnlySpan<byte> host = default;
        var hosts = 0;
        var lengths = 0;
        var headers = head[(lineEnd + 2)..];
        while (true)
        {
            var end = headers.IndexOf("\r\n"u8);
            if (end < 0)
            {
                return false;
            }

            if (end == 0)
            {
                break;
            }

            var field = headers[..(end + 2)];
            headers = headers[(end + 2)..];
            var colon = field.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(field[..colon]))
            {
                return false;
            }

            var name = field[..colon];
            var value = Trim(field[(colon + 1)..^2]);
            if (!IsFieldValue(value))
            {
                return false;
            }

            var keep = true;
            switch (name.Length)
            {
                case 2 when Is(name, "te"u8):
                    keep = false;
                    break;
                case 4 when Is(name, "host"u8):
                    host = value;
                    hosts++;
                    keep = false;
                    break;
                case 6 when Is(name, "expect"u8):
                    return false;
                case 6 when Is(name, "cookie"u8):
                    if (stickyCookie is not null && StickyValue is null)
                    {
                        StickyValue = FindCookie(value, stickyCookie);
                    }

                    break;
                case 7 when Is(name, "upgrade"u8) || Is(name, "trailer"u8):
                    if (name[0] is (byte)'u' or (byte)'U')
                    {
                        return false;
                    }

                    keep = false;
                    break;
                case 10 when Is(name, "connection"u8):
                    if (!ConnectionOptions(value))
                    {
                        return false;
                    }

                    keep = false;
                    break;
                case 10 when Is(name, "keep-alive"u8):
                    keep = false;
                    break;
                case 14 when Is(name, "content-length"u8):
                    if (++lengths > 1 || !TryParseLength(value, out var length))
                    {
                        return false;
                    }

                    ContentLength = length;
                    break;
                case 15 when Is(name, "x-forwarded-for"u8):
                case 16 when Is(name, "x-forwarded-host"u8) || Is(name, "proxy-connection"u8):
                case 17 when Is(name, "x-forwarded-proto"u8):
                case 18 when Is(name, "x-forwarded-prefix"u8):
                    keep = false;
                    break;
                case 17 when Is(name, "transfer-encoding"u8):
                    return false;
            }

            if (keep)
            {
                field.CopyTo(t[pos..]);
                pos += field.Length;
            }
        }

        if (hosts != 1)
        {
            return false;
        }

        pos = Append(t, pos, "X-Forwarded-For: "u8, forwardedFor);
        "X-Forwarded-Proto: http\r\n"u8.CopyTo(t[pos..]);
        pos += 25;
        pos = Append(t, pos, "X-Forwarded-Host: "u8, host);
        t[pos++] = (byte)'\r';
        t[pos++] = (byte)'\n';
        _headersLength = pos - headersStart;
        return true;
    }

    /// <summary>The request head for one instance: its path prefix before the target, its Host line.</summary>
    public int Write(byte[] destination, BackendPool pool)
    {
        var t = _template.AsSpan();
        var d = destination.AsSpan();
        var pos = 0;
        t[.._methodLength].CopyTo(d);
        pos += _methodLength;
        pool.PathPrefix.CopyTo(d[pos..]);
        pos += pool.PathPrefix.Length;
        t.Slice(_methodLength, _targetLength).CopyTo(d[pos..]);
        pos += _targetLength;
        pool.HostLine.CopyTo(d[pos..]);
        pos += pool.HostLine.Length;
        t.Slice(_methodLength + _targetLength, _headersLength).CopyTo(d[pos..]);
        return pos + _headersLength;
    }

    /// <summary>The size <see cref="Write"/> needs for <paramref name="pool"/>.</summary>
    public int Size(BackendPool pool) => _methodLength + _targetLength + _headersLength + pool.PathPrefix.Length + pool.HostLine.Length;

    private void Ensure(int size)
    {
        if (_template.Length < size)
        {
            _template = new byte[Math.Max(size, _template.Length * 2)];
        }
    }

    private static int Append(Span<byte> t, int pos, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        name.CopyTo(t[pos..]);
        pos += name.Length;
        value.CopyTo(t[pos..]);
        pos += value.Length;
        t[pos++] = (byte)'\r';
        t[pos++] = (byte)'\n';
        return pos;
    }

    internal static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower) => Ascii.EqualsIgnoreCase(name, lower);

    internal static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value) => value.Trim(" \t"u8);

    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    internal static bool IsToken(ReadOnlySpan<byte> s) => s.Length > 0 && !s.ContainsAnyExcept(TokenChars);

    /// <summary>Visible ASCII and tabs/spaces only: no control characters (no header injection), no obs-text.</summary>
    internal static bool IsFieldValue(ReadOnlySpan<byte> s) => !s.ContainsAnyExceptInRange((byte)0x20, (byte)0x7e) || IsFieldValueWithTabs(s);

    private static bool IsFieldValueWithTabs(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            if (b != (byte)'\t' && (b < 0x20 || b > 0x7e))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsTarget(ReadOnlySpan<byte> s) => !s.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e);

    internal static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.Length is 0 or > 18)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            length = (length * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>Only "keep-alive" and "close" are handled here; other options name hop-by-hop headers (YARP's job).</summary>
    private bool ConnectionOptions(ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split((byte)','))
        {
            var option = Trim(value[range]);
            if (option.Length == 0 || Is(option, "keep-alive"u8))
            {
                continue;
            }

            if (Is(option, "close"u8))
            {
                Close = true;
                continue;
            }

            return false;
        }

        return true;
    }

    private static string? FindCookie(ReadOnlySpan<byte> header, string name)
    {
        foreach (var range in header.Split((byte)';'))
        {
            var pair = Trim(header[range]);
            var eq = pair.IndexOf((byte)'=');
            if (eq != name.Length)
            {
                continue;
            }

            var matches = true;
            for (var i = 0; i < eq; i++)
            {
                if (pair[i] != name[i])
                {
                    matches = false;
                    break;
                }
            }

            if (matches)
            {
                var value = pair[(eq + 1)..];
                if (value.Length >= 2 && value[0] == (byte)'"' && value[^1] == (byte)'"')
                {
                    value = value[1..^1];
                }

                return Encoding.ASCII.GetString(value);
            }
        }

        return null;
    }
}
