using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Expressions.Checking;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Workflows.Validation;

/// <summary>
/// Checks every `${{ }}` of a workflow where it is written (with the shared <see cref="ExpressionChecker"/>): that it
/// is closed, parses, calls known functions with the right number of arguments, and uses only the contexts and
/// functions GitHub makes available at that place. Diagnostics point at the offending character.
/// </summary>
internal static class ExpressionValidation
{
    private const string Open = "${{";

    public static void Check(IReadOnlyList<ExpressionSite> sites, List<Diagnostic> diagnostics)
    {
        foreach (var site in sites)
        {
            // GitHub's context availability table is shared with the evaluator; fall back to ours for a location it lacks.
            var scope = ContextAvailability.TryGet(site.Location.Name, out var known)
                ? known
                : new ExpressionScope(site.Location.Contexts, Special(site.Location));
            if (site.IsCondition)
            {
                WarnOnMixedCondition(site.Scalar, diagnostics);
            }

            var found = site.IsCondition ? ExpressionChecker.CheckCondition(site.Scalar, scope) : ExpressionChecker.CheckNode(site.Scalar, scope);
            foreach (var d in found)
            {
                diagnostics.Add(d with { Message = d.Message + Hint(d.Message, site.Location, scope) });
            }
        }
    }

    private static string[] Special(ExpressionLocation location) =>
        [.. location.StatusFunctions ? new[] { "success", "failure", "cancelled", "always" } : [], .. location.HashFiles ? new[] { "hashFiles" } : []];

    /// <summary>`if: ${{ a }} && b` is a string, so always true: GitHub accepts it, people rarely mean it.</summary>
    private static void WarnOnMixedCondition(TemplateScalar scalar, List<Diagnostic> diagnostics)
    {
        var text = scalar.Value.Trim();
        if (!text.Contains(Open, StringComparison.Ordinal) || Split(scalar) is not { } segments)
        {
            return;
        }

        if (segments.Count != 1 || segments[0].Start != 0 || segments[0].End != text.Length)
        {
            diagnostics.Add(new Diagnostic(scalar.Span,
                "this condition mixes '${{ }}' with other text, so it evaluates to a non-empty string and is always true; "
                + "write the whole condition inside one '${{ }}' or leave '${{ }}' out", DiagnosticSeverity.Warning));
        }
    }

    /// <summary>What a person needs next: the contexts that are available, or why a known function is not.</summary>
    private static string Hint(string message, ExpressionLocation location, ExpressionScope scope)
    {
        if (message.StartsWith("Unrecognized named-value", StringComparison.Ordinal))
        {
            return $" (contexts available in '{location.Name}': {string.Join(", ", scope.Contexts.Order(StringComparer.Ordinal))})";
        }

        const string prefix = "Unrecognized function: '";
        if (message.StartsWith(prefix, StringComparison.Ordinal))
        {
            var name = message[prefix.Length..message.IndexOf('\'', prefix.Length)];
            return FunctionInfo.Find(name) switch
            {
                { Availability: FunctionAvailability.Status } => " (status functions are available only in 'if' conditions)",
                { } f => $" ('{f.Name}' is not available in '{location.Name}')",
                null => Suggestions.DidYouMean(name, FunctionInfo.All.Select(f => f.Name)),
            };
        }

        return "";
    }

    private readonly record struct Segment(int Start, int End, string Expression);

    /// <summary>The `${{ … }}` segments of a scalar (a `}}` inside a quoted string does not close); null when one is not closed.</summary>
    private static List<Segment>? Split(TemplateScalar scalar)
    {
        var raw = scalar.Value.Trim();
        var segments = new List<Segment>();
        var start = raw.IndexOf(Open, StringComparison.Ordinal);
        while (start >= 0)
        {
            var end = -1;
            var inString = false;
            for (var i = start + Open.Length; i < raw.Length; i++)
            {
                if (raw[i] == '\'')
                {
                    inString = !inString;
                }
                else if (!inString && raw[i] == '}' && raw[i - 1] == '}' && i - 1 >= start + Open.Length)
                {
                    end = i + 1;
                    break;
                }
            }

            if (end < 0)
            {
                return null;
            }

            segments.Add(new Segment(start, end, raw[(start + Open.Length)..(end - 2)]));
            start = raw.IndexOf(Open, end, StringComparison.Ordinal);
        }

        return segments;
    }
}
