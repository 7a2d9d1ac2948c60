using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Expressions.Checking;

/// <summary>One problem found by <see cref="ExpressionChecker"/>.</summary>
/// <param name="Offset">0-based offset in the checked string (template or condition), or null when it has no single place.</param>
/// <param name="Error">The problem in GitHub's wording; its own offset is inside the expression.</param>
public sealed record ExpressionCheckError(int? Offset, ExpressionError Error)
{
    public string Message => Error.Message;

    public override string ToString() => Message;
}

/// <summary>
/// Static checks for the validator, without evaluating anything: syntax, unknown functions, argument counts
/// and contexts or special functions not available at the place (see <see cref="ContextAvailability"/>).
/// Each expression reports its first problem; all expressions of a string are checked.
/// </summary>
public static class ExpressionChecker
{
    /// <summary>Checks every <c>${{ }}</c> of a string (text without <c>${{</c> is fine).</summary>
    public static IReadOnlyList<ExpressionCheckError> CheckTemplate(string text, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(scope);
        if (!ParsedTemplate.ContainsExpression(text))
        {
            return [];
        }

        var template = ParsedTemplate.Parse(text);
        if (template.IsInsertDirective)
        {
            // As a value; a key is checked by CheckNode. GitHub's template reader: "Unexpected value '${{ insert }}'".
            return [new ExpressionCheckError(0, new ExpressionError(ExpressionErrorKind.Evaluation,
                $"Unexpected value '{text}': the directive '{ParsedTemplate.InsertDirective}' stands only as a mapping key, with the mapping to merge as its value", text, null))];
        }

        var errors = new List<ExpressionCheckError>();
        foreach (var segment in template.Segments)
        {
            if (segment.Expression is { } expression && Check(expression, scope) is { } error)
            {
                errors.Add(new ExpressionCheckError(error.Offset is { } o ? segment.Offset + o : segment.Offset, error));
            }
        }

        if (template.Error is { } templateError)
        {
            errors.Add(new ExpressionCheckError(templateError.Offset, templateError));
        }

        return errors;
    }

    /// <summary>Checks one bare expression (no <c>${{ }}</c>).</summary>
    public static IReadOnlyList<ExpressionCheckError> CheckExpression(string expression, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(scope);
        return Check(ParsedExpression.Parse(expression), scope) is { } error ? [new ExpressionCheckError(error.Offset, error)] : [];
    }

    /// <summary>Checks an <c>if:</c> condition, written bare or as <c>${{ }}</c>.</summary>
    public static IReadOnlyList<ExpressionCheckError> CheckCondition(string condition, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (string.IsNullOrWhiteSpace(condition))
        {
            return [];
        }

        var trimmed = condition.Trim();
        if (!ParsedTemplate.ContainsExpression(trimmed))
        {
            return CheckExpression(condition, scope);
        }

        var leading = condition.Length - condition.TrimStart().Length;
        return [.. CheckTemplate(trimmed, scope).Select(e => e with { Offset = e.Offset + leading })];
    }

    /// <summary>Checks every scalar (and mapping key) of a node; diagnostics point into the file.</summary>
    public static IReadOnlyList<Diagnostic> CheckNode(TemplateNode node, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(node);
        var diagnostics = new List<Diagnostic>();
        CheckNode(node, scope, diagnostics);
        return diagnostics;
    }

    /// <summary>Checks an <c>if:</c> scalar; diagnostics point into the file.</summary>
    public static IReadOnlyList<Diagnostic> CheckCondition(TemplateScalar condition, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return [.. CheckCondition(condition.Value, scope).Select(e => ToDiagnostic(condition, e))];
    }

    private static void CheckNode(TemplateNode node, ExpressionScope scope, List<Diagnostic> diagnostics)
    {
        switch (node)
        {
            case TemplateScalar scalar:
                diagnostics.AddRange(CheckTemplate(scalar.Value, scope).Select(e => ToDiagnostic(scalar, e)));
                break;
            case TemplateSequence sequence:
                foreach (var item in sequence.Items)
                {
                    CheckNode(item, scope, diagnostics);
                }

                break;
            case TemplateMapping mapping:
                foreach (var (key, value) in mapping.Entries)
                {
                    if (!TemplateEvaluator.IsInsert(key))
                    {
                        CheckNode(key, scope, diagnostics);
                    }

                    CheckNode(value, scope, diagnostics);
                }

                break;
        }
    }

    private static Diagnostic ToDiagnostic(TemplateScalar scalar, ExpressionCheckError error) =>
        new(TemplateEvaluator.Locate(scalar, error.Offset ?? 0), error.Message);

    private static ExpressionError? Check(ParsedExpression expression, ExpressionScope scope) =>
        expression.Validate(scope.IsContextAvailable, scope.IsFunctionAvailable);
}
