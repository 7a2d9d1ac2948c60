using System.Globalization;

namespace Catalytic.Delivery.Config;

/// <summary>Parses the units catalytic.yml uses: durations (500ms, 1s, 2m, 1h, 1m30s) and percentages (2%, 0.5%).</summary>
public static class Units
{
    /// <summary>Parses a duration such as 500ms, 1s, 2m, 1h or 1m30s. A bare number is seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            if (bare < 0)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(bare);
            return true;
        }

        var i = 0;
        var total = 0.0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            double? ms = s[unitStart..i] switch
            {
                "ms" => n,
                "s" => n * 1000,
                "m" => n * 60_000,
                "h" => n * 3_600_000,
                _ => null,
            };
            if (ms is null)
            {
                return false;
            }

            total += ms.Value;
        }

        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Parses a share such as 2% (→ 0.02) or a fraction between 0 and 1 (0.02).</summary>
    public static bool TryParsePercent(string text, out double fraction)
    {
        fraction = 0;
        var s = text.Trim();
        if (s.EndsWith('%'))
        {
            if (!double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || p < 0 || p > 100)
            {
                return false;
            }

            fraction = p / 100;
            return true;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f >= 0 && f <= 1)
        {
            fraction = f;
            return true;
        }

        return false;
    }

    /// <summary>Formats a duration the way catalytic.yml writes it (for messages).</summary>
    public static string Format(TimeSpan t) =>
        t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0}ms"
        : t.TotalSeconds < 120 ? $"{t.TotalSeconds:0.###}s"
        : $"{t.TotalMinutes:0.##}m";
}
