using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>
/// <see cref="IExpressionEngine"/> over the workflow expression language: <c>${{ }}</c> templates in scalars,
/// plain YAML scalars typed (true/false/null/numbers), <c>if:</c> with the implicit <c>success()</c>, and
/// <c>hashFiles</c> over the workspace.
/// </summary>
public sealed class WorkflowExpressionEngine : IExpressionEngine
{
    // Contexts that stay the same object for a whole job are converted once.
    private static readonly ConditionalWeakTable<JsonNode, StrongBox<ExpressionValue>> Converted = new();
    private static readonly HashSet<string> StableContexts = new(StringComparer.Ordinal) { "github", "vars", "secrets", "inputs", "needs", "strategy", "matrix" };

    public JsonNode? Evaluate(TemplateNode node, ExpressionScope scope) => node switch
    {
        TemplateScalar s => EvaluateScalar(s, scope).ToJsonNode(),
        TemplateSequence seq => new JsonArray(seq.Items.Select(i => Evaluate(i, scope)).ToArray()),
        TemplateMapping map => EvaluateMapping(map, scope),
        _ => null,
    };

    public string EvaluateString(TemplateScalar scalar, ExpressionScope scope)
    {
        var value = EvaluateScalar(scalar, scope, typed: false);
        return value.Kind is ExpressionValueKind.Array or ExpressionValueKind.Object ? value.ToJson() : value.ToString();
    }

    public bool EvaluateCondition(TemplateScalar? condition, ExpressionScope scope)
    {
        var context = Build(scope, withStatus: true);
        var text = condition?.Value.Trim() ?? "";
        if (text.Length == 0)
        {
            return scope.Status.Success;
        }

        if (IsSingleTemplate(text, out var inner))
        {
            text = inner;
        }
        else if (text.Contains("${{", StringComparison.Ordinal))
        {
            // GitHub evaluates such an `if:` as a string template: any non-empty result is true.
            return Interpolate(condition!, text, context).Length > 0 && scope.Status.Success;
        }

        var parsed = ParsedExpression.Parse(text);
        try
        {
            var result = parsed.Evaluate(context).IsTruthy;
            return parsed.UsesStatusFunction ? result : scope.Status.Success && result;
        }
        catch (ExpressionException e)
        {
            throw new ExpressionEvaluationException(condition!.Span, e.Error.Message);
        }
    }

    private JsonObject EvaluateMapping(TemplateMapping map, ExpressionScope scope)
    {
        var o = new JsonObject();
        foreach (var (key, value) in map.Entries)
        {
            o[EvaluateString(key, scope)] = Evaluate(value, scope);
        }

        return o;
    }

    private ExpressionValue EvaluateScalar(TemplateScalar scalar, ExpressionScope scope, bool typed = true)
    {
        var text = scalar.Value;
        if (!text.Contains("${{", StringComparison.Ordinal))
        {
            return typed && scalar.IsPlain ? PlainScalar(text) : ExpressionValue.FromString(text);
        }

        var context = Build(scope, withStatus: false);
        if (IsSingleTemplate(text.Trim(), out var inner))
        {
            try
            {
                return ExpressionEvaluator.Evaluate(inner, context);
            }
            catch (ExpressionException e)
            {
                throw new ExpressionEvaluationException(scalar.Span, e.Error.Message);
            }
        }

        return ExpressionValue.FromString(Interpolate(scalar, text, context));
    }

    /// <summary>YAML 1.2 core schema for plain scalars: booleans, null, numbers; anything else a string.</summary>
    private static ExpressionValue PlainScalar(string text) => text switch
    {
        "true" or "True" or "TRUE" => ExpressionValue.True,
        "false" or "False" or "FALSE" => ExpressionValue.False,
        "null" or "Null" or "NULL" or "~" or "" => ExpressionValue.Null,
        _ => double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && !text.StartsWith('.')
            ? ExpressionValue.FromNumber(d)
            : ExpressionValue.FromString(text),
    };

    private static string Interpolate(TemplateScalar scalar, string text, ExpressionContext context)
    {
        var sb = new StringBuilder(text.Length);
        var pos = 0;
        while (pos < text.Length)
        {
            var open = text.IndexOf("${{", pos, StringComparison.Ordinal);
            if (open < 0)
            {
                sb.Append(text, pos, text.Length - pos);
                break;
            }

            var close = FindClose(text, open + 3);
            if (close < 0)
            {
                throw new ExpressionEvaluationException(scalar.Span, $"the expression starting at '{text[open..Math.Min(text.Length, open + 30)]}' is missing its closing '}}}}'");
            }

            sb.Append(text, pos, open - pos);
            try
            {
                var value = ExpressionEvaluator.Evaluate(text[(open + 3)..close], context);
                sb.Append(value.Kind is ExpressionValueKind.Array or ExpressionValueKind.Object ? value.ToJson() : value.ToString());
            }
            catch (ExpressionException e)
            {
                throw new ExpressionEvaluationException(scalar.Span, e.Error.Message);
            }

            pos = close + 2;
        }

        return sb.ToString();
    }

    /// <summary>The index of the `}}` closing an expression that starts at <paramref name="from"/>, skipping string literals.</summary>
    private static int FindClose(string text, int from)
    {
        var inString = false;
        for (var i = from; i < text.Length - 1; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\'')
                {
                    if (i + 1 < text.Length && text[i + 1] == '\'')
                    {
                        i++;
                    }
                    else
                    {
                        inString = false;
                    }
                }
            }
            else if (c == '\'')
            {
                inString = true;
            }
            else if (c == '}' && text[i + 1] == '}')
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsSingleTemplate(string text, out string inner)
    {
        inner = "";
        if (!text.StartsWith("${{", StringComparison.Ordinal) || !text.EndsWith("}}", StringComparison.Ordinal))
        {
            return false;
        }

        var close = FindClose(text, 3);
        if (close != text.Length - 2)
        {
            return false;
        }

        inner = text[3..close];
        return true;
    }

    private static ExpressionContext Build(ExpressionScope scope, bool withStatus)
    {
        var context = new ExpressionContext();
        foreach (var (name, node) in scope.Contexts)
        {
            context.Set(name, Convert(name, node));
        }

        if (withStatus)
        {
            context.Status = new StatusFunctions(scope.Status.Success, scope.Status.Failure, scope.Status.Cancelled);
        }

        var workspace = scope.Workspace;
        context.HashFiles = patterns => HashFiles.Compute(workspace, patterns);
        return context;
    }

    private static ExpressionValue Convert(string name, JsonNode? node)
    {
        if (node is null)
        {
            return ExpressionValue.Null;
        }

        if (!StableContexts.Contains(name))
        {
            return ExpressionValue.FromJsonNode(node);
        }

        return Converted.GetValue(node, n => new StrongBox<ExpressionValue>(ExpressionValue.FromJsonNode(n))).Value;
    }
}
