using System.Buffers;
using System.Text;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// The character classes and small grammars of RFC 9110/9112 the relay checks requests and responses against: tokens,
/// field values, Content-Length, Host. Strict where the RFCs allow leniency (no obs-fold, no obs-text, no bare LF,
/// no sign or list in Content-Length), as a proxy that forwards bytes verbatim must be.
/// </summary>
internal static class HttpSyntax
{
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // reg-name (unreserved, pct-encoded, sub-delims) and what an IP literal holds.
    private static readonly SearchValues<byte> HostChars =
        SearchValues.Create("-._~%!$&'()*+,;=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly SearchValues<byte> IpLiteralChars = SearchValues.Create(":.0123456789ABCDEFabcdefvV"u8);

    public static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower) => Ascii.EqualsIgnoreCase(name, lower);

    /// <summary>Optional whitespace (SP, HTAB) trimmed from both ends.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value) => value.Trim(" \t"u8);

    public static bool IsToken(ReadOnlySpan<byte> s) => s.Length > 0 && !s.ContainsAnyExcept(TokenChars);

    /// <summary>Visible ASCII, spaces and tabs only: no control characters (NUL, CR, LF: no header injection), no obs-text.</summary>
    public static bool IsFieldValue(ReadOnlySpan<byte> s)
    {
        if (!s.ContainsAnyExceptInRange((byte)0x20, (byte)0x7e))
        {
            return true;
        }

        foreach (var b in s)
        {
            if (b != (byte)'\t' && (b < 0x20 || b > 0x7e))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A Content-Length value: 1 to 18 digits and nothing else (no sign, no list, no spaces inside).</summary>
    public static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
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

    /// <summary>
    /// A Host value (RFC 9110 §7.2, RFC 3986 authority without userinfo): a reg-name or an IP literal in brackets, then
    /// an optional port of up to 5 digits. Not empty.
    /// </summary>
    public static bool IsHost(ReadOnlySpan<byte> host)
    {
        if (host.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<byte> port;
        if (host[0] == (byte)'[')
        {
            var close = host.IndexOf((byte)']');
            if (close < 2 || host[1..close].ContainsAnyExcept(IpLiteralChars))
            {
                return false;
            }

            port = host[(close + 1)..];
            if (!port.IsEmpty && port[0] != (byte)':')
            {
                return false;
            }
        }
        else
        {
            var colon = host.IndexOf((byte)':');
            var name = colon < 0 ? host : host[..colon];
            if (name.IsEmpty || name.ContainsAnyExcept(HostChars))
            {
                return false;
            }

            port = colon < 0 ? default : host[colon..];
        }

        if (port.IsEmpty)
        {
            return true;
        }

        var digits = port[1..];
        return digits.Length is > 0 and <= 5 && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9');
    }
}
