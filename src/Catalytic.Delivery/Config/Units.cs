using System.Globalization;

namespace Catalytic.Delivery.Config;

/// <summary>
/// Delivery's units in catalytic.yml: percentages (2%, 0.5%), and how its messages write a duration (durations are
/// read by <see cref="Catalytic.Platform.Text.Durations"/>, the one parser). <see cref="Format"/> stays delivery's own:
/// its messages (120s, 2.5m) are pinned by tests and read by people who wrote the config in those units.
/// </summary>
public static class Units
{
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
