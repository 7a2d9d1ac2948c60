using System.Buffers;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// Puts an origin-form request target (path and query) in the form the edge forwards, before the instance's path is put
/// in front of it: percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2, so <c>%2e</c> is a dot), dot-segments
/// removed (§5.2.4, never climbing above the root, so <c>/../admin</c> is <c>/admin</c>), and what a backend could read
/// as another path refused: an encoded slash or backslash, a backslash, an encoded NUL, a malformed escape. The query is
/// left as it came. A path with no dot, percent sign or backslash (nearly every one) is passed over unchanged.
/// </summary>
internal static class TargetNormalizer
{
    private static readonly SearchValues<byte> Suspicious = SearchValues.Create(".%\\"u8);

    /// <summary>The target needs no change (the common case: no dot, percent sign or backslash in its path).</summary>
    public static bool IsPlain(ReadOnlySpan<byte> target)
    {
        var query = target.IndexOf((byte)'?');
        var path = query < 0 ? target : target[..query];
        return !path.ContainsAny(Suspicious);
    }

    /// <summary>
    /// Writes the normalised target (starting with '/') into <paramref name="destination"/> (at least as long as
    /// <paramref name="target"/>) and returns its length, or -1 when the target is refused.
    /// </summary>
    public static int Normalize(ReadOnlySpan<byte> target, Span<byte> destination)
    {
        var query = target.IndexOf((byte)'?');
        var path = query < 0 ? target : target[..query];
        if (path.IsEmpty || path[0] != (byte)'/')
        {
            return -1;
        }

        // Decode first (into the destination), then remove dot-segments in place.
        var decoded = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var b = path[i];
            if (b == (byte)'\\')
            {
                return -1;
            }

            if (b == (byte)'%')
            {
                if (i + 2 >= path.Length || Hex(path[i + 1]) < 0 || Hex(path[i + 2]) < 0)
                {
                    return -1;
                }

                var c = (byte)((Hex(path[i + 1]) << 4) | Hex(path[i + 2]));
                if (c is (byte)'/' or (byte)'\\' or 0)
                {
                    return -1;
                }

                if (IsUnreserved(c))
                {
                    destination[decoded++] = c;
                }
                else
                {
                    path.Slice(i, 3).CopyTo(destination[decoded..]);
                    decoded += 3;
                }

                i += 2;
                continue;
            }

            destination[decoded++] = b;
        }

        var length = RemoveDotSegments(destination[..decoded]);
        if (query >= 0)
        {
            target[query..].CopyTo(destination[length..]);
            length += target.Length - query;
        }

        return length;
    }

    /// <summary>RFC 3986 §5.2.4 on an absolute path, in place; returns the new length (at least 1: "/").</summary>
    private static int RemoveDotSegments(Span<byte> path)
    {
        var write = 0;
        var read = 1;
        while (true)
        {
            var next = path[read..].IndexOf((byte)'/');
            var end = next < 0 ? path.Length : read + next;
            var segment = path[read..end];
            var last = next < 0;
            if (segment.SequenceEqual("."u8))
            {
                if (last)
                {
                    path[write++] = (byte)'/';
                }
            }
            else if (segment.SequenceEqual(".."u8))
            {
                // Drop the output's last segment (never above the root).
                write = Math.Max(path[..write].LastIndexOf((byte)'/'), 0);
                if (last)
                {
                    path[write++] = (byte)'/';
                }
            }
            else
            {
                path[write++] = (byte)'/';
                segment.CopyTo(path[write..]);
                write += segment.Length;
            }

            if (last)
            {
                return write == 0 ? SetRoot(path) : write;
            }

            read = end + 1;
        }
    }

    private static int SetRoot(Span<byte> path)
    {
        path[0] = (byte)'/';
        return 1;
    }

    private static bool IsUnreserved(byte c) =>
        c is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~';

    private static int Hex(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
