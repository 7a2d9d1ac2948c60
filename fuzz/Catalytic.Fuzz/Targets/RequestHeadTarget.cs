using System.Net;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Proxy.Relay;

namespace Catalytic.Fuzz.Targets;

/// <summary>
/// A client's request head as the relay reads it: found by <see cref="HeadScanner"/> (whole, and in two pieces split
/// where the first byte says — both must agree), checked and rewritten by <see cref="RequestHead"/>. Invariants: what
/// the relay would send is itself a valid head the relay accepts unchanged in meaning, with a target free of dot-segments.
/// </summary>
internal sealed class RequestHeadTarget : IFuzzTarget
{
    private static readonly EdgeListenerOptions Limits = new() { MaxRequestLineSize = 512, MaxRequestHeadersTotalSize = 2048, MaxRequestHeaderCount = 20 };
    private static readonly EdgeListenerOptions Trusting = Limits with { TrustedProxies = [IPNetwork.Parse("10.0.0.0/8")] };
    private static readonly ClientIdentity Client = new(IPAddress.Parse("192.0.2.1"), trusted: false);
    private static readonly ClientIdentity Proxy = new(IPAddress.Parse("10.1.2.3"), trusted: true);
    private readonly RequestHead _request = new();
    private readonly RequestHead _again = new();
    private readonly byte[] _wire = new byte[64 * 1024];

    public string Name => "request-head";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var trusted = (input[0] & 1) == 1;
        var whole = default(HeadScanner);
        var length = whole.Scan(input, Limits);
        var split = default(HeadScanner);
        var at = input[0] % input.Length;
        var first = split.Scan(input[..at], Limits);
        var second = first == HeadScanner.NeedMore ? split.Scan(input, Limits) : first;
        if (second != length || (length == HeadScanner.Refused && split.Status != whole.Status))
        {
            throw new FuzzInvariantException($"the head scanner gives {length} in one piece and {second} in two");
        }

        if (length < 0)
        {
            return;
        }

        var head = input.Slice(whole.Skipped, length);
        var verdict = _request.Parse(head, trusted ? Proxy : Client, trusted ? Trusting : Limits, "sticky");
        if (verdict != RequestHead.Ok)
        {
            return;
        }

        var written = _request.Write(_wire, "/prefix"u8, "Host: backend:8080\r\n"u8);
        var rewritten = _wire.AsSpan(0, written);
        var rescan = default(HeadScanner);
        var generous = new EdgeListenerOptions { MaxRequestLineSize = 64 * 1024, MaxRequestHeadersTotalSize = 64 * 1024, MaxRequestHeaderCount = 1000 };
        if (rescan.Scan(rewritten, generous) != written)
        {
            throw new FuzzInvariantException("the rewritten head is not one complete head");
        }

        if (_again.Parse(rewritten, Client, generous, null) != RequestHead.Ok)
        {
            throw new FuzzInvariantException($"the rewritten head is refused ({_again.Reason})");
        }

        if (_again.Body != _request.Body || _again.ContentLength != _request.ContentLength)
        {
            throw new FuzzInvariantException("the rewritten head frames the body differently");
        }

        var line = rewritten[..rewritten.IndexOf("\r\n"u8)];
        var target = line[(line.IndexOf((byte)' ') + 1)..line.LastIndexOf((byte)' ')];
        var path = target.IndexOf((byte)'?') is var q and >= 0 ? target[..q] : target;
        if (!path.StartsWith("/prefix/"u8) && !path.SequenceEqual("/prefix"u8) || path.IndexOf("/../"u8) >= 0 || path.IndexOf("/./"u8) >= 0
            || path.EndsWith("/.."u8) || path.EndsWith("/."u8))
        {
            throw new FuzzInvariantException("the forwarded path escapes the instance's prefix or keeps a dot-segment");
        }
    }
}
