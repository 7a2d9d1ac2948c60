namespace Catalytic.Edge.Proxy.Relay;

/// <summary>What host routing reads of a request head (its host and path) and what it changes (the prefix it strips).</summary>
internal sealed partial class RequestHead
{
    /// <summary>Longest host name kept for routing (RFC 1035's 253 and a port); a longer one matches only routes of any host.</summary>
    private const int MaxHost = 262;

    private readonly char[] _host = new char[MaxHost];
    private int _hostLength;
    private int _headersOffset;

    /// <summary>The request's host, lower case, without its port (empty when too long to be a name).</summary>
    public ReadOnlySpan<char> Host => _host.AsSpan(0, _hostLength);

    /// <summary>The target's path as it will be forwarded (normalised, without the query).</summary>
    public ReadOnlySpan<byte> Path
    {
        get
        {
            var target = _template.AsSpan(_methodLength, _targetLength - 11); // without " HTTP/1.1\r\n"
            var query = target.IndexOf((byte)'?');
            return query < 0 ? target : target[..query];
        }
    }

    /// <summary>
    /// Removes the first <paramref name="length"/> bytes of the path (a route's prefix, which it starts with); what is
    /// left starts with <c>/</c> (<c>/api?x</c> without <c>/api</c> is <c>/?x</c>), as Traefik's StripPrefix does.
    /// </summary>
    public void StripPrefix(int length)
    {
        var t = _template.AsSpan();
        var rest = _methodLength + length;
        var slash = t[rest] == (byte)'/' ? 0 : 1;
        var end = _methodLength + _targetLength + _headersLength;
        Ensure(end + 1);
        t = _template.AsSpan();
        t[rest..end].CopyTo(t[(_methodLength + slash)..]);
        if (slash == 1)
        {
            t[_methodLength] = (byte)'/';
        }

        _targetLength -= length - slash;
    }

    /// <summary>The value of cookie <paramref name="name"/> in <paramref name="head"/> (the head <see cref="Parse"/> read); kept as <see cref="StickyValue"/>.</summary>
    public string? FindSticky(ReadOnlySpan<byte> head, string name)
    {
        var headers = head[_headersOffset..];
        var offset = 0;
        while (NextValue(headers, "cookie"u8, ref offset, out var start, out var length))
        {
            if (FindCookie(headers.Slice(start, length), name) is { } value)
            {
                return StickyValue = value;
            }
        }

        return null;
    }

    private void KeepHost(ReadOnlySpan<byte> host)
    {
        // Without the port: after the last ':' unless that is inside an IP literal's brackets.
        var colon = host.LastIndexOf((byte)':');
        if (colon >= 0 && host.LastIndexOf((byte)']') < colon)
        {
            host = host[..colon];
        }

        if (host.Length > MaxHost)
        {
            _hostLength = 0;
            return;
        }

        for (var i = 0; i < host.Length; i++)
        {
            _host[i] = (char)(host[i] is >= (byte)'A' and <= (byte)'Z' ? host[i] + 32 : host[i]);
        }

        _hostLength = host.Length;
    }
}
