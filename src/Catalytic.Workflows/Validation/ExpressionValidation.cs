using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Workflows.Validation;

/// <summary>
/// Checks every `${{ }}` of a workflow where it is written: that it is closed, parses, calls known functions with
/// the right number of arguments, and uses only the contexts and functions GitHub makes available at that place.
/// </summary>
internal static class ExpressionValidation
{
    private const string Open = "${{";

    public static void Check(IReadOnlyList<ExpressionSite> sites, List<Diagnostic> diagnostics)
    {
        foreach (var site in sites)
        {
            if (site.IsCondition)
            {
                CheckCondition(site.Scalar, site.Location, diagnostics);
            }
            else
            {
                CheckTemplate(site.Scalar, site.Location, diagnostics);
            }
        }
    }

    private static void CheckCondition(TemplateScalar scalar, ExpressionLocation location, List<Diagnostic> diagnostics)
    {
        var text = scalar.Value.Trim();
        if (!text.Contains(Open, StringComparison.Ordinal))
        {
            // `if:` without `${{ }}` is an expression as a whole.
            CheckExpression(scalar, text, location, diagnostics);
            return;
        }

        var segments = Split(scalar, diagnostics);
        if (segments is null)
        {
            return;
        }

        if (segments.Count != 1 || segments[0].Start != 0 || segments[0].End != text.Length)
        {
            diagnostics.Add(new Diagnostic(scalar.Span,
                "this condition mixes '${{ }}' with other text, so it evaluates to a non-empty string and is always true; "
                + "write the whole condition inside one '${{ }}' or leave '${{ }}' out", DiagnosticSeverity.Warning));
        }

        foreach (var segment in segments)
        {
            CheckExpression(scalar, segment.Expression, location, diagnostics);
        }
    }

    private static void CheckTemplate(TemplateScalar scalar, ExpressionLocation location, List<Diagnostic> diagnostics)
    {
        if (Split(scalar, diagnostics) is { } segments)
        {
            foreach (var segment in segments)
            {
                CheckExpression(scalar, segment.Expression, location, diagnostics);
            }
        }
    }

    private static void CheckExpression(TemplateScalar scalar, string expression, ExpressionLocation location, List<Diagnostic> diagnostics)
    {
        var trimmed = expression.Trim();
        if (trimmed.Length == 0)
        {
            diagnostics.Add(new Diagnostic(scalar.Span, "an expression was expected inside '${{ }}'"));
            return;
        }

        var parsed = ParsedExpression.Parse(trimmed);
        var error = parsed.Validate(
            name => location.Contexts.Contains(name),
            f => f.Availability switch
            {
                FunctionAvailability.Status => location.StatusFunctions,
                FunctionAvailability.HashFiles => location.HashFiles,
                _ => true,
            });
        if (error is null)
        {
            return;
        }

        var hint = "";
        if (error.Kind == ExpressionErrorKind.Reference && error.Reason.StartsWith("Unrecognized named-value", StringComparison.Ordinal))
        {
            hint = $" (contexts available in '{location.Name}': {string.Join(", ", location.Contexts.Order(StringComparer.Ordinal))})";
        }
        else if (error.Kind == ExpressionErrorKind.Reference && error.Reason.StartsWith("Unrecognized function", StringComparison.Ordinal)
            && parsed.Functions.FirstOrDefault(f => error.Reason.Contains($"'{f.Name}'", StringComparison.Ordinal)) is { } call
            && FunctionInfo.Find(call.Name) is { } known)
        {
            hint = known.Availability == FunctionAvailability.Status
                ? " (status functions are available only in 'if' conditions)"
                : $" ('{known.Name}' is not available in '{location.Name}')";
        }
        else if (error.Reason.StartsWith("Unrecognized function", StringComparison.Ordinal))
        {
            hint = Suggestions.DidYouMean(parsed.Functions.FirstOrDefault().Name ?? "", FunctionInfo.All.Select(f => f.Name));
        }

        diagnostics.Add(new Diagnostic(scalar.Span, error.Message + hint));
    }

    private readonly record struct Segment(int Start, int End, string Expression);

    /// <summary>The `${{ … }}` segments of a scalar (a `}}` inside a quoted string does not close); null when one is not closed.</summary>
    private static List<Segment>? Split(TemplateScalar scalar, List<Diagnostic> diagnostics)
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
                diagnostics.Add(new Diagnostic(scalar.Span, "the expression is not closed: '${{' was found without its closing '}}'"));
                return null;
            }

            segments.Add(new Segment(start, end, raw[(start + Open.Length)..(end - 2)]));
            start = raw.IndexOf(Open, end, StringComparison.Ordinal);
        }

        return segments;
    }
}
