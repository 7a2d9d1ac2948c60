using System.Text;

namespace Catalytic.Edge.Proxy.Relay;

internal sealed partial class RequestHead
{
    /// <summary>Builds the head sent to backends (without the instance's path prefix and Host line, added per instance).</summary>
    private int Rewrite(
        ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> host,
        in FieldSummary fields, ReadOnlySpan<int> listed, ClientIdentity client)
    {
        Ensure((2 * (method.Length + target.Length + headers.Length + host.Length)) + (2 * client.Node.Length) + 256);
        var t = _template.AsSpan();
        method.CopyTo(t);
        t[method.Length] = (byte)' ';
        _methodLength = method.Length + 1;
        var pos = _methodLength;
        if (TargetNormalizer.IsPlain(target))
        {
            target.CopyTo(t[pos..]);
            pos += target.Length;
        }
        else
        {
            var n = TargetNormalizer.Normalize(target, t[pos..]);
            if (n < 0)
            {
                return Refuse(400, "the request path has an encoded slash, a backslash or a malformed escape");
            }

            pos += n;
        }

        " HTTP/1.1\r\n"u8.CopyTo(t[pos..]);
        pos += 11;
        _targetLength = pos - _methodLength;
        var headersStart = pos;

        var offset = 0;
        while (true)
        {
            var end = headers[offset..].IndexOf("\r\n"u8);
            if (end == 0)
            {
                break;
            }

            var field = headers.Slice(offset, end + 2);
            var name = field[..field.IndexOf((byte)':')];
            if (!IsDropped(name, headers, listed, fields.Listed))
            {
                field.CopyTo(t[pos..]);
                pos += field.Length;
            }

            offset += end + 2;
        }

        if (fields.Chunked)
        {
            pos = Append(t, pos, "Transfer-Encoding: chunked\r\n"u8);
        }

        var proto = client.Https ? "https"u8 : "http"u8;
        var forwardedHost = host;
        pos = Append(t, pos, "X-Forwarded-For: "u8);
        if (client.Trusted && AppendJoined(headers, "x-forwarded-for"u8, t, ref pos))
        {
            pos = Append(t, pos, ", "u8);
        }

        pos = Append(t, pos, client.Address);
        pos = Append(t, pos, "\r\n"u8);
        if (client.Trusted)
        {
            proto = First(headers, "x-forwarded-proto"u8, proto);
            forwardedHost = First(headers, "x-forwarded-host"u8, host);
        }

        pos = Append(t, pos, "X-Forwarded-Proto: "u8);
        pos = Append(t, pos, proto);
        pos = Append(t, pos, "\r\nX-Forwarded-Host: "u8);
        pos = Append(t, pos, forwardedHost);
        pos = Append(t, pos, "\r\nForwarded: "u8);
        if (client.Trusted && AppendJoined(headers, "forwarded"u8, t, ref pos))
        {
            pos = Append(t, pos, ", "u8);
        }

        pos = Append(t, pos, "for="u8);
        pos = Append(t, pos, client.Node);
        pos = Append(t, pos, ";host="u8);
        if (HttpSyntax.IsToken(host))
        {
            pos = Append(t, pos, host);
        }
        else
        {
            t[pos++] = (byte)'"';
            pos = Append(t, pos, host);
            t[pos++] = (byte)'"';
        }

        pos = Append(t, pos, client.Https ? ";proto=https\r\n\r\n"u8 : ";proto=http\r\n\r\n"u8);
        _headersLength = pos - headersStart;
        return Ok;
    }

    /// <summary>Headers the edge does not pass on: hop-by-hop ones, those Connection names, Proxy-*, the forwarding ones it sets itself.</summary>
    private static bool IsDropped(ReadOnlySpan<byte> name, ReadOnlySpan<byte> headers, ReadOnlySpan<int> listed, int listedCount)
    {
        var dropped = name.Length switch
        {
            2 => HttpSyntax.Is(name, "te"u8),
            4 => HttpSyntax.Is(name, "host"u8),
            5 => HttpSyntax.Is(name, "proxy"u8),
            7 => HttpSyntax.Is(name, "upgrade"u8),
            9 => HttpSyntax.Is(name, "forwarded"u8),
            10 => HttpSyntax.Is(name, "connection"u8) || HttpSyntax.Is(name, "keep-alive"u8),
            15 => HttpSyntax.Is(name, "x-forwarded-for"u8),
            16 => HttpSyntax.Is(name, "x-forwarded-host"u8),
            17 => HttpSyntax.Is(name, "x-forwarded-proto"u8) || HttpSyntax.Is(name, "transfer-encoding"u8),
            18 => HttpSyntax.Is(name, "x-forwarded-prefix"u8),
            _ => false,
        };
        if (dropped || (name.Length > 6 && HttpSyntax.Is(name[..6], "proxy-"u8)))
        {
            return true;
        }

        for (var i = 0; i < listedCount; i++)
        {
            if (HttpSyntax.Is(name, headers.Slice(listed[i * 2], listed[(i * 2) + 1])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the values of every <paramref name="lowerName"/> field joined with ", "; false when there was none.</summary>
    private static bool AppendJoined(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> lowerName, Span<byte> t, ref int pos)
    {
        var any = false;
        var offset = 0;
        while (NextValue(headers, lowerName, ref offset, out var start, out var length))
        {
            if (any)
            {
                pos = Append(t, pos, ", "u8);
            }

            pos = Append(t, pos, headers.Slice(start, length));
            any = true;
        }

        return any;
    }

    /// <summary>The value of the first <paramref name="lowerName"/> field, or <paramref name="otherwise"/>.</summary>
    private static ReadOnlySpan<byte> First(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> lowerName, ReadOnlySpan<byte> otherwise)
    {
        var offset = 0;
        return NextValue(headers, lowerName, ref offset, out var start, out var length) ? headers.Slice(start, length) : otherwise;
    }

    /// <summary>
    /// Where the next non-empty value of a <paramref name="lowerName"/> field is (from <paramref name="offset"/> on, which
    /// moves past it); false at the section's end.
    /// </summary>
    private static bool NextValue(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> lowerName, ref int offset, out int start, out int length)
    {
        while (true)
        {
            var end = headers[offset..].IndexOf("\r\n"u8);
            start = length = 0;
            if (end == 0)
            {
                return false;
            }

            var field = headers.Slice(offset, end);
            var colon = field.IndexOf((byte)':');
            var raw = field[(colon + 1)..];
            var value = HttpSyntax.Trim(raw);
            start = offset + colon + 1 + (raw.Length - raw.TrimStart(" \t"u8).Length);
            length = value.Length;
            offset += end + 2;
            if (colon == lowerName.Length && HttpSyntax.Is(field[..colon], lowerName) && !value.IsEmpty)
            {
                return true;
            }
        }
    }

    private static int Append(Span<byte> t, int pos, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(t[pos..]);
        return pos + bytes.Length;
    }

    private void Ensure(int size)
    {
        if (_template.Length < size)
        {
            _template = new byte[Math.Max(size, _template.Length * 2)];
        }
    }

    private static string? FindCookie(ReadOnlySpan<byte> header, string name)
    {
        foreach (var range in header.Split((byte)';'))
        {
            var pair = HttpSyntax.Trim(header[range]);
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

/// <summary>Who is at the other end of a client connection, as the forwarding headers name it.</summary>
internal sealed class ClientIdentity
{
    public ClientIdentity(System.Net.IPAddress? address, bool trusted, bool https = false)
    {
        Https = https;
        var ip = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
        var text = ip?.ToString() ?? "unknown";
        Address = Encoding.ASCII.GetBytes(text);
        Node = Encoding.ASCII.GetBytes(ip?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"\"[{text}]\"" : text);
        Trusted = trusted;
    }

    /// <summary>The peer's address as X-Forwarded-For writes it.</summary>
    public byte[] Address { get; }

    /// <summary>The peer's address as a Forwarded <c>for=</c> node (an IPv6 address quoted in brackets, RFC 7239 §6).</summary>
    public byte[] Node { get; }

    /// <summary>The peer is a trusted proxy: its forwarding headers are kept and extended.</summary>
    public bool Trusted { get; }

    /// <summary>The connection came over TLS: X-Forwarded-Proto and Forwarded say https.</summary>
    public bool Https { get; }
}
