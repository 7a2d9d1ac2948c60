using System.Text;
using System.Text.RegularExpressions;

namespace Catalytic.Workflows.Triggers;

/// <summary>
/// One filter pattern with GitHub's semantics for branches, tags and paths:
/// `*` any run of characters except `/`; `**` any run including `/` (and `**/` also matches nothing, so
/// `**/README.md` matches `README.md`); `?` zero or one of the preceding character; `+` one or more of the
/// preceding character; `[...]` one character from the listed characters and a-z/A-Z/0-9 ranges;
/// `\` escapes the next character; a leading `!` negates the pattern (see <see cref="GlobFilter"/>).
/// Matching is case-sensitive and whole-string.
/// </summary>
public sealed class GlobPattern
{
    private readonly Regex _regex;

    private GlobPattern(string text, bool negated, Regex regex)
    {
        Text = text;
        IsNegated = negated;
        _regex = regex;
    }

    /// <summary>The pattern as written, including a leading `!`.</summary>
    public string Text { get; }

    /// <summary>True when the pattern started with `!`: a match excludes what earlier patterns included.</summary>
    public bool IsNegated { get; }

    /// <summary>Whether <paramref name="value"/> matches the pattern's body (negation is not applied here).</summary>
    public bool IsMatch(string value) => _regex.IsMatch(value);

    /// <summary>Parses <paramref name="pattern"/>; throws <see cref="FormatException"/> with the reason when malformed.</summary>
    public static GlobPattern Parse(string pattern) =>
        TryParse(pattern, out var result, out var error) ? result! : throw new FormatException($"invalid pattern '{pattern}': {error}");

    /// <summary>Parses <paramref name="pattern"/>; on failure returns false and a reason in <paramref name="error"/>.</summary>
    public static bool TryParse(string pattern, out GlobPattern? result, out string? error)
    {
        result = null;
        var negated = pattern.StartsWith('!');
        var body = negated ? pattern[1..] : pattern;
        if (body.Length == 0)
        {
            error = "the pattern is empty";
            return false;
        }

        var regex = new StringBuilder("^");
        var canRepeat = false;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            switch (c)
            {
                case '*' when i + 1 < body.Length && body[i + 1] == '*':
                    if (i + 2 < body.Length && body[i + 2] == '/')
                    {
                        regex.Append("(?:.*/)?");
                        i += 2;
                    }
                    else
                    {
                        regex.Append(".*");
                        i++;
                    }

                    canRepeat = false;
                    break;
                case '*':
                    regex.Append("[^/]*");
                    canRepeat = false;
                    break;
                case '?' or '+':
                    if (canRepeat)
                    {
                        regex.Append(c);
                        canRepeat = false;
                    }
                    else
                    {
                        // Nothing to repeat (start of pattern or after a wildcard): the character stands for itself.
                        regex.Append('\\').Append(c);
                        canRepeat = true;
                    }

                    break;
                case '[':
                {
                    var close = body.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        error = $"'[' at position {i + 1} has no closing ']'";
                        return false;
                    }

                    var set = body[(i + 1)..close];
                    if (set.Length == 0)
                    {
                        error = "'[]' lists no characters";
                        return false;
                    }

                    regex.Append('[');
                    for (var k = 0; k < set.Length; k++)
                    {
                        if (k + 2 < set.Length && set[k + 1] == '-')
                        {
                            var (from, to) = (set[k], set[k + 2]);
                            if (!SameClass(from, to) || from > to)
                            {
                                error = $"range '{from}-{to}' is not within a-z, A-Z or 0-9";
                                return false;
                            }

                            regex.Append(from).Append('-').Append(to);
                            k += 2;
                        }
                        else
                        {
                            regex.Append(Regex.Escape(set[k].ToString()).Replace("]", "\\]", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal));
                        }
                    }

                    regex.Append(']');
                    i = close;
                    canRepeat = true;
                    break;
                }

                case '\\':
                    if (i + 1 >= body.Length)
                    {
                        error = "the pattern ends with a lone '\\'";
                        return false;
                    }

                    regex.Append(Regex.Escape(body[++i].ToString()));
                    canRepeat = true;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    canRepeat = true;
                    break;
            }
        }

        regex.Append('$');
        result = new GlobPattern(pattern, negated, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline));
        error = null;
        return true;
    }

    private static bool SameClass(char a, char b) =>
        (char.IsAsciiDigit(a) && char.IsAsciiDigit(b)) || (char.IsAsciiLetterLower(a) && char.IsAsciiLetterLower(b)) || (char.IsAsciiLetterUpper(a) && char.IsAsciiLetterUpper(b));

    public override string ToString() => Text;
}

/// <summary>An ordered list of patterns where the last matching one decides (`!` patterns exclude).</summary>
public sealed class GlobFilter
{
    private readonly GlobPattern[] _patterns;

    public GlobFilter(IEnumerable<GlobPattern> patterns) => _patterns = patterns.ToArray();

    /// <summary>Parses every pattern; throws <see cref="FormatException"/> on the first malformed one.</summary>
    public static GlobFilter Parse(IEnumerable<string> patterns) => new(patterns.Select(GlobPattern.Parse));

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
