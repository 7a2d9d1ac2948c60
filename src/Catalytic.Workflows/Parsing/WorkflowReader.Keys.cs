using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>
/// Mapping keys written as `${{ }}`. GitHub's template reader accepts them wherever the mapping has contexts: a key
/// expression is evaluated to the key's name, and the `${{ insert }}` directive merges its value (a mapping, or an
/// expression giving one) into the mapping in its place. Where the mapping has no contexts it is an error.
/// </summary>
internal sealed partial class WorkflowReader
{
    private const string NoExpressionKeys = "A template expression is not allowed in this context";

    /// <summary>True when any key of <paramref name="map"/> holds `${{`.</summary>
    private static bool HasExpressionKeys(TemplateMapping map) => map.Entries.Any(e => ContainsExpression(e.Key));

    /// <summary>
    /// Checks one `${{ }}` key of a mapping read with <paramref name="scope"/> (null: the mapping has no contexts, so the
    /// key is an error), and the value of an `${{ insert }}`. False when the key is an error.
    /// </summary>
    private bool ExpressionKey(TemplateScalar key, TemplateNode value, ExpressionLocation? scope, string what)
    {
        if (scope is null)
        {
            Error(key.Span, $"{NoExpressionKeys}: a key of '{what}' cannot be an expression");
            return false;
        }

        if (!TemplateEvaluator.IsInsert(key))
        {
            Track(key, scope); // evaluated to the key's name; the checker reports a malformed directive too
            return true;
        }

        if (value is TemplateScalar s && !IsExpression(s))
        {
            Warning(value.Span, $"'${{{{ insert }}}}' in '{what}' merges a mapping into it, but its value is {Describe(value)}; the run fails here with 'Expected a mapping'");
        }

        TrackTemplate(value, scope);
        return true;
    }

    /// <summary>Registers every scalar of a node and every `${{ }}` key inside it (keys of `${{ insert }}` values, matrix items).</summary>
    private void TrackTemplate(TemplateNode node, ExpressionLocation scope)
    {
        switch (node)
        {
            case TemplateScalar s:
                Track(s, scope);
                break;
            case TemplateSequence seq:
                foreach (var item in seq.Items)
                {
                    TrackTemplate(item, scope);
                }

                break;
            case TemplateMapping map:
                foreach (var (key, value) in map.Entries)
                {
                    if (ContainsExpression(key) && ExpressionKey(key, value, scope, "a mapping") && TemplateEvaluator.IsInsert(key))
                    {
                        continue; // its value was tracked with it
                    }

                    TrackTemplate(value, scope);
                }

                break;
        }
    }

    /// <summary>The keys of a mapping with well-known properties: a `${{ }}` key is reported (it never names a property).</summary>
    private bool IsExpressionKey(TemplateScalar key, string where)
    {
        if (!ContainsExpression(key))
        {
            return false;
        }

        Error(key.Span, $"{NoExpressionKeys}: Catalytic evaluates '${{{{ }}}}' keys and '${{{{ insert }}}}' only in env, with, matrix and a job's defaults.run, not in {where}");
        return true;
    }
}
