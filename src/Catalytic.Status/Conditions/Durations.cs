using System.Globalization;
using Catalytic.Delivery.Config;

namespace Catalytic.Status.Conditions;

/// <summary>
/// Durations as checks write them: catalytic.yml's units (500ms, 1s, 2m, 1h, 1m30s) plus days (90d, 30d), which
/// retention and certificate limits need and the delivery units do not have.
/// </summary>
public static class Durations
{
    /// <summary>Parses 90d, 720h, 1m30s, 500ms; a bare number is seconds.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        var days = 0.0;
        var d = s.IndexOf('d', StringComparison.Ordinal);
        if (d > 0 && double.TryParse(s[..d], NumberStyles.Float, CultureInfo.InvariantCulture, out days) && days >= 0)
        {
            s = s[(d + 1)..];
            if (s.Length == 0)
            {
                value = TimeSpan.FromDays(days);
                return true;
            }
        }
        else
        {
            days = 0;
        }

        if (!Units.TryParseDuration(s, out var rest))
        {
            return false;
        }

        value = TimeSpan.FromDays(days) + rest;
        return true;
    }

    /// <summary>Formats for messages: 5d3h, 42m, 1.2s, 300ms.</summary>
    public static string Format(TimeSpan t)
    {
        var negative = t < TimeSpan.Zero;
        if (negative)
        {
            t = -t;
        }

        var s = t.TotalDays >= 1 ? $"{(int)t.TotalDays}d{t.Hours}h"
            : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes}m"
            : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds}s"
            : t.TotalSeconds >= 1 ? $"{t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s"
            : $"{t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms";
        return negative ? "-" + s : s;
    }
}
