using System.Globalization;

namespace Catalytic.Runner.Actions.BuiltIn.Setup;

/// <summary>A tool version: up to four numeric parts (`8.0.100`, `3.11.7`, `17.0.15`); a leading `v` and any `-pre`/`+build` tail are ignored.</summary>
public sealed record ToolVersion(int Major, int Minor, int Patch, int Revision, string Text) : IComparable<ToolVersion>
{
    public static ToolVersion? Parse(string text)
    {
        var core = text.Trim().TrimStart('v', 'V');
        var cut = core.IndexOfAny(['-', '+', ' ', '_']);
        if (cut >= 0)
        {
            core = core[..cut];
        }

        var parts = core.Split('.');
        if (parts.Length is 0 or > 4)
        {
            return null;
        }

        var numbers = new int[4];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        return new ToolVersion(numbers[0], numbers[1], numbers[2], numbers[3], text.Trim());
    }

    public int CompareTo(ToolVersion? other) =>
        other is null ? 1 : (Major, Minor, Patch, Revision).CompareTo((other.Major, other.Minor, other.Patch, other.Revision));

    public override string ToString() => Text;
}

/// <summary>
/// A version request with npm semver's range grammar, as the setup-* actions accept it: `20`, `20.x`, `3.11`,
/// `8.0.x`, `1.2.3`, `>=18`, `>=3.9 <3.13`, `^1.2`, `~1.2.3`, `1.2 - 1.4`, `*`, and `||` alternatives.
/// A partial version is a range (`3.11` is any 3.11.x), as in actions/setup-python and setup-node.
/// </summary>
public sealed class VersionRange
{
    private readonly List<List<(string Op, ToolVersion Version)>> _alternatives;

    private VersionRange(string text, List<List<(string Op, ToolVersion Version)>> alternatives)
    {
        Text = text;
        _alternatives = alternatives;
    }

    public string Text { get; }

    /// <summary>Parses a range; null when it is not one (the caller names the input in its error).</summary>
    public static VersionRange? Parse(string text)
    {
        var alternatives = new List<List<(string, ToolVersion)>>();
        foreach (var alternative in text.Split("||"))
        {
            var comparators = new List<(string, ToolVersion)>();
            var tokens = Tokenize(alternative);
            if (tokens.Count == 3 && tokens[1] == "-")
            {
                if (Partial(tokens[0]) is not { } low || Partial(tokens[2]) is not { } high)
                {
                    return null;
                }

                comparators.Add((">=", low.Lower));
                comparators.Add(high.Upper is null ? (">=", low.Lower) : ("<", high.Upper));
                alternatives.Add(comparators);
                continue;
            }

            if (tokens.Count == 0)
            {
                tokens.Add("*");
            }

            foreach (var token in tokens)
            {
                if (!AddComparator(token, comparators))
                {
                    return null;
                }
            }

            alternatives.Add(comparators);
        }

        return new VersionRange(text.Trim(), alternatives);
    }

    public bool IsSatisfiedBy(ToolVersion version) =>
        _alternatives.Any(all => all.All(c => c.Op switch
        {
            ">=" => version.CompareTo(c.Version) >= 0,
            ">" => version.CompareTo(c.Version) > 0,
            "<" => version.CompareTo(c.Version) < 0,
            "<=" => version.CompareTo(c.Version) <= 0,
            _ => version.CompareTo(c.Version) == 0,
        }));

    /// <summary>The highest of <paramref name="candidates"/> that satisfies the range.</summary>
    public ToolVersion? BestMatch(IEnumerable<ToolVersion> candidates) =>
        candidates.Where(IsSatisfiedBy).OrderByDescending(v => v).FirstOrDefault();

    public override string ToString() => Text;

    private static List<string> Tokenize(string alternative)
    {
        // ">= 1.2" is allowed by npm: glue operators to their version.
        var raw = alternative.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var tokens = new List<string>();
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] is ">=" or "<=" or ">" or "<" or "=" or "^" or "~" && i + 1 < raw.Length)
            {
                tokens.Add(raw[i] + raw[++i]);
            }
            else
            {
                tokens.Add(raw[i]);
            }
        }

        return tokens;
    }

    private static bool AddComparator(string token, List<(string, ToolVersion)> comparators)
    {
        var op = token.StartsWith(">=", StringComparison.Ordinal) || token.StartsWith("<=", StringComparison.Ordinal) ? token[..2]
            : token[0] is '>' or '<' or '=' or '^' or '~' ? token[..1] : string.Empty;
        var partial = Partial(token[op.Length..]);
        if (partial is not { } p)
        {
            return false;
        }

        switch (op)
        {
            case "" or "=":
                if (p.Upper is null)
                {
                    comparators.Add(("=", p.Lower)); // a full version is exact
                }
                else
                {
                    comparators.Add((">=", p.Lower));
                    comparators.Add(("<", p.Upper));
                }

                break;
            case ">=":
                comparators.Add((">=", p.Lower));
                break;
            case ">":
                // >1.2 means above every 1.2.x
                comparators.Add(p.Upper is null || p.Given == 4 ? (">", p.Lower) : (">=", p.Upper));
                break;
            case "<":
                comparators.Add(("<", p.Lower));
                break;
            case "<=":
                comparators.Add(p.Upper is null || p.Given == 4 ? ("<=", p.Lower) : ("<", p.Upper));
                break;
            case "~":
                comparators.Add((">=", p.Lower));
                comparators.Add(("<", p.Given >= 2 ? V(p.Lower.Major, p.Lower.Minor + 1) : V(p.Lower.Major + 1, 0)));
                break;
            case "^":
                comparators.Add((">=", p.Lower));
                comparators.Add(("<", p.Lower.Major > 0 || p.Given == 1 ? V(p.Lower.Major + 1, 0)
                    : p.Lower.Minor > 0 || p.Given == 2 ? V(0, p.Lower.Minor + 1)
                    : V(0, 0, p.Lower.Patch + 1)));
                break;
        }

        return true;
    }

    /// <summary>A partial version: lower bound, exclusive upper bound (null = exact), and how many parts were given.</summary>
    private static (ToolVersion Lower, ToolVersion? Upper, int Given)? Partial(string text)
    {
        text = text.Trim().TrimStart('v', 'V');
        if (text is "*" or "x" or "X" or "")
        {
            return (V(0, 0), V(int.MaxValue, 0), 0);
        }

        var cut = text.IndexOfAny(['-', '+']);
        if (cut >= 0)
        {
            text = text[..cut];
        }

        var parts = text.Split('.');
        var numbers = new List<int>();
        foreach (var part in parts)
        {
            if (part is "x" or "X" or "*")
            {
                break;
            }

            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }

            numbers.Add(n);
        }

        if (numbers.Count is 0 or > 4)
        {
            return numbers.Count == 0 ? (V(0, 0), V(int.MaxValue, 0), 0) : null;
        }

        var lower = V(numbers[0], numbers.ElementAtOrDefault(1), numbers.ElementAtOrDefault(2), numbers.ElementAtOrDefault(3));
        ToolVersion? upper = numbers.Count switch
        {
            1 => V(numbers[0] + 1, 0),
            2 => V(numbers[0], numbers[1] + 1),
            3 when parts.Length > 3 => V(numbers[0], numbers[1], numbers[2] + 1), // 1.2.3.x
            3 => null,
            _ => null,
        };
        return (lower, upper, numbers.Count);
    }

    private static ToolVersion V(int major, int minor, int patch = 0, int revision = 0) =>
        new(major, minor, patch, revision, string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}.{patch}"));
}
