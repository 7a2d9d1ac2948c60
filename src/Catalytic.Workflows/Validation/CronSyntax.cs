using System.Globalization;

namespace Catalytic.Workflows.Validation;

/// <summary>
/// Checks POSIX cron as `on.schedule` accepts it: five fields (minute, hour, day of month, month, day of week)
/// with `*`, lists, ranges, steps and month/day names. GitHub rejects `@daily` and friends.
/// </summary>
public static class CronSyntax
{
    private static readonly (string Name, int Min, int Max, string[]? Names)[] Fields =
    [
        ("minute", 0, 59, null),
        ("hour", 0, 23, null),
        ("day of month", 1, 31, null),
        ("month", 1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
        ("day of week", 0, 6, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ];

    /// <summary>Null when <paramref name="cron"/> is valid, otherwise what is wrong with it.</summary>
    public static string? Check(string cron)
    {
        var parts = cron.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1 && parts[0].StartsWith('@'))
        {
            return $"'{parts[0]}' is not supported; write the five fields (e.g. '0 0 * * *' for daily)";
        }

        if (parts.Length != 5)
        {
            return $"expected 5 fields (minute hour day-of-month month day-of-week), found {parts.Length}";
        }

        for (var i = 0; i < 5; i++)
        {
            if (CheckField(parts[i], Fields[i]) is { } error)
            {
                return $"{Fields[i].Name} field '{parts[i]}': {error}";
            }
        }

        return null;
    }

    private static string? CheckField(string field, (string Name, int Min, int Max, string[]? Names) spec)
    {
        foreach (var item in field.Split(','))
        {
            var range = item;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                range = item[..slash];
                if (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1)
                {
                    return $"step '{item[(slash + 1)..]}' must be a positive number";
                }
            }

            if (range == "*")
            {
                continue;
            }

            var dash = range.IndexOf('-', StringComparison.Ordinal);
            var bounds = dash >= 0 ? new[] { range[..dash], range[(dash + 1)..] } : [range];
            var values = new List<int>();
            foreach (var b in bounds)
            {
                if (Value(b, spec) is not { } v)
                {
                    return $"'{b}' is not a value from {spec.Min} to {spec.Max}" + (spec.Names is null ? "" : $" or a name ({spec.Names[0]}…)");
                }

                values.Add(v);
            }

            if (values.Count == 2 && values[0] > values[1])
            {
                return $"range '{range}' goes backwards";
            }
        }

        return null;
    }

    private static int? Value(string s, (string Name, int Min, int Max, string[]? Names) spec)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            // Day of week 7 is Sunday in most crons, GitHub's included.
            var max = spec.Name == "day of week" ? 7 : spec.Max;
            return n >= spec.Min && n <= max ? n : null;
        }

        if (spec.Names is { } names)
        {
            var i = Array.FindIndex(names, x => x.Equals(s, StringComparison.OrdinalIgnoreCase));
            return i < 0 ? null : i + spec.Min;
        }

        return null;
    }
}
