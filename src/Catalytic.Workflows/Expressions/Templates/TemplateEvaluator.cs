using System.Text;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Expressions.Templates;

/// <summary>
/// Evaluates workflow text that may contain <c>${{ }}</c>: strings, <c>if:</c> conditions and whole
/// <see cref="TemplateNode"/> trees (<c>with</c>, <c>env</c>, <c>matrix</c>, <c>outputs</c>). Every method throws
/// <see cref="ExpressionException"/>; the node overloads set its <see cref="ExpressionException.Location"/>.
/// </summary>
public static class TemplateEvaluator
{
    /// <summary>
    /// Evaluates a template. Text without <c>${{</c> is returned as a string; a text that is exactly one
    /// <c>${{ expr }}</c> returns the expression's value with its type; otherwise each expression is converted to a
    /// string (null → '', arrays → 'Array') and joined with the literal text.
    /// </summary>
    public static ExpressionValue Evaluate(string text, ExpressionContext context)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);
        if (!ParsedTemplate.ContainsExpression(text))
        {
            return text;
        }

        var template = ParsedTemplate.Parse(text);
        Validate(template, context);
        if (template.IsSingleExpression)
        {
            return EvaluateSegment(template.Segments[0], context);
        }

        return Interpolate(template, context);
    }

    /// <summary>Evaluates a template to a string (a single typed expression is converted with GitHub's rules).</summary>
    public static string EvaluateString(string text, ExpressionContext context) => Evaluate(text, context).ToString();

    /// <summary>
    /// Evaluates an <c>if:</c> condition, written with or without <c>${{ }}</c>. When the condition calls none of
    /// <c>success()</c>, <c>failure()</c>, <c>cancelled()</c>, <c>always()</c>, GitHub's implicit
    /// <c>success() &amp;&amp;</c> applies (and the condition is not evaluated when <c>success()</c> is false).
    /// An empty condition means <c>success()</c>. Without <see cref="ExpressionContext.Status"/>, success() is true.
    /// </summary>
    public static bool EvaluateCondition(string? condition, ExpressionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var success = context.Status?.Success ?? true;
        if (string.IsNullOrWhiteSpace(condition))
        {
            return success;
        }

        var (expression, template) = SplitCondition(condition);
        if (expression is not null)
        {
            if (expression.Validate(context) is { } error)
            {
                throw new ExpressionException(error, textOffset: ConditionOffset(condition, error.Offset));
            }

            if (!expression.UsesStatusFunction && !success)
            {
                return false;
            }

            try
            {
                return expression.EvaluateValidated(context).IsTruthy;
            }
            catch (ExpressionException e)
            {
                throw new ExpressionException(e.Error, textOffset: ConditionOffset(condition, e.Error.Offset));
            }
        }

        // Literal text around ${{ }}: GitHub evaluates the string; non-empty is true.
        Validate(template!, context);
        if (!template!.UsesStatusFunction && !success)
        {
            return false;
        }

        return Interpolate(template, context).IsTruthy;
    }

    /// <summary>
    /// Converts a YAML node to a value, evaluating every template inside it. Plain scalars follow YAML's core
    /// schema (<c>true</c>, <c>null</c>, <c>42</c>, <c>0x1F</c>, <c>1.5</c>, <c>.inf</c> become typed values); quoted and
    /// block scalars stay strings; mapping keys are strings (templates allowed).
    /// </summary>
    public static ExpressionValue EvaluateNode(TemplateNode node, ExpressionContext context)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(context);
        switch (node)
        {
            case TemplateScalar scalar:
                return EvaluateScalar(scalar, context);
            case TemplateSequence sequence:
                var items = new ExpressionValue[sequence.Items.Length];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = EvaluateNode(sequence.Items[i], context);
                }

                return ExpressionArray.Create(items);
            case TemplateMapping mapping:
                return EvaluateMapping(mapping, context);
            default:
                throw new ArgumentException($"Unknown template node {node.GetType().Name}", nameof(node));
        }
    }

    /// <summary>True when <paramref name="key"/> is GitHub's <c>${{ insert }}</c> directive.</summary>
    public static bool IsInsert(TemplateScalar key) =>
        ParsedTemplate.ContainsExpression(key.Value) && ParsedTemplate.Parse(key.Value).IsInsertDirective;

    /// <summary>
    /// A mapping as GitHub's template evaluator builds it: a key may be an expression (evaluated to its name), and the key
    /// <c>${{ insert }}</c> merges its value — a mapping, or an expression giving one — into the mapping in its place.
    /// A name given twice (ignoring case) is an error, as on GitHub.
    /// </summary>
    private static ExpressionObject EvaluateMapping(TemplateMapping mapping, ExpressionContext context)
    {
        var builder = new ExpressionObject.Builder();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Add(string name, ExpressionValue value, TemplateScalar at)
        {
            if (!names.Add(name))
            {
                throw new ExpressionException(new ExpressionError(ExpressionErrorKind.Evaluation, $"'{name}' is already defined", at.Value, null), at.Span);
            }

            builder.Set(name, value);
        }

        foreach (var (key, value) in mapping.Entries)
        {
            if (!IsInsert(key))
            {
                Add(EvaluateString(key, context), EvaluateNode(value, context), key);
                continue;
            }

            var inserted = EvaluateNode(value, context);
            if (!inserted.TryGetObject(out var entries))
            {
                var found = inserted.Kind switch
                {
                    ExpressionValueKind.Null => "null",
                    ExpressionValueKind.Array => "an array",
                    _ => $"'{inserted}'",
                };
                throw new ExpressionException(
                    new ExpressionError(ExpressionErrorKind.Evaluation, $"Expected a mapping: '{ParsedTemplate.InsertDirective}' merges a mapping into the one holding it, but its value is {found}", key.Value, null),
                    value.Span);
            }

            foreach (var (name, v) in entries)
            {
                Add(name, v, key);
            }
        }

        return builder.Build();
    }

    /// <summary>A scalar evaluated as a template (typed when it is one whole <c>${{ }}</c>), with a located error.</summary>
    public static ExpressionValue EvaluateScalar(TemplateScalar scalar, ExpressionContext context)
    {
        ArgumentNullException.ThrowIfNull(scalar);
        if (!ParsedTemplate.ContainsExpression(scalar.Value))
        {
            return scalar.IsPlain ? YamlCoreSchema.Convert(scalar.Value) : scalar.Value;
        }

        try
        {
            return Evaluate(scalar.Value, context);
        }
        catch (ExpressionException e) when (e.Location is null)
        {
            throw Located(e, scalar);
        }
    }

    /// <summary>A scalar evaluated to a string, with a located error.</summary>
    public static string EvaluateString(TemplateScalar scalar, ExpressionContext context) =>
        ParsedTemplate.ContainsExpression(scalar.Value) ? EvaluateScalar(scalar, context).ToString() : scalar.Value;

    /// <summary>An <c>if:</c> node evaluated as a condition (null means <c>success()</c>), with a located error.</summary>
    public static bool EvaluateCondition(TemplateScalar? condition, ExpressionContext context)
    {
        try
        {
            return EvaluateCondition(condition?.Value, context);
        }
        catch (ExpressionException e) when (e.Location is null && condition is not null)
        {
            throw Located(e, condition);
        }
    }

    /// <summary>
    /// Where character <paramref name="offset"/> of a scalar's value stands in the file. Exact for plain and
    /// single-line quoted scalars (escapes aside); for block scalars the line is exact and the column counts from
    /// the start of the content line.
    /// </summary>
    public static SourceSpan Locate(TemplateScalar scalar, int offset)
    {
        ArgumentNullException.ThrowIfNull(scalar);
        var value = scalar.Value;
        offset = Math.Clamp(offset, 0, value.Length);
        var lineStart = value.LastIndexOf('\n', Math.Max(0, offset - 1));
        if (offset == 0 || lineStart < 0)
        {
            if (!value.Contains('\n', StringComparison.Ordinal))
            {
                return scalar.Span with { Column = scalar.Span.Column + offset + (scalar.IsPlain ? 0 : 1) };
            }

            // Block scalar: the content starts on the line after the indicator.
            return scalar.Span with { Line = scalar.Span.Line + 1, Column = offset + 1 };
        }

        var line = 0;
        for (var i = 0; i < offset; i++)
        {
            if (value[i] == '\n')
            {
                line++;
            }
        }

        var blockShift = scalar.IsPlain ? 0 : 1;
        return scalar.Span with { Line = scalar.Span.Line + line + blockShift, Column = offset - lineStart };
    }

    private static ExpressionException Located(ExpressionException e, TemplateScalar scalar) =>
        new(e.Error, Locate(scalar, e.TextOffset ?? 0), e.TextOffset);

    private static void Validate(ParsedTemplate template, ExpressionContext context)
    {
        if (template.Error is { } templateError)
        {
            throw new ExpressionException(templateError);
        }

        if (template.IsInsertDirective)
        {
            throw new ExpressionException(new ExpressionError(ExpressionErrorKind.Evaluation,
                $"The directive '{ParsedTemplate.InsertDirective}' is not allowed in this context: it stands only as a mapping key, with the mapping to merge as its value", template.Text, null));
        }

        foreach (var segment in template.Segments)
        {
            if (segment.Expression?.Validate(context) is { } error)
            {
                throw new ExpressionException(error, textOffset: segment.Offset + (error.Offset ?? 0));
            }
        }
    }

    private static ExpressionValue EvaluateSegment(TemplateSegment segment, ExpressionContext context)
    {
        try
        {
            return segment.Expression!.EvaluateValidated(context);
        }
        catch (ExpressionException e)
        {
            throw new ExpressionException(e.Error, textOffset: segment.Offset + (e.Error.Offset ?? 0));
        }
    }

    private static ExpressionValue Interpolate(ParsedTemplate template, ExpressionContext context)
    {
        var sb = new StringBuilder();
        foreach (var segment in template.Segments)
        {
            if (segment.Expression is null)
            {
                sb.Append(segment.Literal);
            }
            else
            {
                sb.Append(EvaluateSegment(segment, context).ToString());
            }
        }

        return sb.ToString();
    }

    // A condition is an expression, either bare or as exactly one ${{ }}; any other text with ${{ is a template.
    private static (ParsedExpression? Expression, ParsedTemplate? Template) SplitCondition(string condition)
    {
        var trimmed = condition.Trim();
        if (!ParsedTemplate.ContainsExpression(trimmed))
        {
            return (ParsedExpression.Parse(condition), null);
        }

        var template = ParsedTemplate.Parse(trimmed);
        if (template.IsSingleExpression)
        {
            return (template.Segments[0].Expression, null);
        }

        return (null, template);
    }

    private static int? ConditionOffset(string condition, int? offset)
    {
        if (offset is null)
        {
            return null;
        }

        var trimmed = condition.Trim();
        if (!ParsedTemplate.ContainsExpression(trimmed))
        {
            return offset;
        }

        var template = ParsedTemplate.Parse(trimmed);
        var leading = condition.Length - condition.TrimStart().Length;
        return leading + template.Segments[0].Offset + offset;
    }
}
