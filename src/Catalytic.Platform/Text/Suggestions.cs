namespace Catalytic.Platform.Text;

/// <summary>"Did you mean" hints for misspelt keys, events and values.</summary>
public static class Suggestions
{
    /// <summary>The candidate closest to <paramref name="word"/> when it is close enough to be a likely typo; otherwise null.</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var normalized = Normalize(word);
        foreach (var candidate in candidates)
        {
            // `runs_on`, `Runs-On`: same word written with the wrong case or separator.
            if (Normalize(candidate) == normalized)
            {
                return candidate;
            }

            var d = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        var allowed = Math.Max(1, Math.Min(word.Length, best?.Length ?? 0) / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>"; did you mean 'x'?" or an empty string.</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates) =>
        Closest(word, candidates) is { } s ? $"; did you mean '{s}'?" : "";

    private static string Normalize(string s) => s.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
