using System.Text;
using System.Text.RegularExpressions;

namespace Catalytic.Workflows.Globbing;

/// <summary>
/// GitHub's filter patterns for `on:` branches, tags and paths (the "filter pattern cheat sheet"), as a regex:
/// `*` any run of characters except `/`; `**` any run including `/` (and `**/` also matches nothing, so
/// `**/README.md` matches `README.md`); `?` zero or one of the preceding character; `+` one or more of the
/// preceding character; `[...]` one character from the listed characters and a-z/A-Z/0-9 ranges;
/// `\` escapes the next character. A malformed pattern is an error (GitHub refuses the workflow).
/// </summary>
internal static class FilterPatternSyntax
{
    /// <summary>The anchored regex of <paramref name="body"/> (without its `!`), or null and the reason.</summary>
    public static string? ToRegex(string body, out string? error)
    {
        if (body.Length == 0)
        {
            error = "the pattern is empty";
            return null;
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
                        return null;
                    }

                    var set = body[(i + 1)..close];
                    if (set.Length == 0)
                    {
                        error = "'[]' lists no characters";
                        return null;
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
                                return null;
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
                        return null;
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
        error = null;
        return regex.ToString();
    }

    private static bool SameClass(char a, char b) =>
        (char.IsAsciiDigit(a) && char.IsAsciiDigit(b)) || (char.IsAsciiLetterLower(a) && char.IsAsciiLetterLower(b)) || (char.IsAsciiLetterUpper(a) && char.IsAsciiLetterUpper(b));
}
