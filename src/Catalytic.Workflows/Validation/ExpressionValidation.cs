using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Workflows.Validation;

/// <summary>Checks every expression of a workflow against where it is written.</summary>
internal static class ExpressionValidation
{
    public static void Check(IReadOnlyList<ExpressionSite> sites, Workflow? workflow, List<Diagnostic> diagnostics)
    {
        _ = workflow;
        foreach (var site in sites)
        {
            CheckDelimiters(site.Scalar, diagnostics);
        }
    }

    /// <summary>Every `${{` needs its `}}`; the expression checker handles what is between them.</summary>
    private static void CheckDelimiters(TemplateScalar scalar, List<Diagnostic> diagnostics)
    {
        var text = scalar.Value;
        var at = 0;
        while ((at = text.IndexOf("${{", at, StringComparison.Ordinal)) >= 0)
        {
            var close = text.IndexOf("}}", at + 3, StringComparison.Ordinal);
            if (close < 0)
            {
                diagnostics.Add(new Diagnostic(scalar.Span, $"'${{{{' at offset {at} has no closing '}}}}'"));
                return;
            }

            if (text[(at + 3)..close].Trim().Length == 0)
            {
                diagnostics.Add(new Diagnostic(scalar.Span, "empty expression '${{ }}'"));
            }

            at = close + 2;
        }
    }
}
