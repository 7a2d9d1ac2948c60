using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Catalytic.Platform.Text;
using Catalytic.Status.Checks;

namespace Catalytic.Status.Conditions;

/// <summary>What a condition reads from a probe's result (Gatus' placeholders).</summary>
public enum Placeholder
{
    /// <summary>[STATUS]: the HTTP status code.</summary>
    Status,

    /// <summary>[RESPONSE_TIME]: milliseconds from the first byte sent to the last byte of the answer read.</summary>
    ResponseTime,

    /// <summary>[BODY], optionally followed by a JSON path (.a.b[0]).</summary>
    Body,

    /// <summary>[CONNECTED]: true when a connection was made.</summary>
    Connected,

    /// <summary>[CERTIFICATE_EXPIRATION]: time left until the server certificate's notAfter.</summary>
    CertificateExpiration,

    /// <summary>[DNS_RCODE]: the DNS answer's response code (NOERROR, NXDOMAIN…).</summary>
    DnsRcode,

    /// <summary>[IP]: the address connected to.</summary>
    Ip,
}

/// <summary>The comparison of a condition.</summary>
public enum Comparison
{
    /// <summary>==</summary>
    Equal,

    /// <summary>!=</summary>
    NotEqual,

    /// <summary>&lt;</summary>
    Less,

    /// <summary>&lt;=</summary>
    LessOrEqual,

    /// <summary>&gt;</summary>
    Greater,

    /// <summary>&gt;=</summary>
    GreaterOrEqual,
}

/// <summary>The left side of a condition: a placeholder, with a JSON path for [BODY], maybe wrapped in len() or has().</summary>
/// <param name="Function">null, "len" or "has".</param>
public sealed record Operand(Placeholder Placeholder, ImmutableArray<PathStep> Path, string? Function, string Text);

/// <summary>One step of a [BODY] path: a property name or an array index.</summary>
public sealed record PathStep(string? Property, int? Index);

/// <summary>
/// One parsed condition, e.g. <c>[STATUS] == any(200, 204)</c>. Immutable; evaluated against every probe result.
/// The right side is a list of alternatives (one unless any(...)), a glob (pat(...)), or the implied true of a bare has().
/// </summary>
public sealed record Condition(string Text, Operand Left, Comparison Op, ImmutableArray<string> Right, bool IsPattern)
{
    /// <summary>Evaluates against <paramref name="result"/>; the outcome names the value seen, as Gatus does: <c>[STATUS] (500) == 200</c>.</summary>
    public ConditionResult Evaluate(ProbeResult result, bool degradedOnly = false)
    {
        var (value, shown) = Read(result);
        var ok = value switch
        {
            null => Op == Comparison.NotEqual && !IsPattern,
            _ => Compare(value),
        };
        return new ConditionResult(Render(shown), ok, degradedOnly);
    }

    private string Render(string shown)
    {
        var sb = new StringBuilder();
        sb.Append(Left.Text).Append(" (").Append(Truncate(shown)).Append(") ").Append(OperatorText(Op)).Append(' ');
        sb.Append(IsPattern ? $"pat({Right[0]})" : Right.Length > 1 ? $"any({string.Join(", ", Right)})" : Right[0]);
        return sb.ToString();
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..57] + "...";

    /// <summary>The operator as written.</summary>
    public static string OperatorText(Comparison op) => op switch
    {
        Comparison.Equal => "==",
        Comparison.NotEqual => "!=",
        Comparison.Less => "<",
        Comparison.LessOrEqual => "<=",
        Comparison.Greater => ">",
        _ => ">=",
    };

    private bool Compare(Value value)
    {
        if (IsPattern)
        {
            var m = Glob(Right[0], value.Text);
            return Op == Comparison.Equal ? m : !m;
        }

        if (Op is Comparison.Equal or Comparison.NotEqual)
        {
            var any = Right.Any(r => EqualsValue(value, r));
            return Op == Comparison.Equal ? any : !any;
        }

        if (value.Number is not { } n || !TryNumber(Right[0], Left.Placeholder, out var r))
        {
            return false;
        }

        return Op switch
        {
            Comparison.Less => n < r,
            Comparison.LessOrEqual => n <= r,
            Comparison.Greater => n > r,
            _ => n >= r,
        };
    }

    private bool EqualsValue(Value value, string right)
    {
        if (value.Number is { } n && TryNumber(right, Left.Placeholder, out var r))
        {
            return n == r;
        }

        return string.Equals(value.Text, Unquote(right), Left.Placeholder == Placeholder.DnsRcode ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    private static string Unquote(string s) => s.Length >= 2 && s[0] == s[^1] && s[0] is '"' or '\'' ? s[1..^1] : s;

    /// <summary>Reads a number from a right side: durations become milliseconds for the time placeholders.</summary>
    internal static bool TryNumber(string text, Placeholder p, out double value)
    {
        // A bare number against a time placeholder is milliseconds (Gatus' [RESPONSE_TIME] < 300); with a unit it is a duration.
        if (p is Placeholder.ResponseTime or Placeholder.CertificateExpiration && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && Durations.TryParse(text, out var t))
        {
            value = t.TotalMilliseconds;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Glob match: * any run of characters, ? one character (Gatus' pat()).</summary>
    internal static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private (Value? Value, string Shown) Read(ProbeResult r)
    {
        Value? v = Left.Placeholder switch
        {
            Placeholder.Status => r.Status is { } s ? new Value(s.ToString(CultureInfo.InvariantCulture), s) : null,
            Placeholder.ResponseTime => new Value(Ms(r.ResponseTime), r.ResponseTime.TotalMilliseconds),
            Placeholder.Connected => new Value(r.Connected ? "true" : "false", null),
            Placeholder.CertificateExpiration => r.CertificateExpiration is { } c ? new Value(Durations.FormatRounded(c), c.TotalMilliseconds) : null,
            Placeholder.DnsRcode => r.DnsRcode is { } rc ? new Value(rc, null) : null,
            Placeholder.Ip => r.Ip is { } ip ? new Value(ip, null) : null,
            _ => ReadBody(r),
        };

        if (Left.Function == "has")
        {
            var has = v is not null;
            return (new Value(has ? "true" : "false", null), has ? "true" : "false");
        }

        if (Left.Function == "len")
        {
            return v is null ? (null, "missing") : (new Value(v.Length.ToString(CultureInfo.InvariantCulture), v.Length), v.Length.ToString(CultureInfo.InvariantCulture));
        }

        return (v, v?.Text ?? "missing");
    }

    private static string Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    private Value? ReadBody(ProbeResult r)
    {
        if (Left.Path.IsEmpty)
        {
            return r.Body is null ? null : new Value(r.Body, null, r.Body.Length);
        }

        if (r.Json is not { } root)
        {
            return null;
        }

        var e = root;
        foreach (var step in Left.Path)
        {
            if (step.Property is { } name)
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e))
                {
                    return null;
                }
            }
            else if (e.ValueKind != JsonValueKind.Array || step.Index >= e.GetArrayLength())
            {
                return null;
            }
            else
            {
                e = e[step.Index!.Value];
            }
        }

        return e.ValueKind switch
        {
            JsonValueKind.Number => new Value(e.GetRawText(), e.GetDouble()),
            JsonValueKind.String => new Value(e.GetString()!, null, e.GetString()!.Length),
            JsonValueKind.True => new Value("true", null),
            JsonValueKind.False => new Value("false", null),
            JsonValueKind.Null => new Value("null", null),
            JsonValueKind.Array => new Value(e.GetRawText(), null, e.GetArrayLength()),
            JsonValueKind.Object => new Value(e.GetRawText(), null, e.EnumerateObject().Count()),
            _ => null,
        };
    }

    private sealed record Value(string Text, double? Number, int? Count = null)
    {
        public int Length => Count ?? Text.Length;
    }
}

/// <summary>One condition's outcome against one probe result, e.g. <c>[STATUS] (500) == 200</c> failed.</summary>
/// <param name="DegradedOnly">A failure of this condition makes the check degraded, not down.</param>
public sealed record ConditionResult(string Condition, bool Success, bool DegradedOnly);
