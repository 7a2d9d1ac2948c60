using System.Text;
using System.Text.RegularExpressions;

namespace Catalytic.Workflows.Globbing;

/// <summary>
/// Path globs with picomatch's semantics under `{ dot: true }` (what dorny/paths-filter and @actions/glob use, so
/// upload-artifact, download-artifact, cache and hashFiles), as a regex: `*` and `?` stay inside one segment, a
/// whole-segment `**` spans any number of segments (including none), `[...]` and `[!...]` classes, `{a,b}` and
/// `{1..3}` braces, `\` escapes. Dot files are matched like any other name; a leading `./` is ignored. Lenient like
/// picomatch: what is no glob syntax stands for itself.
/// </summary>
internal static class PathGlobSyntax
{
    /// <summary>True when the text contains a character that makes it a glob rather than a literal path.</summary>
    public static bool HasMagic(string text) => text.IndexOfAny(['*', '?', '[', '{']) >= 0;

    /// <summary>The anchored regex of <paramref name="pattern"/> (without its `!`).</summary>
    public static string ToRegex(string pattern)
    {
        if (pattern.StartsWith("./", StringComparison.Ordinal))
        {
            pattern = pattern[2..];
        }

        var alternatives = ExpandBraces(pattern).Select(ToRegexNoBraces).Distinct().ToArray();
        return "^(?:" + string.Join("|", alternatives) + ")$";
    }

    private static string ToRegexNoBraces(string pattern)
    {
        var segments = pattern.Split('/');
        var sb = new StringBuilder();
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == "**")
            {
                if (segments.Length == 1)
                {
                    sb.Append(".*");
                }
                else if (last)
                {
                    // `a/**` matches `a` itself and everything below it.
                    if (sb.Length > 0 && sb[^1] == '/')
                    {
                        sb.Length--;
                    }

                    sb.Append("(?:/.*)?");
                }
                else
                {
                    sb.Append("(?:[^/]*(?:/[^/]*)*/)?");
                }

                continue;
            }

            sb.Append(SegmentToRegex(segment));
            if (!last)
            {
                sb.Append('/');
            }
        }

        return sb.ToString();
    }

    private static string SegmentToRegex(string segment)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            switch (c)
            {
                case '\\' when i + 1 < segment.Length:
                    sb.Append(Regex.Escape(segment[++i].ToString()));
                    break;
                case '*':
                    while (i + 1 < segment.Length && segment[i + 1] == '*')
                    {
                        i++;
                    }

                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    var close = FindClassEnd(segment, i);
                    if (close < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }

                    var inner = segment[(i + 1)..close];
                    var negate = inner.StartsWith('!') || inner.StartsWith('^');
                    if (negate)
                    {
                        inner = inner[1..];
                    }

                    sb.Append(negate ? "[^/" : "[").Append(inner.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("[", @"\[", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return sb.ToString();
    }

    private static int FindClassEnd(string segment, int open)
    {
        var j = open + 1;
        if (j < segment.Length && (segment[j] == '!' || segment[j] == '^'))
        {
            j++;
        }

        if (j < segment.Length && segment[j] == ']')
        {
            j++;
        }

        for (; j < segment.Length; j++)
        {
            if (segment[j] == ']')
            {
                return j;
            }
        }

        return -1;
    }

    /// <summary>Bash-style brace expansion: `{a,b}` alternatives (nested) and `{1..3}` / `{a..c}` ranges; a brace without either is literal.</summary>
    internal static IReadOnlyList<string> ExpandBraces(string pattern)
    {
        var open = -1;
        var depth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                i++;
                continue;
            }

            if (c == '{')
            {
                if (depth == 0)
                {
                    open = i;
                }

                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
                if (depth == 0)
                {
                    var inner = pattern[(open + 1)..i];
                    var options = SplitTopLevel(inner);
                    if (options.Count < 2)
                    {
                        var range = ExpandRange(inner);
                        if (range is null)
                        {
                            // Literal braces: keep them escaped and continue after them.
                            var literal = pattern[..open] + "\\{" + inner + "\\}";
                            return ExpandBraces(pattern[(i + 1)..]).Select(rest => literal + rest).ToArray();
                        }

                        options = range;
                    }

                    var prefix = pattern[..open];
                    var suffixes = ExpandBraces(pattern[(i + 1)..]);
                    var result = new List<string>();
                    foreach (var option in options)
                    {
                        foreach (var expanded in ExpandBraces(option))
                        {
                            foreach (var suffix in suffixes)
                            {
                                result.Add(prefix + expanded + suffix);
                            }
                        }
                    }

                    return result;
                }
            }
        }

        return [pattern];
    }

    private static List<string> SplitTopLevel(string inner)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < inner.Length; i++)
        {
            switch (inner[i])
            {
                case '\\':
                    i++;
                    break;
                case '{':
                    depth++;
                    break;
                case '}':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(inner[start..i]);
                    start = i + 1;
                    break;
            }
        }

        parts.Add(inner[start..]);
        return parts;
    }

    private static List<string>? ExpandRange(string inner)
    {
        var parts = inner.Split("..");
        if (parts.Length != 2)
        {
            return null;
        }

        if (int.TryParse(parts[0], out var from) && int.TryParse(parts[1], out var to))
        {
            var step = from <= to ? 1 : -1;
            var list = new List<string>();
            for (var n = from; n != to + step; n += step)
            {
                list.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return list;
        }

        if (parts[0].Length == 1 && parts[1].Length == 1 && char.IsLetter(parts[0][0]) && char.IsLetter(parts[1][0]))
        {
            var a = parts[0][0];
            var b = parts[1][0];
            var step = a <= b ? 1 : -1;
            var list = new List<string>();
            for (var ch = a; ch != b + step; ch = (char)(ch + step))
            {
                list.Add(ch.ToString());
            }

            return list;
        }

        return null;
    }
}
