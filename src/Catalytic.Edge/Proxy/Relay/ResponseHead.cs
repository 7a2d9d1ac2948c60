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
/// A backend's HTTP/1.x response head, checked as strictly as a client's request (a backend can be compromised or
/// simply wrong, and its bytes go to a client): status line, field names, no control characters in values (obs-text is
/// let through, as RFC 9110 allows in responses), no obs-fold, one unambiguous framing. Then its status, framing,
/// whether the connection can carry another request, and the head rewritten for the client (HTTP/1.1 status line,
/// hop-by-hop headers and those <c>Connection</c> names dropped, the edge's own lines added).
/// </summary>
internal struct ResponseHead
{
    private const int MaxListed = 16;

    public int Status;
    public BodyFraming Framing;
    public long ContentLength;
    public bool BackendKeepAlive;

    /// <summary>Parses <paramref name="head"/> (status line to the empty line, inclusive); false when it is not valid HTTP/1.x.</summary>
    public bool TryParse(ReadOnlySpan<byte> head, bool requestWasHead)
    {
        this = default;
        if (head.Length < 16 || !head.StartsWith("HTTP/1."u8) || head[8] != (byte)' ')
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

        var lineEnd = head.IndexOf("\r\n"u8);
        if (lineEnd > 13 && !IsReason(head[13..lineEnd]))
        {
            return false;
        }

        Status = (d0 * 100) + (d1 * 10) + d2;
        var keepAlive = minor == (byte)'1';
        var chunked = false;
        var hasEncoding = false;
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

            var field = headers[..end];
            headers = headers[(end + 2)..];
            var colon = field.IndexOf((byte)':');
            if (colon <= 0 || !HttpSyntax.IsToken(field[..colon]))
            {
                return false;
            }

            var name = field[..colon];
            var value = HttpSyntax.Trim(field[(colon + 1)..]);
            if (!IsResponseFieldValue(value))
            {
                return false;
            }

            if (name.Length == 10 && HttpSyntax.Is(name, "connection"u8))
            {
                foreach (var range in value.Split((byte)','))
                {
                    var option = HttpSyntax.Trim(value[range]);
                    if (HttpSyntax.Is(option, "close"u8))
                    {
                        keepAlive = false;
                    }
                    else if (HttpSyntax.Is(option, "keep-alive"u8) && minor == (byte)'0')
                    {
                        keepAlive = true;
                    }
                }
            }
            else if (name.Length == 14 && HttpSyntax.Is(name, "content-length"u8))
            {
                if (!HttpSyntax.TryParseLength(value, out var length) || (lengths++ > 0 && length != ContentLength))
                {
                    return false;
                }

                ContentLength = length;
            }
            else if (name.Length == 17 && HttpSyntax.Is(name, "transfer-encoding"u8))
            {
                if (minor == (byte)'0' || chunked)
                {
                    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; nothing may follow chunked.
                    return false;
                }

                hasEncoding = true;
                foreach (var range in value.Split((byte)','))
                {
                    var coding = HttpSyntax.Trim(value[range]);
                    if (chunked || !HttpSyntax.IsToken(coding))
                    {
                        return false;
                    }

                    chunked = HttpSyntax.Is(coding, "chunked"u8);
                }
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
        Span<int> listed = stackalloc int[MaxListed * 2];
        var count = ConnectionOptions(headers, listed);
        while (true)
        {
            var end = headers.IndexOf("\r\n"u8);
            if (end <= 0)
            {
                break;
            }

            var field = headers[..(end + 2)];
            var name = field[..field.IndexOf((byte)':')];
            if (!Drop(name) && !IsListed(name, head[(lineEnd + 2)..], listed, count))
            {
                field.CopyTo(destination[pos..]);
                pos += field.Length;
            }

            headers = headers[(end + 2)..];
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

    /// <summary>The names the Connection fields list (other than close and keep-alive), as offsets into <paramref name="headers"/>.</summary>
    private static int ConnectionOptions(ReadOnlySpan<byte> headers, Span<int> listed)
    {
        var count = 0;
        var offset = 0;
        while (true)
        {
            var end = headers[offset..].IndexOf("\r\n"u8);
            if (end <= 0)
            {
                return count;
            }

            var field = headers.Slice(offset, end);
            var colon = field.IndexOf((byte)':');
            if (colon == 10 && HttpSyntax.Is(field[..colon], "connection"u8))
            {
                var value = field[(colon + 1)..];
                foreach (var range in value.Split((byte)','))
                {
                    var element = value[range];
                    var option = HttpSyntax.Trim(element);
                    if (option.IsEmpty || HttpSyntax.Is(option, "close"u8) || HttpSyntax.Is(option, "keep-alive"u8) || count == MaxListed)
                    {
                        continue;
                    }

                    listed[count * 2] = offset + colon + 1 + range.Start.Value + (element.Length - element.TrimStart(" \t"u8).Length);
                    listed[(count * 2) + 1] = option.Length;
                    count++;
                }
            }

            offset += end + 2;
        }
    }

    private static bool IsListed(ReadOnlySpan<byte> name, ReadOnlySpan<byte> headers, ReadOnlySpan<int> listed, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (HttpSyntax.Is(name, headers.Slice(listed[i * 2], listed[(i * 2) + 1])))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Drop(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => HttpSyntax.Is(name, "te"u8),
        7 => HttpSyntax.Is(name, "upgrade"u8),
        10 => HttpSyntax.Is(name, "connection"u8) || HttpSyntax.Is(name, "keep-alive"u8),
        16 => HttpSyntax.Is(name, "proxy-connection"u8),
        18 => HttpSyntax.Is(name, "proxy-authenticate"u8),
        19 => HttpSyntax.Is(name, "x-catalytic-version"u8),
        _ => false,
    };

    /// <summary>A reason phrase: tabs, spaces, visible ASCII and obs-text.</summary>
    private static bool IsReason(ReadOnlySpan<byte> s) => IsResponseFieldValue(s);

    /// <summary>No control character but the tab (so no CR, LF or NUL); obs-text allowed.</summary>
    private static bool IsResponseFieldValue(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7f)
            {
                return false;
            }
        }

        return true;
    }
}
