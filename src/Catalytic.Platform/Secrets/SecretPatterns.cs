using System.Buffers;

namespace Catalytic.Platform.Secrets;

/// <summary>
/// An immutable set of strings to mask, compiled for one pass over a text: the runtime's multi-string search
/// (<see cref="SearchValues{T}"/> of strings: vectorised, Aho-Corasick for large sets) finds where any pattern starts,
/// and the patterns starting with that character, longest first, say how far it reaches. Overlapping and adjacent
/// matches merge into one range, so a secret that contains, overlaps or follows another is masked whole.
/// </summary>
internal sealed class SecretPatterns
{
    private readonly SearchValues<string> _any;
    private readonly Dictionary<char, string[]> _byFirst;

    private SecretPatterns(string[] patterns)
    {
        _any = SearchValues.Create(patterns, StringComparison.Ordinal);
        _byFirst = patterns.GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Length).ToArray());
        MaxLength = patterns.Max(p => p.Length);
    }

    /// <summary>The length of the longest pattern.</summary>
    public int MaxLength { get; }

    /// <summary>The compiled set; null when there is nothing to mask.</summary>
    public static SecretPatterns? Create(IEnumerable<string> patterns)
    {
        string[] distinct = [.. patterns.Where(p => p.Length > 0).Distinct(StringComparer.Ordinal)];
        return distinct.Length == 0 ? null : new SecretPatterns(distinct);
    }

    /// <summary>
    /// The next range of <paramref name="text"/> to mask at or after <paramref name="from"/>: the union of every match
    /// that overlaps or touches the first one. Advances <paramref name="from"/> past it; false when there is none.
    /// </summary>
    public bool NextRange(ReadOnlySpan<char> text, ref int from, out int start, out int end)
    {
        start = end = 0;
        if (from >= text.Length)
        {
            return false;
        }

        var hit = text[from..].IndexOfAny(_any);
        if (hit < 0)
        {
            from = text.Length;
            return false;
        }

        start = from + hit;
        end = start + LongestAt(text, start);
        // Matches starting inside the range (or right at its end) that reach further extend it.
        var next = start + 1;
        while (next <= end && next < text.Length)
        {
            // Only a match starting by `end` matters, and none is longer than MaxLength: search no further.
            hit = text[next..Math.Min(text.Length, end + MaxLength)].IndexOfAny(_any);
            if (hit < 0 || next + hit > end)
            {
                break;
            }

            var at = next + hit;
            end = Math.Max(end, at + LongestAt(text, at));
            next = at + 1;
        }

        from = end;
        return true;
    }

    /// <summary>The length of the longest pattern at <paramref name="at"/> (where the search found one).</summary>
    private int LongestAt(ReadOnlySpan<char> text, int at)
    {
        foreach (var pattern in _byFirst[text[at]])
        {
            if (text[at..].StartsWith(pattern, StringComparison.Ordinal))
            {
                return pattern.Length;
            }
        }

        return 0;
    }
}
