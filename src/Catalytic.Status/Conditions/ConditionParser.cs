using System.Collections.Immutable;
using System.Globalization;
using Catalytic.Status.Config;

namespace Catalytic.Status.Conditions;

/// <summary>A condition that could not be parsed: the message and the 0-based offset in the condition's text.</summary>
public sealed record ConditionError(int Offset, string Message);

/// <summary>
/// Parses Gatus' condition language: <c>LEFT OP RIGHT</c> where LEFT is a placeholder ([STATUS], [BODY].a[0].b…)
/// optionally inside len() or has(), OP one of == != &lt; &lt;= &gt; &gt;=, and RIGHT a value, any(v1, v2…) or pat(glob).
/// A bare <c>has([BODY].x)</c> means <c>has([BODY].x) == true</c>. Values are checked against what the placeholder
/// can hold (a number for [STATUS], a duration for [CERTIFICATE_EXPIRATION], an RCODE for [DNS_RCODE]), so a typo is
/// an error in the file rather than a check that can never pass.
/// </summary>
public static class ConditionParser
{
    private static readonly (string Text, Comparison Op)[] Operators =
        [("==", Comparison.Equal), ("!=", Comparison.NotEqual), ("<=", Comparison.LessOrEqual), (">=", Comparison.GreaterOrEqual), ("<", Comparison.Less), (">", Comparison.Greater)];

    private static readonly Dictionary<string, Placeholder> Placeholders = new(StringComparer.Ordinal)
    {
        ["STATUS"] = Placeholder.Status,
        ["RESPONSE_TIME"] = Placeholder.ResponseTime,
        ["BODY"] = Placeholder.Body,
        ["CONNECTED"] = Placeholder.Connected,
        ["CERTIFICATE_EXPIRATION"] = Placeholder.CertificateExpiration,
        ["DNS_RCODE"] = Placeholder.DnsRcode,
        ["IP"] = Placeholder.Ip,
    };

    /// <summary>The response codes [DNS_RCODE] can be compared with.</summary>
    public static readonly ImmutableArray<string> Rcodes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

    /// <summary>Parses <paramref name="text"/>; exactly one of the results is non-null.</summary>
    public static (Condition? Condition, ConditionError? Error) Parse(string text)
    {
        if (text.Length > 1000)
        {
            return (null, new ConditionError(0, "a condition is at most 1000 characters"));
        }

        var (opAt, opText, op) = FindOperator(text);
        var leftText = opAt < 0 ? text : text[..opAt];
        var leftStart = Skip(text, 0);
        var (left, leftError) = ParseLeft(leftText.TrimEnd(), leftStart);
        if (leftError is not null)
        {
            return (null, leftError);
        }

        if (opAt < 0)
        {
            if (left!.Function == "has")
            {
                return (new Condition(text.Trim(), left, Comparison.Equal, ["true"], false), null);
            }

            return (null, new ConditionError(text.TrimEnd().Length, "expected a comparison (==, !=, <, <=, >, >=) after " + left.Text));
        }

        var rightStart = Skip(text, opAt + opText!.Length);
        var rightText = text[rightStart..].TrimEnd();
        if (rightText.Length == 0)
        {
            return (null, new ConditionError(rightStart, $"expected a value after '{opText}'"));
        }

        var pattern = false;
        ImmutableArray<string> right;
        if (Call(rightText, "pat") is { } glob)
        {
            if (op is not (Comparison.Equal or Comparison.NotEqual))
            {
                return (null, new ConditionError(rightStart, "pat() only compares with == or !="));
            }

            pattern = true;
            right = [glob];
        }
        else if (Call(rightText, "any") is { } list)
        {
            if (op is not (Comparison.Equal or Comparison.NotEqual))
            {
                return (null, new ConditionError(rightStart, "any() only compares with == or !="));
            }

            right = [.. list.Split(',').Select(s => s.Trim())];
            if (right.Any(r => r.Length == 0))
            {
                return (null, new ConditionError(rightStart, "any() needs values separated by commas, e.g. any(200, 204)"));
            }
        }
        else if (rightText.EndsWith(')') && rightText.Contains('(', StringComparison.Ordinal))
        {
            var name = rightText[..rightText.IndexOf('(', StringComparison.Ordinal)];
            return (null, new ConditionError(rightStart, $"unknown function '{name}()' on the right; use a value, any(a, b) or pat(*glob*)"));
        }
        else
        {
            right = [rightText];
        }

        if (CheckValues(left!, op, right, pattern, rightStart) is { } valueError)
        {
            return (null, valueError);
        }

        return (new Condition(text.Trim(), left!, op, right, pattern), null);
    }

    private static ConditionError? CheckValues(Operand left, Comparison op, ImmutableArray<string> right, bool pattern, int at)
    {
        var ordering = op is not (Comparison.Equal or Comparison.NotEqual);
        var p = left.Function is "len" ? Placeholder.Status : left.Placeholder; // len() is a number like [STATUS]
        if (left.Function == "has" || p == Placeholder.Connected)
        {
            if (ordering || pattern)
            {
                return new ConditionError(at, $"{left.Text} is true or false: compare it with == or !=");
            }

            return right.FirstOrDefault(r => r is not ("true" or "false")) is { } bad
                ? new ConditionError(at, $"{left.Text} is true or false, not '{bad}'")
                : null;
        }

        if (pattern)
        {
            return null;
        }

        switch (p)
        {
            case Placeholder.Status:
            case Placeholder.ResponseTime:
            case Placeholder.CertificateExpiration:
                var what = p == Placeholder.Status ? "a number" : "a duration (300ms, 2s, 720h, 30d) or milliseconds";
                return right.FirstOrDefault(r => !Condition.TryNumber(r, p, out _)) is { } nan
                    ? new ConditionError(at, $"{left.Text} compares with {what}, not '{nan}'")
                    : null;
            case Placeholder.DnsRcode:
                if (ordering)
                {
                    return new ConditionError(at, "[DNS_RCODE] compares with == or !=");
                }

                return right.FirstOrDefault(r => !Rcodes.Contains(r.ToUpperInvariant())) is { } rc
                    ? new ConditionError(at, $"unknown DNS response code '{rc}'; expected one of {string.Join(", ", Rcodes)}")
                    : null;
            default:
                return ordering && right.Any(r => !double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    ? new ConditionError(at, $"'{Condition.OperatorText(op)}' compares numbers; '{right[0]}' is not one")
                    : null;
        }
    }

    private static (Operand? Operand, ConditionError? Error) ParseLeft(string text, int start)
    {
        var s = text.Trim();
        if (s.Length == 0)
        {
            return (null, new ConditionError(start, "expected a placeholder such as [STATUS] or [BODY].field"));
        }

        string? function = null;
        var inner = s;
        var innerStart = start;
        foreach (var f in (ReadOnlySpan<string>)["len", "has"])
        {
            if (Call(s, f) is { } arg)
            {
                function = f;
                inner = arg.Trim();
                innerStart = start + s.IndexOf('(', StringComparison.Ordinal) + 1 + (arg.Length - arg.TrimStart().Length);
            }
        }

        if (function is null && s.Contains('(', StringComparison.Ordinal))
        {
            var name = s[..s.IndexOf('(', StringComparison.Ordinal)];
            return (null, new ConditionError(start, $"unknown function '{name}()'; the left side may use len() or has()"));
        }

        if (inner.Length == 0 || inner[0] != '[')
        {
            return (null, new ConditionError(innerStart, $"expected a placeholder such as [STATUS] or [BODY].field, not '{inner}'"));
        }

        var close = inner.IndexOf(']', StringComparison.Ordinal);
        if (close < 0)
        {
            return (null, new ConditionError(innerStart, "unclosed '[' in the placeholder"));
        }

        var name2 = inner[1..close];
        if (!Placeholders.TryGetValue(name2, out var placeholder))
        {
            var hint = Placeholders.Keys.OrderBy(k => EditDistance.Between(k, name2.ToUpperInvariant())).First();
            return (null, new ConditionError(innerStart, $"unknown placeholder [{name2}]; did you mean [{hint}]?"));
        }

        var (path, pathError) = ParsePath(inner[(close + 1)..], innerStart + close + 1);
        if (pathError is not null)
        {
            return (null, pathError);
        }

        if (!path.IsEmpty && placeholder != Placeholder.Body)
        {
            return (null, new ConditionError(innerStart + close + 1, $"only [BODY] takes a path; [{name2}] is a single value"));
        }

        if (function == "len" && placeholder is not Placeholder.Body)
        {
            return (null, new ConditionError(start, "len() counts [BODY] or a part of it"));
        }

        if (function == "has" && placeholder is not Placeholder.Body)
        {
            return (null, new ConditionError(start, "has() tests a part of [BODY]"));
        }

        return (new Operand(placeholder, path, function, s), null);
    }

    /// <summary>Parses <c>.a.b[0].c</c>; empty text is the whole body.</summary>
    internal static (ImmutableArray<PathStep> Path, ConditionError? Error) ParsePath(string text, int start)
    {
        var steps = ImmutableArray.CreateBuilder<PathStep>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var j = ++i;
                while (j < text.Length && text[j] is not ('.' or '[' or ' ' or '=' or '!' or '<' or '>'))
                {
                    j++;
                }

                if (j == i)
                {
                    return ([], new ConditionError(start + i, "expected a field name after '.'"));
                }

                steps.Add(new PathStep(text[i..j], null));
                i = j;
            }
            else if (text[i] == '[')
            {
                var j = text.IndexOf(']', i);
                if (j < 0 || !int.TryParse(text.AsSpan(i + 1, j - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return ([], new ConditionError(start + i, "expected an array index such as [0]"));
                }

                steps.Add(new PathStep(null, index));
                i = j + 1;
            }
            else if (text[i..].TrimStart().StartsWith('='))
            {
                var at = i + (text.Length - i - text[i..].TrimStart().Length);
                return ([], new ConditionError(start + at, "use == to compare (a single '=' is not an operator)"));
            }
            else
            {
                return ([], new ConditionError(start + i, $"unexpected '{text[i]}' in the path; expected '.field' or '[index]'"));
            }
        }

        return (steps.ToImmutable(), null);
    }

    /// <summary>The argument of <c>name(arg)</c> when <paramref name="s"/> is exactly that call.</summary>
    private static string? Call(string s, string name) =>
        s.StartsWith(name + "(", StringComparison.Ordinal) && s.EndsWith(')') ? s[(name.Length + 1)..^1] : null;

    private static (int At, string? Text, Comparison Op) FindOperator(string text)
    {
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '(' or '[')
            {
                depth++;
            }
            else if (c is ')' or ']')
            {
                depth--;
            }
            else if (depth == 0)
            {
                foreach (var (t, op) in Operators)
                {
                    if (string.CompareOrdinal(text, i, t, 0, t.Length) == 0)
                    {
                        return (i, t, op);
                    }
                }
            }
        }

        return (-1, null, Comparison.Equal);
    }

    private static int Skip(string s, int i)
    {
        while (i < s.Length && s[i] == ' ')
        {
            i++;
        }

        return i;
    }
}
