namespace Catalytic.Edge.Proxy.Relay;

/// <summary>How the end of a response body is found.</summary>
internal enum BodyFraming
{
    None,
    Length,
    Chunked,
    UntilClose,
}

/// <summary>
/// A backend's HTTP/1.x response head: status, framing, whether the connection can carry another request, and the
/// head rewritten for the client (HTTP/1.1 status line, hop-by-hop headers dropped, the edge's own lines added).
/// </summary>
internal struct ResponseHead
{
    public int Status;
    public BodyFraming Framing;
    public long ContentLength;
    public bool BackendKeepAlive;

    /// <summary>Parses <paramref name="head"/> (status line to the empty line, inclusive); false when it is not valid HTTP/1.x.</summary>
    public bool TryParse(ReadOnlySpan<byte> head, bool requestWasHead)
    {
        this = default;
        if (head.Length < 14 || !head.StartsWith("HTTP/1."u8) || head[8] != (byte)' ')
        {
            return false;
        }

        var minor = head[7];
        if (minor is not ((byte)'0' or (byte)'1'))
        {
            return false;
        }

        var d0 = head[9] - '0';
        var d1 = head[10] - '0';
        var d2 = head[11] - '0';
        if ((uint)d0 > 9 || (uint)d1 > 9 || (uint)d2 > 9 || d0 == 0 || head[12] is not ((byte)' ' or (byte)'\r'))
        {
            return false;
        }

        Status = (d0 * 100) + (d1 * 10) + d2;
        var keepAlive = minor == (byte)'1';
        var chunked = false;
        var hasEncoding = false;
        var lengths = 0;
        var lineEnd = head.IndexOf("\r\n"u8);
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

            var field = headers[..end];
            headers = headers[(end + 2)..];
            var colon = field.IndexOf((byte)':');
            if (colon <= 0 || !RequestHead.IsToken(field[..colon]))
            {
                return false;
            }

            var name = field[..colon];
            var value = RequestHead.Trim(field[(colon + 1)..]);
            if (name.Length == 10 && RequestHead.Is(name, "connection"u8))
            {
                foreach (var range in value.Split((byte)','))
                {
                    var option = RequestHead.Trim(value[range]);
                    if (RequestHead.Is(option, "close"u8))
                    {
                        keepAlive = false;
                    }
                    else if (RequestHead.Is(option, "keep-alive"u8) && minor == (byte)'0')
                    {
                        keepAlive = true;
                    }
                }
            }
            else if (name.Length == 14 && RequestHead.Is(name, "content-length"u8))
            {
                if (!RequestHead.TryParseLength(value, out var length) || (lengths++ > 0 && length != ContentLength))
                {
                    return false;
                }

                ContentLength = length;
            }
            else if (name.Length == 17 && RequestHead.Is(name, "transfer-encoding"u8))
            {
                hasEncoding = true;
                var last = value.LastIndexOf((byte)',');
                chunked = RequestHead.Is(RequestHead.Trim(last < 0 ? value : value[(last + 1)..]), "chunked"u8);
            }
        }

        if (hasEncoding && lengths > 0)
        {
            // Both framings at once is how responses get smuggled; refuse rather than pick one.
            return false;
        }

        Framing = requestWasHead || Status is < 200 or 204 or 304 ? BodyFraming.None
            : chunked ? BodyFraming.Chunked
            : hasEncoding ? BodyFraming.UntilClose
            : lengths > 0 ? (ContentLength == 0 ? BodyFraming.None : BodyFraming.Length)
            : BodyFraming.UntilClose;
        BackendKeepAlive = keepAlive && Framing != BodyFraming.UntilClose;
        return true;
    }

    /// <summary>
    /// Writes the head for the client into <paramref name="destination"/> (at least head length + extra + 64 bytes) and
    /// returns its length.
    /// </summary>
    public readonly int WriteForClient(ReadOnlySpan<byte> head, ReadOnlySpan<byte> extra, bool close, Span<byte> destination)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        "HTTP/1.1"u8.CopyTo(destination);
        var pos = 8;
        head[8..(lineEnd + 2)].CopyTo(destination[pos..]);
        pos += lineEnd + 2 - 8;
        var headers = head[(lineEnd + 2)..];
        while (true)
        {
            var end = headers.IndexOf("\r\n"u8);
            if (end <= 0)
            {
                break;
            }

            var field = headers[..(end + 2)];
            headers = headers[(end + 2)..];
            var name = field[..field.IndexOf((byte)':')];
            if (!Drop(name))
            {
                field.CopyTo(destination[pos..]);
                pos += field.Length;
            }
        }

        extra.CopyTo(destination[pos..]);
        pos += extra.Length;
        if (close)
        {
            "Connection: close\r\n"u8.CopyTo(destination[pos..]);
            pos += 19;
        }

        destination[pos++] = (byte)'\r';
        destination[pos++] = (byte)'\n';
        return pos;
    }

    private static bool Drop(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => RequestHead.Is(name, "te"u8),
        7 => RequestHead.Is(name, "upgrade"u8),
        10 => RequestHead.Is(name, "connection"u8) || RequestHead.Is(name, "keep-alive"u8),
        16 => RequestHead.Is(name, "proxy-connection"u8),
        19 => RequestHead.Is(name, "x-catalytic-version"u8),
        _ => false,
    };
}
