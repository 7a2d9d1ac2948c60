namespace Catalytic.Workflows.Globbing;

/// <summary>An ordered list of patterns where the last matching one decides (`!` patterns exclude).</summary>
public sealed class GlobFilter
{
    private readonly GlobPattern[] _patterns;

    public GlobFilter(IEnumerable<GlobPattern> patterns) => _patterns = patterns.ToArray();

    /// <summary>Parses every pattern as a filter pattern; throws <see cref="FormatException"/> on the first malformed one.</summary>
    public static GlobFilter Parse(IEnumerable<string> patterns) => new(patterns.Select(p => GlobPattern.Parse(p, GlobSyntax.FilterPattern)));

    public IReadOnlyList<GlobPattern> Patterns => _patterns;

    /// <summary>
    /// True when <paramref name="value"/> matches a positive pattern not overridden by a later matching `!` pattern
    /// (and a later positive pattern can include it again).
    /// </summary>
    public bool Matches(string value)
    {
        var included = false;
        foreach (var p in _patterns)
        {
            if (p.IsMatch(value))
            {
                included = !p.IsNegated;
            }
        }

        return included;
    }

    /// <summary>The first value this filter matches, or null.</summary>
    public string? FirstMatch(IEnumerable<string> values) => values.FirstOrDefault(Matches);

    public override string ToString() => "[" + string.Join(", ", _patterns.Select(p => p.Text)) + "]";
}
