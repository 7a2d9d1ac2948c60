using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Catalytic.Platform.Secrets;

/// <summary>
/// An immutable set of patterns to mask, compiled for one pass over a text of characters or of bytes (the same code,
/// specialised per unit). Every pattern has at least two units, so a bitmap of the patterns' first two units (8 KiB,
/// held in the L1 cache) rejects almost every position with one test; where it does not, the patterns starting with
/// those two units, longest first, say whether and how far one matches. Overlapping and adjacent matches merge into
/// one range, so a secret that contains, overlaps or follows another is masked whole.
/// <para>
/// Hand-written rather than the runtime's <c>SearchValues&lt;string&gt;</c>: that one is faster for a handful of
/// plain strings, but a run's secrets are hundreds of forms (each secret's lines, JSON, URI and base64 forms), where it
/// fell to about 35 MB/s; it also searches only characters, while the log stage masks bytes (bench/masking).
/// </para>
/// </summary>
/// <typeparam name="T">A character or a byte.</typeparam>
internal sealed class SecretPatterns<T>
    where T : unmanaged, IEquatable<T>
{
    private readonly ulong[] _firstPairs = new ulong[65536 / 64];
    private readonly FrozenDictionary<int, T[][]> _byFirstPair;

    private SecretPatterns(T[][] patterns)
    {
        foreach (var p in patterns)
        {
            var key = Key(p[0], p[1]);
            _firstPairs[key >> 6] |= 1UL << key;
        }

        _byFirstPair = patterns.GroupBy(p => Key(p[0], p[1])).ToFrozenDictionary(g => g.Key, g => g.OrderByDescending(p => p.Length).ToArray());
        MaxLength = patterns.Max(p => p.Length);
    }

    /// <summary>The length of the longest pattern.</summary>
    public int MaxLength { get; }

    /// <summary>The compiled set; null when there is nothing to mask.</summary>
    /// <exception cref="ArgumentException">A pattern is shorter than two units.</exception>
    public static SecretPatterns<T>? Create(IEnumerable<T[]> patterns)
    {
        T[][] all = [.. patterns];
        if (all.Any(p => p.Length < 2))
        {
            throw new ArgumentException("every pattern has at least two units", nameof(patterns));
        }

        return all.Length == 0 ? null : new SecretPatterns<T>(all);
    }

    /// <summary>
    /// The next range of <paramref name="text"/> to mask at or after <paramref name="from"/>: the union of every match
    /// that overlaps or touches the first one. Advances <paramref name="from"/> past it; false when there is none.
    /// </summary>
    public bool NextRange(ReadOnlySpan<T> text, ref int from, out int start, out int end)
    {
        end = 0;
        start = Find(text, from, text.Length, out var length);
        if (start < 0)
        {
            from = text.Length;
            return false;
        }

        end = start + length;
        // Matches starting inside the range (or right at its end) that reach further extend it.
        for (var next = start + 1; next <= end && next < text.Length;)
        {
            var at = Find(text, next, Math.Min(text.Length, end + 1), out length);
            if (at < 0)
            {
                break;
            }

            end = Math.Max(end, at + length);
            next = at + 1;
        }

        from = end;
        return true;
    }

    /// <summary>The first position in [<paramref name="from"/>, <paramref name="before"/>) where a pattern starts, with the longest one's length; -1 when none.</summary>
    private int Find(ReadOnlySpan<T> text, int from, int before, out int length)
    {
        // The loop every byte of a log passes: no bounds checks, and each unit read once (the second of one pair is
        // the first of the next).
        var last = Math.Min(before, text.Length - 1);
        if (from < last)
        {
            ref var units = ref MemoryMarshal.GetReference(text);
            ref var pairs = ref MemoryMarshal.GetArrayDataReference(_firstPairs);
            var first = Low(Unsafe.Add(ref units, from));
            for (var i = from; i < last; i++)
            {
                var second = Low(Unsafe.Add(ref units, i + 1));
                var key = (first << 8) | second;
                first = second;
                if ((Unsafe.Add(ref pairs, key >> 6) & (1UL << key)) == 0)
                {
                    continue;
                }

                foreach (var pattern in _byFirstPair[key])
                {
                    if (text[i..].StartsWith(pattern))
                    {
                        length = pattern.Length;
                        return i;
                    }
                }
            }
        }

        length = 0;
        return -1;
    }

    /// <summary>The bitmap index of two units.</summary>
    private static int Key(T first, T second) => (Low(first) << 8) | Low(second);

    /// <summary>A unit's low byte: a byte itself; of a character, its low byte (a collision only costs a check).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Low(T unit) => typeof(T) == typeof(byte) ? Unsafe.BitCast<T, byte>(unit) : Unsafe.BitCast<T, char>(unit) & 0xFF;
}
