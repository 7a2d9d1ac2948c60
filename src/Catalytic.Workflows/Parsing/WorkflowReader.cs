using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>
/// Turns one file's YAML tree into the model while checking it against GitHub's workflow syntax.
/// Reading and checking are one pass so that every error keeps the position of the node it is about;
/// nothing stops at the first problem.
/// </summary>
internal sealed partial class WorkflowReader(string file, List<Diagnostic> diagnostics)
{
    private readonly List<ExpressionSite> _expressions = [];

    /// <summary>Every scalar that may hold an expression, with where it stands; checked once the file is read.</summary>
    public IReadOnlyList<ExpressionSite> Expressions => _expressions;

    public Workflow? Read(TemplateNode? root)
    {
        if (root is null || IsNull(root))
        {
            Error(new SourceSpan(file, 1, 1), "the file is empty; expected a workflow mapping with 'on' and 'jobs'");
            return null;
        }

        if (root is not TemplateMapping map)
        {
            Error(root.Span, $"expected the workflow to be a mapping with 'on' and 'jobs', found a {YamlTreeReader.KindName(root)}");
            return null;
        }

        CheckKeys(map, "the workflow", WorkflowSchema.WorkflowKeys);

        var name = map["name"] is { } nameNode ? Scalar(nameNode, "name", null) : null;
        var runName = map["run-name"] is { } rn ? ScalarValue(rn, "run-name", ExpressionLocation.RunName) : null;
        _ = OptionalString(map, "description", "description");

        ImmutableArray<Trigger> triggers = [];
        WorkflowCall? call = null;
        ImmutableArray<InputDefinition> dispatchInputs = [];
        if (Entry(map, "on") is { } on)
        {
            (triggers, call, dispatchInputs) = ReadOn(on.Value);
        }
        else
        {
            Error(map.Span, "missing required key 'on': the events that trigger the workflow (e.g. 'on: push')");
        }

        var env = ReadEnv(map["env"], "env", ExpressionLocation.WorkflowEnv, out var envExpression);
        var defaults = ReadDefaults(map["defaults"], "defaults", null);
        var concurrency = ReadConcurrency(map["concurrency"], "concurrency", ExpressionLocation.WorkflowConcurrency);
        var permissions = ReadPermissions(map["permissions"], "permissions");

        ImmutableArray<Job> jobs = [];
        if (Entry(map, "jobs") is { } jobsEntry)
        {
            jobs = ReadJobs(jobsEntry.Value);
        }
        else
        {
            Error(map.Span, "missing required key 'jobs': a mapping of job ids to jobs");
        }

        return new Workflow
        {
            File = file,
            Name = name?.Value is { Length: > 0 } n ? n : file,
            RunName = runName,
            On = triggers,
            Call = call,
            DispatchInputs = dispatchInputs,
            Env = env,
            EnvExpression = envExpression,
            Defaults = defaults,
            Concurrency = concurrency,
            Permissions = permissions,
            Jobs = jobs,
            Span = map.Span,
        };
    }

    // ---- diagnostics -------------------------------------------------------------------------------

    private void Error(SourceSpan at, string message) => diagnostics.Add(new Diagnostic(at, message));

    private void Warning(SourceSpan at, string message) => diagnostics.Add(new Diagnostic(at, message, DiagnosticSeverity.Warning));

    /// <summary>Reports every key of <paramref name="map"/> not in <paramref name="known"/>, with a suggestion when one is close.</summary>
    private void CheckKeys(TemplateMapping map, string where, IReadOnlyList<string> known)
    {
        foreach (var (key, _) in map.Entries)
        {
            if (!known.Contains(key.Value, StringComparer.Ordinal) && !IsExpressionKey(key, where))
            {
                Error(key.Span, UnknownKey(key.Value, where, known));
            }
        }
    }

    private static string UnknownKey(string key, string where, IReadOnlyList<string> known) =>
        $"unknown key '{key}' in {where}{Suggestions.DidYouMean(key, known)}"
        + (known.Count == 0 ? $"; {where} takes no keys" : $" (expected one of: {string.Join(", ", known)})");

    // ---- node helpers --------------------------------------------------------------------------------

    private static KeyValuePair<TemplateScalar, TemplateNode>? Entry(TemplateMapping map, string key)
    {
        foreach (var e in map.Entries)
        {
            if (e.Key.Value == key)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>YAML's null: an empty plain scalar, `~` or `null`.</summary>
    internal static bool IsNull(TemplateNode node) =>
        node is TemplateScalar { IsPlain: true } s && s.Value is "" or "~" or "null" or "Null" or "NULL";

    internal static bool IsExpression(TemplateScalar s)
    {
        var v = s.Value.Trim();
        return v.StartsWith("${{", StringComparison.Ordinal) && v.EndsWith("}}", StringComparison.Ordinal);
    }

    private static bool ContainsExpression(TemplateScalar s) => s.Value.Contains("${{", StringComparison.Ordinal);

    private static bool IsBoolean(TemplateScalar s) => s.IsPlain && s.Value is "true" or "false" or "True" or "False" or "TRUE" or "FALSE";

    private static bool IsNumber(TemplateScalar s) =>
        s.IsPlain && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Describe(TemplateNode node) => node switch
    {
        TemplateScalar s when IsNull(s) => "null",
        TemplateScalar s => $"'{Shorten(s.Value)}'",
        _ => "a " + YamlTreeReader.KindName(node),
    };

    private static string Shorten(string s) => s.Length > 40 ? s[..37] + "..." : s;

    /// <summary>
    /// Registers a scalar for the expression check when it holds `${{ }}` (or is an `if:`). Where GitHub evaluates no
    /// expressions (<paramref name="location"/> null: `uses`, `shell`, ids…) a `${{` is an error.
    /// </summary>
    private void Track(TemplateScalar s, ExpressionLocation? location, bool isCondition = false, string? what = null)
    {
        if (location is null)
        {
            if (ContainsExpression(s) && what is not null)
            {
                Error(s.Span, $"expressions are not allowed in '{what}'; its value is used as written");
            }

            return;
        }

        if (isCondition || ContainsExpression(s))
        {
            _expressions.Add(new ExpressionSite(s, location, isCondition));
        }
    }

    /// <summary>Any scalar (string, number or boolean) as text; expressions tracked against <paramref name="scope"/>.</summary>
    private string? ScalarValue(TemplateNode node, string what, ExpressionLocation? scope) =>
        Scalar(node, what, scope)?.Value;

    private TemplateScalar? Scalar(TemplateNode node, string what, ExpressionLocation? scope)
    {
        if (node is TemplateScalar s)
        {
            Track(s, scope, what: what);
            return s;
        }

        Error(node.Span, $"'{what}' must be a string, found a {YamlTreeReader.KindName(node)}");
        return null;
    }

    private TemplateScalar? OptionalString(TemplateMapping map, string key, string what) =>
        map[key] is { } node ? Scalar(node, what, null) : null;

    private TemplateScalar? NonEmpty(TemplateNode node, string what, ExpressionLocation? scope)
    {
        var s = Scalar(node, what, scope);
        if (s is not null && (IsNull(s) || s.Value.Length == 0))
        {
            Error(node.Span, $"'{what}' must not be empty");
            return null;
        }

        return s;
    }

    /// <summary>A boolean written plainly (`true`/`false`) or an expression.</summary>
    private TemplateScalar? Boolean(TemplateNode node, string what, ExpressionLocation? scope) =>
        Typed(node, what, scope, IsBoolean, "a boolean (true or false)");

    /// <summary>A number written plainly or an expression.</summary>
    private TemplateScalar? Number(TemplateNode node, string what, ExpressionLocation? scope) =>
        Typed(node, what, scope, IsNumber, "a number");

    /// <summary>A scalar <paramref name="isPlain"/> accepts, or an expression where <paramref name="scope"/> allows one.</summary>
    private TemplateScalar? Typed(TemplateNode node, string what, ExpressionLocation? scope, Func<TemplateScalar, bool> isPlain, string kind)
    {
        if (node is TemplateScalar s && (isPlain(s) || (scope is not null && IsExpression(s))))
        {
            Track(s, scope, what: what);
            return s;
        }

        Error(node.Span, $"'{what}' must be {kind}{(scope is null ? "" : " or an expression")}, found {Describe(node)}");
        return null;
    }

    private TemplateMapping? Mapping(TemplateNode node, string what)
    {
        if (node is TemplateMapping m)
        {
            return m;
        }

        Error(node.Span, $"'{what}' must be a mapping, found {Describe(node)}");
        return null;
    }

    /// <summary>A string or a sequence of non-empty strings (filters, needs, labels…).</summary>
    private ImmutableArray<string>? StringList(TemplateNode node, string what, ExpressionLocation? scope = null)
    {
        switch (node)
        {
            case TemplateScalar s when !IsNull(s) && s.Value.Length > 0:
                Track(s, scope);
                return [s.Value];
            case TemplateSequence seq:
            {
                var list = ImmutableArray.CreateBuilder<string>();
                foreach (var item in seq.Items)
                {
                    if (item is TemplateScalar si && !IsNull(si) && si.Value.Length > 0)
                    {
                        Track(si, scope);
                        list.Add(si.Value);
                    }
                    else
                    {
                        Error(item.Span, $"each item of '{what}' must be a non-empty string, found {Describe(item)}");
                    }
                }

                return list.ToImmutable();
            }

            default:
                Error(node.Span, $"'{what}' must be a string or a sequence of strings, found {Describe(node)}");
                return null;
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    internal static partial Regex IdentifierPattern();
}

/// <summary>A scalar that may hold expressions, where it was written. <see cref="IsCondition"/> marks `if:` (implicit `${{ }}`).</summary>
internal sealed record ExpressionSite(TemplateScalar Scalar, ExpressionLocation Location, bool IsCondition);
