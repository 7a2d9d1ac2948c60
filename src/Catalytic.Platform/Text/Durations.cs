using System.Globalization;

namespace Catalytic.Platform.Text;

/// <summary>
/// The one way Catalytic reads a duration, wherever one is written: catalytic.yml (delivery's timeouts and analysis
/// windows, checks' intervals, <c>status.keep</c>, <c>runs.keep</c>, <c>repositories.*.poll</c>), a service's
/// <c>--health-*</c> options, and the status API's silences.
/// <para>The grammar (outer white space is ignored, nothing inside):</para>
/// <code>
/// duration := part+                 1m30s, 1d12h, 500ms, 1.5s, 90d
///           | number                a bare number is seconds (3, 1.5): only where the caller allows it
/// part     := decimal unit          decimal: digits with at most one '.', no sign (2, 2.5, .5)
/// unit     := ms | s | m | h | d    milliseconds, seconds, minutes, hours, days (of 24 hours)
/// </code>
/// A bare number is read as .NET's invariant culture reads a floating-point number (3, 1.5, +2, 1e3). Parts add up in
/// any order (30s1m is 90 s). Nothing negative, and nothing longer than <see cref="Max"/>: a huge value is a
/// parse failure, never an overflow. Each caller keeps its own range (a poll of 1 s to 24 h, an age of at least an
/// hour) and its own message naming the field or file:line:column.
/// </summary>
public static class Durations
{
    /// <summary>The longest duration read: 10,000 years of 365.25 days (a TimeSpan holds about 29,000).</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3_652_500);

    /// <summary>The units, as messages list them.</summary>
    public const string UnitList = "ms, s, m, h, d";

    /// <summary>
    /// Parses <paramref name="text"/> by the grammar above; false when it is empty, malformed, negative or longer than
    /// <see cref="Max"/>. <paramref name="bareSeconds"/> false makes a bare number (no unit) a failure.
    /// </summary>
    public static bool TryParse(string? text, out TimeSpan value, bool bareSeconds = true)
    {
        value = TimeSpan.Zero;
        var s = text.AsSpan().Trim();
        if (s.IsEmpty)
        {
            return false;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            return bareSeconds && TryMilliseconds(bare * 1000, out value);
        }

        var total = 0.0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
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
                "d" => n * 86_400_000,
                _ => null,
            };
            if (ms is null)
            {
                return false;
            }

            total += ms.Value;
        }

        return TryMilliseconds(total, out value);
    }

    /// <summary>Formats for messages, the largest two units first: 5d3h, 42m, 1m30s, 1.2s, 300ms (what <see cref="TryParse"/> reads back).</summary>
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

    // NaN and infinities fail the range test too (every comparison with NaN is false).
    private static bool TryMilliseconds(double ms, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!(ms >= 0 && ms <= Max.TotalMilliseconds))
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }
}
