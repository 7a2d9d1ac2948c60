using System.Text;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>How a request's body is framed.</summary>
internal enum RequestBody
{
    None,
    Length,
    Chunked,
}

/// <summary>
/// A client's request head, checked against RFC 9110/9112 and rewritten for a backend. Everything the edge refuses is
/// refused here with its status (400, 405, 413, 417, 501, 505 — 414 and 431 come from <see cref="HeadScanner"/>):
/// ambiguous framing (Transfer-Encoding in HTTP/1.0, with Content-Length, obfuscated or not ending in chunked; several or
/// malformed Content-Lengths), a missing, repeated or malformed Host, CONNECT, control characters and obs-fold, targets
/// that are not origin- or absolute-form. The rewrite drops hop-by-hop headers (and those <c>Connection</c> names),
/// <c>Proxy-*</c>, and the client's X-Forwarded-*/Forwarded unless it is a trusted proxy, normalises the target
/// (<see cref="TargetNormalizer"/>), and sets X-Forwarded-For/Proto/Host and Forwarded. Requests the relay leaves to
/// Kestrel and YARP (HTTP/1.0, upgrades, the HTTP/2 preface) are checked first, then handed over.
/// One instance per client connection, reused for each request.
/// </summary>
internal sealed partial class RequestHead
{
    /// <summary>What <see cref="Parse"/> returns for a request the relay forwards.</summary>
    public const int Ok = 0;

    /// <summary>What <see cref="Parse"/> returns for a valid request for Kestrel and YARP.</summary>
    public const int HandOver = 1;

    private const int MaxListed = 16;

    /// <summary>The HTTP/2 connection preface's request line (RFC 9113 §3.4): HTTP/2 with prior knowledge.</summary>
    public static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n"u8;

    private byte[] _template = new byte[4096];
    private int _methodLength;
    private int _targetLength;
    private int _headersLength;
    private Flags _flags;

    [Flags]
    private enum Flags
    {
        None = 0,
        Close = 1,
        Head = 2,
        Idempotent = 4,
        ExpectContinue = 8,
        Upgrade = 16,
    }

    /// <summary>The Content-Length of the request body (0 without one).</summary>
    public long ContentLength { get; private set; }

    public RequestBody Body { get; private set; }

    /// <summary>The client asked to close the connection after this request.</summary>
    public bool Close => (_flags & Flags.Close) != 0;

    public bool IsHead => (_flags & Flags.Head) != 0;

    public bool IsIdempotent => (_flags & Flags.Idempotent) != 0;

    /// <summary>The client waits for <c>100 Continue</c> before sending its body.</summary>
    public bool ExpectContinue => (_flags & Flags.ExpectContinue) != 0;

    /// <summary>The request asks to switch protocols (Upgrade): what follows may not be HTTP/1.1 any more.</summary>
    public bool IsUpgrade => (_flags & Flags.Upgrade) != 0;

    /// <summary>The value of the sticky cookie the client sent, or null.</summary>
    public string? StickyValue { get; private set; }

    /// <summary>Why the last request was refused (for the log and the answer's body).</summary>
    public string Reason { get; private set; } = "";

    /// <summary>
    /// Checks <paramref name="head"/> (request line to the empty line, inclusive, CRLF line ends as
    /// <see cref="HeadScanner"/> found them) and keeps its rewritten form: <see cref="Ok"/>, <see cref="HandOver"/>, or
    /// the status to refuse it with (see <see cref="Reason"/>).
    /// </summary>
    public int Parse(ReadOnlySpan<byte> head, ClientIdentity client, EdgeListenerOptions limits, string? stickyCookie)
    {
        ContentLength = 0;
        _hostLength = 0;
        Body = RequestBody.None;
        StickyValue = null;
        _flags = Flags.None;

        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        var sp = line.IndexOf((byte)' ');
        if (sp <= 0 || !HttpSyntax.IsToken(line[..sp]))
        {
            return Refuse(400, "malformed request line");
        }

        var method = line[..sp];
        var rest = line[(sp + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            return Refuse(400, "malformed request line");
        }

        var target = rest[..sp2];
        var version = rest[(sp2 + 1)..];
        bool http11;
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            http11 = true;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            http11 = false;
        }
        else if (method.SequenceEqual("PRI"u8) && target.SequenceEqual("*"u8) && version.SequenceEqual("HTTP/2.0"u8))
        {
            return HandOver; // HTTP/2 with prior knowledge: the relay refuses it with a GOAWAY, as Kestrel would
        }
        else
        {
            return version.Length == 8 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]) && version[6] == (byte)'.'
                && char.IsAsciiDigit((char)version[7]) ? Refuse(505, "HTTP version not supported") : Refuse(400, "malformed request line");
        }

        if (target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e) || target.Contains((byte)'#'))
        {
            return Refuse(400, "invalid character in the request target");
        }

        if (method.SequenceEqual("CONNECT"u8))
        {
            return Refuse(405, "CONNECT is not supported: the edge is not a forward proxy");
        }

        ReadOnlySpan<byte> authority = default;
        if (target[0] != (byte)'/')
        {
            if (!SplitAbsoluteForm(target, out authority, out target))
            {
                return Refuse(400, "the request target is neither origin-form nor absolute-form");
            }
        }

        var isHead = method.SequenceEqual("HEAD"u8);
        _flags |= isHead ? Flags.Head : Flags.None;
        if (isHead || method.SequenceEqual("GET"u8) || method.SequenceEqual("PUT"u8) || method.SequenceEqual("DELETE"u8)
            || method.SequenceEqual("OPTIONS"u8) || method.SequenceEqual("TRACE"u8))
        {
            _flags |= Flags.Idempotent;
        }

        var fields = new FieldSummary();
        var headers = head[(lineEnd + 2)..];
        Span<int> listed = stackalloc int[MaxListed * 2];
        var verdict = Summarize(headers, ref fields, listed, client.Trusted, stickyCookie);
        if (verdict != Ok)
        {
            return verdict;
        }

        verdict = CheckFraming(ref fields, http11, limits);
        if (verdict != Ok)
        {
            return verdict;
        }

        var hostField = headers.Slice(fields.HostStart, fields.HostLength);
        if (fields.Hosts == 1 && !HttpSyntax.IsHost(hostField))
        {
            return Refuse(400, "malformed Host header");
        }

        var host = authority.IsEmpty ? hostField : authority;
        KeepHost(host);
        _headersOffset = lineEnd + 2;
        _flags |= fields.Upgrade ? Flags.Upgrade : Flags.None;
        if (!http11 || fields.Upgrade)
        {
            // Checked like the rest; Kestrel's HTTP layer and YARP relay HTTP/1.0 (no chunked answers) and upgrades.
            return HandOver;
        }

        _flags |= fields.Close ? Flags.Close : Flags.None;
        _flags |= fields.Expect ? Flags.ExpectContinue : Flags.None;
        return Rewrite(method, target, headers, host, fields, listed, client);
    }

    /// <summary>The request head for one instance: its path prefix before the target, its Host line.</summary>
    public int Write(byte[] destination, BackendPool pool) => Write(destination, pool.PathPrefix, pool.HostLine);

    /// <summary>The request head with <paramref name="pathPrefix"/> before the target and <paramref name="hostLine"/> after the request line.</summary>
    public int Write(Span<byte> destination, ReadOnlySpan<byte> pathPrefix, ReadOnlySpan<byte> hostLine)
    {
        var t = _template.AsSpan();
        var d = destination;
        var pos = 0;
        t[.._methodLength].CopyTo(d);
        pos += _methodLength;
        pathPrefix.CopyTo(d[pos..]);
        pos += pathPrefix.Length;
        t.Slice(_methodLength, _targetLength).CopyTo(d[pos..]);
        pos += _targetLength;
        hostLine.CopyTo(d[pos..]);
        pos += hostLine.Length;
        t.Slice(_methodLength + _targetLength, _headersLength).CopyTo(d[pos..]);
        return pos + _headersLength;
    }

    /// <summary>The size <see cref="Write"/> needs for <paramref name="pool"/>.</summary>
    public int Size(BackendPool pool) => _methodLength + _targetLength + _headersLength + pool.PathPrefix.Length + pool.HostLine.Length;

    private int Refuse(int status, string reason)
    {
        Reason = reason;
        return status;
    }

    /// <summary>What the header section says, from one pass over it.</summary>
    private struct FieldSummary
    {
        public int Hosts;
        public int HostStart;
        public int HostLength;
        public int Lengths;
        public bool Encoding;
        public bool Chunked;
        public bool UnknownCoding;
        public bool Close;
        public bool Upgrade;
        public bool Expect;
        public int Listed;
    }

    private int Summarize(ReadOnlySpan<byte> headers, ref FieldSummary fields, Span<int> listed, bool trusted, string? stickyCookie)
    {
        var offset = 0;
        while (true)
        {
            var end = headers[offset..].IndexOf("\r\n"u8);
            if (end == 0)
            {
                return Ok;
            }

            var field = headers.Slice(offset, end);
            var colon = field.IndexOf((byte)':');
            if (colon <= 0 || !HttpSyntax.IsToken(field[..colon]))
            {
                // Also obs-fold (a line starting with whitespace) and whitespace before the colon (RFC 9112 §5.1, §5.2).
                return Refuse(400, "malformed header field");
            }

            var name = field[..colon];
            var value = HttpSyntax.Trim(field[(colon + 1)..]);
            if (!HttpSyntax.IsFieldValue(value))
            {
                return Refuse(400, "control or non-ASCII character in a header value");
            }

            var raw = field[(colon + 1)..];
            var valueStart = offset + colon + 1 + (raw.Length - raw.TrimStart(" \t"u8).Length);
            switch (name.Length)
            {
                case 4 when HttpSyntax.Is(name, "host"u8):
                    fields.Hosts++;
                    fields.HostStart = valueStart;
                    fields.HostLength = value.Length;
                    break;
                case 6 when HttpSyntax.Is(name, "expect"u8):
                    if (!HttpSyntax.Is(value, "100-continue"u8))
                    {
                        return Refuse(417, "only Expect: 100-continue is supported");
                    }

                    fields.Expect = true;
                    break;
                case 6 when HttpSyntax.Is(name, "cookie"u8):
                    if (stickyCookie is not null && StickyValue is null)
                    {
                        StickyValue = FindCookie(value, stickyCookie);
                    }

                    break;
                case 7 when HttpSyntax.Is(name, "upgrade"u8):
                    fields.Upgrade = true;
                    break;
                case 10 when HttpSyntax.Is(name, "connection"u8):
                    foreach (var range in value.Split((byte)','))
                    {
                        var element = value[range];
                        var option = HttpSyntax.Trim(element);
                        if (option.IsEmpty || HttpSyntax.Is(option, "keep-alive"u8) || HttpSyntax.Is(option, "upgrade"u8))
                        {
                            continue;
                        }

                        if (!HttpSyntax.IsToken(option))
                        {
                            return Refuse(400, "malformed Connection header");
                        }

                        if (HttpSyntax.Is(option, "close"u8))
                        {
                            fields.Close = true;
                        }
                        else if (IsFraming(option))
                        {
                            // Dropping these as hop-by-hop would unframe the body (or unname the host) under the backend.
                            return Refuse(400, "Connection names Content-Length, Transfer-Encoding or Host");
                        }
                        else if (fields.Listed < MaxListed)
                        {
                            listed[fields.Listed * 2] = valueStart + range.Start.Value + (element.Length - element.TrimStart(" \t"u8).Length);
                            listed[(fields.Listed * 2) + 1] = option.Length;
                            fields.Listed++;
                        }
                        else
                        {
                            return Refuse(400, "too many options in Connection");
                        }
                    }

                    break;
                case 14 when HttpSyntax.Is(name, "content-length"u8):
                    if (++fields.Lengths > 1)
                    {
                        return Refuse(400, "more than one Content-Length");
                    }

                    if (!HttpSyntax.TryParseLength(value, out var length))
                    {
                        return Refuse(400, "malformed Content-Length");
                    }

                    ContentLength = length;
                    break;
                case 17 when HttpSyntax.Is(name, "transfer-encoding"u8):
                    fields.Encoding = true;
                    foreach (var range in value.Split((byte)','))
                    {
                        var coding = HttpSyntax.Trim(value[range]);
                        if (fields.Chunked || !HttpSyntax.IsToken(coding))
                        {
                            // Something after chunked (or chunked twice), or an obfuscated coding: no length can be trusted.
                            return Refuse(400, "malformed Transfer-Encoding");
                        }

                        if (HttpSyntax.Is(coding, "chunked"u8))
                        {
                            fields.Chunked = true;
                        }
                        else
                        {
                            fields.UnknownCoding = true;
                        }
                    }

                    break;
            }

            offset += end + 2;
        }
    }

    private int CheckFraming(ref FieldSummary fields, bool http11, EdgeListenerOptions limits)
    {
        if (fields.Hosts > 1 || (http11 && fields.Hosts == 0))
        {
            return Refuse(400, fields.Hosts == 0 ? "no Host header" : "more than one Host header");
        }

        if (fields.Encoding)
        {
            if (!http11)
            {
                // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
                return Refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
            }

            if (fields.Lengths > 0)
            {
                return Refuse(400, "both Transfer-Encoding and Content-Length");
            }

            if (!fields.Chunked)
            {
                return Refuse(400, "the final transfer coding is not chunked");
            }

            if (fields.UnknownCoding)
            {
                return Refuse(501, "transfer coding not implemented");
            }

            Body = RequestBody.Chunked;
        }
        else if (fields.Lengths > 0 && ContentLength > 0)
        {
            Body = RequestBody.Length;
            if (ContentLength > limits.MaxRequestBodySize)
            {
                return Refuse(413, "request body larger than the limit");
            }
        }

        return Ok;
    }

    /// <summary>Content-Length, Transfer-Encoding or Host: headers no Connection option may remove.</summary>
    internal static bool IsFraming(ReadOnlySpan<byte> name) =>
        HttpSyntax.Is(name, "content-length"u8) || HttpSyntax.Is(name, "transfer-encoding"u8) || HttpSyntax.Is(name, "host"u8);

    private static bool SplitAbsoluteForm(ReadOnlySpan<byte> target, out ReadOnlySpan<byte> authority, out ReadOnlySpan<byte> pathAndQuery)
    {
        authority = default;
        pathAndQuery = default;
        var scheme = HttpSyntax.Is(target[..Math.Min(7, target.Length)], "http://"u8) ? 7
            : HttpSyntax.Is(target[..Math.Min(8, target.Length)], "https://"u8) ? 8 : 0;
        if (scheme == 0)
        {
            return false;
        }

        var rest = target[scheme..];
        var end = rest.IndexOfAny((byte)'/', (byte)'?');
        authority = end < 0 ? rest : rest[..end];
        pathAndQuery = end < 0 ? "/"u8 : rest[end..];
        return HttpSyntax.IsHost(authority) && pathAndQuery[0] == (byte)'/';
    }
}
