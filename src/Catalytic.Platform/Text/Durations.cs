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

        // Read in decimal (28 digits), not double, so every value Format writes comes back to the same tick.
        if (decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            return bareSeconds && bare <= (decimal)Max.TotalSeconds && TryTicks(bare * TimeSpan.TicksPerSecond, out value);
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            // A number decimal cannot hold (1e300, NaN, Infinity): never a duration in range.
            return false;
        }

        var total = 0m;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !decimal.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            long? ticksPerUnit = s[unitStart..i] switch
            {
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                "d" => TimeSpan.TicksPerDay,
                _ => null,
            };

            // Past Max on its own: refused before the product could overflow decimal.
            if (ticksPerUnit is not { } unit || n > Max.Ticks / unit + 1)
            {
                return false;
            }

            total += n * unit;
            if (total > Max.Ticks)
            {
                return false;
            }
        }

        return TryTicks(total, out value);
    }

    /// <summary>
    /// Writes <paramref name="t"/> exactly, in the units a person writes, and always as something <see cref="TryParse"/>
    /// reads back to the same value: <c>0s</c>, <c>300ms</c>, <c>1.5s</c>, <c>1m30s</c>, <c>10m</c>, <c>1h30m</c>,
    /// <c>2d4h</c>, <c>1m500ms</c>; a part under a millisecond as decimal milliseconds (<c>0.0001ms</c> is one tick).
    /// A negative value is written with a leading <c>-</c> (for messages; TryParse refuses it). For a measured duration
    /// in a message, <see cref="FormatRounded"/> says it in two units.
    /// </summary>
    public static string Format(TimeSpan t)
    {
        // The magnitude as unsigned ticks: -TimeSpan.MinValue would overflow.
        var negative = t.Ticks < 0;
        var ticks = negative ? (ulong)(-(t.Ticks + 1)) + 1 : (ulong)t.Ticks;
        if (ticks == 0)
        {
            return "0s";
        }

        const ulong second = TimeSpan.TicksPerSecond, minute = TimeSpan.TicksPerMinute, hour = TimeSpan.TicksPerHour, day = TimeSpan.TicksPerDay;
        var sb = new System.Text.StringBuilder(negative ? "-" : "");
        if (ticks < second)
        {
            return sb.Append(Fraction(ticks, TimeSpan.TicksPerMillisecond)).Append("ms").ToString();
        }

        Whole(sb, ticks / day, 'd');
        Whole(sb, ticks % day / hour, 'h');
        Whole(sb, ticks % hour / minute, 'm');
        var rest = ticks % minute;
        if (rest >= second)
        {
            sb.Append(Fraction(rest, second)).Append('s');
        }
        else if (rest > 0)
        {
            sb.Append(Fraction(rest, TimeSpan.TicksPerMillisecond)).Append("ms");
        }

        return sb.ToString();
    }

    /// <summary>
    /// A measured duration for a message (a run's length, how long an approval waited, a certificate's time left), cut
    /// down to its two largest units and then <see cref="Format"/>ted: <c>4d23h</c>, <c>2h5m</c>, <c>3m12s</c>,
    /// <c>1.2s</c>, <c>300ms</c>, <c>0.25ms</c>. It is cut, not rounded, so it never says more time than there is
    /// (a certificate 4 days 23 hours 59 minutes from expiring expires "in 4d23h"). TryParse reads it.
    /// </summary>
    public static string FormatRounded(TimeSpan t)
    {
        var a = t == TimeSpan.MinValue ? TimeSpan.MaxValue : t.Duration();
        var step = a >= TimeSpan.FromDays(1) ? TimeSpan.TicksPerHour
            : a >= TimeSpan.FromHours(1) ? TimeSpan.TicksPerMinute
            : a >= TimeSpan.FromMinutes(1) ? TimeSpan.TicksPerSecond
            : a >= TimeSpan.FromSeconds(1) ? TimeSpan.TicksPerSecond / 10
            : a >= TimeSpan.FromMilliseconds(1) ? TimeSpan.TicksPerMillisecond
            : TimeSpan.TicksPerMicrosecond;
        return Format(new TimeSpan(t.Ticks / step * step));
    }

    private static void Whole(System.Text.StringBuilder sb, ulong n, char unit)
    {
        if (n > 0)
        {
            sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }

    // ticks/unit as a decimal number with no trailing zeros: Fraction(15_000_000, TicksPerSecond) is "1.5".
    private static string Fraction(ulong ticks, ulong unit)
    {
        var whole = (ticks / unit).ToString(CultureInfo.InvariantCulture);
        var part = ticks % unit;
        if (part == 0)
        {
            return whole;
        }

        var digits = (unit - 1).ToString(CultureInfo.InvariantCulture).Length;
        return whole + "." + part.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }

    // A whole number of ticks (nearest; half away from zero), within 0..Max.
    private static bool TryTicks(decimal ticks, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (ticks < 0 || ticks > Max.Ticks)
        {
            return false;
        }

        value = new TimeSpan((long)Math.Round(ticks, MidpointRounding.AwayFromZero));
        return true;
    }

}
