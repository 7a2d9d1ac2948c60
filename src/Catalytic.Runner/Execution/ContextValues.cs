using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>How context values (JSON) become the strings, mappings and templates the runner needs, GitHub's way.</summary>
internal static class ContextValues
{
    internal static string Stringify(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    /// <summary>A flag's value (<c>continue-on-error</c>, <c>cancel-in-progress</c>): true, or the string "true" in any case.</summary>
    internal static bool IsTrue(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Equals("true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>
    /// A `${{ }}` standing for a whole mapping (`env`, `with`, `defaults.run`…) evaluated to name → text; a result that is
    /// not a mapping is an error at the expression's place, as on GitHub.
    /// </summary>
    internal static Dictionary<string, string> EvaluateWholeMapping(IExpressionEngine engine, TemplateNode expression, ExpressionScope scope, string what)
    {
        var value = engine.Evaluate(expression, scope);
        if (value is not JsonObject o)
        {
            var found = value switch
            {
                null => "null",
                JsonArray => "a sequence",
                _ => $"'{Stringify(value)}'",
            };
            throw new ExpressionEvaluationException(expression.Span, $"'{what}' must evaluate to a mapping, but {(expression as TemplateScalar)?.Value.Trim()} gave {found}");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
        {
            result[k] = Stringify(v);
        }

        return result;
    }

    /// <summary>
    /// A mapping (`env`, `with`) as written, or one `${{ }}` standing for all of it, evaluated into <paramref name="into"/>
    /// (on top of what it holds): the one way the workflow's env, a job's or step's env and a step's `with` are read.
    /// </summary>
    internal static Dictionary<string, string> EvaluateMapping(
        IExpressionEngine engine, TemplateMapping? mapping, TemplateNode? whole, ExpressionScope scope, string what, Dictionary<string, string> into)
    {
        if (whole is not null)
        {
            foreach (var (k, v) in EvaluateWholeMapping(engine, whole, scope, what))
            {
                into[k] = v;
            }
        }
        else if (mapping is not null)
        {
            foreach (var (key, value) in mapping.Entries)
            {
                into[key.Value] = EvaluateText(engine, value, scope);
            }
        }

        return into;
    }

    /// <summary>One value of a mapping (`env`, `with`, `outputs`) as the text a step sees.</summary>
    internal static string EvaluateText(IExpressionEngine engine, TemplateNode value, ExpressionScope scope) =>
        value is TemplateScalar s ? engine.EvaluateString(s, scope) : Stringify(engine.Evaluate(value, scope));

    /// <summary>`github.event.inputs`: the inputs as strings (GitHub's rule for workflow_dispatch).</summary>
    internal static JsonObject DispatchEventInputs(JsonObject inputs)
    {
        var o = new JsonObject();
        foreach (var (k, v) in inputs)
        {
            o[k] = v switch
            {
                null => "",
                JsonValue jv when jv.TryGetValue<bool>(out var b) => b ? "true" : "false",
                _ => v is JsonValue sv && sv.TryGetValue<string>(out var s) ? s : v.ToJsonString(),
            };
        }

        return o;
    }

    /// <summary>A JSON value as a template node at <paramref name="span"/> (strings quoted, so they are not re-typed).</summary>
    internal static TemplateNode ToTemplate(JsonNode? node, SourceSpan span) => node switch
    {
        JsonObject o => new TemplateMapping([.. o.Select(kv => new KeyValuePair<TemplateScalar, TemplateNode>(new TemplateScalar(kv.Key, false, span), ToTemplate(kv.Value, span)))], span),
        JsonArray a => new TemplateSequence([.. a.Select(i => ToTemplate(i, span))], span),
        null => new TemplateScalar("", true, span),
        JsonValue v when v.TryGetValue<string>(out var s) => new TemplateScalar(s, false, span),
        _ => new TemplateScalar(Stringify(node), true, span),
    };
}
