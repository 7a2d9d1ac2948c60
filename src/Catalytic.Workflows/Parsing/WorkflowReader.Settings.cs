using System.Collections.Immutable;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>What workflows, jobs and steps share: `env`, `defaults` (and `shell`), `concurrency` and `permissions`.</summary>
internal sealed partial class WorkflowReader
{
    /// <summary>
    /// An `env` GitHub's schema gives contexts to (workflow, job, step): a mapping, or one `${{ }}` standing for the whole
    /// mapping (<paramref name="expression"/>), checked when the file is read and evaluated at run time.
    /// </summary>
    private TemplateMapping? ReadEnv(TemplateNode? node, string what, ExpressionLocation scope, out TemplateNode? expression)
    {
        expression = WholeExpression(node, scope);
        if (expression is not null)
        {
            return null;
        }

        var map = ReadEnv(node, what, scope, keyScope: scope);
        if (map is not null && HasExpressionKeys(map))
        {
            expression = map; // names known only at run time: evaluated as a whole
            return null;
        }

        return map;
    }

    /// <summary>A scalar that is exactly one `${{ }}` where a mapping or sequence is expected: tracked and returned.</summary>
    private TemplateScalar? WholeExpression(TemplateNode? node, ExpressionLocation scope)
    {
        if (node is TemplateScalar s && IsExpression(s))
        {
            Track(s, scope);
            return s;
        }

        return null;
    }

    /// <summary>`env`-like mapping: names (not empty) to scalar values; <paramref name="keyScope"/> null where Catalytic takes no `${{ }}` keys.</summary>
    private TemplateMapping? ReadEnv(TemplateNode? node, string what, ExpressionLocation scope, ExpressionLocation? keyScope = null) =>
        ReadScalarMapping(node, what, scope, keyScope, isEnv: true);

    private Defaults? ReadDefaults(TemplateNode? node, string what, ExpressionLocation? scope)
    {
        if (node is null || IsNull(node) || Mapping(node, what) is not { } map)
        {
            return null;
        }

        CheckKeys(map, $"'{what}'", WorkflowSchema.DefaultsKeys);

        // Only the job's `defaults.run` has contexts in GitHub's schema, so only there may one expression stand for it.
        if (scope is not null && WholeExpression(map["run"], scope) is { } runExpression)
        {
            return new Defaults(null, null) { RunExpression = runExpression };
        }

        if (map["run"] is not { } runNode || IsNull(runNode) || Mapping(runNode, what + ".run") is not { } run)
        {
            return null;
        }

        if (scope is not null && HasExpressionKeys(run))
        {
            foreach (var (key, value) in run.Entries)
            {
                if (ContainsExpression(key))
                {
                    _ = ExpressionKey(key, value, scope, what + ".run");
                }
                else if (!WorkflowSchema.DefaultsRunKeys.Contains(key.Value, StringComparer.Ordinal))
                {
                    Error(key.Span, UnknownKey(key.Value, $"'{what}.run'", WorkflowSchema.DefaultsRunKeys));
                }
                else
                {
                    _ = NonEmpty(value, $"{what}.run.{key.Value}", scope);
                }
            }

            return new Defaults(null, null) { RunTemplate = run };
        }

        CheckKeys(run, $"'{what}.run'", WorkflowSchema.DefaultsRunKeys);

        // The workflow's `defaults.run` has no contexts (scope null): a `${{` there is an error, as on GitHub.
        var shell = run["shell"] is { } sh ? ReadShell(sh, what + ".run.shell", scope) : null;
        var wd = run["working-directory"] is { } w ? NonEmpty(w, what + ".run.working-directory", scope) : null;
        var templated = scope is not null && ((shell is not null && ContainsExpression(shell)) || (wd is not null && ContainsExpression(wd)));
        return new Defaults(shell?.Value, wd?.Value) { RunTemplate = templated ? run : null };
    }

    private TemplateScalar? ReadShell(TemplateNode node, string what, ExpressionLocation? scope = null)
    {
        if (NonEmpty(node, what, scope) is not { } s)
        {
            return null;
        }

        if (ContainsExpression(s))
        {
            return s; // known when the job (or step) runs
        }

        if (!WorkflowSchema.BuiltinShells.Contains(s.Value, StringComparer.Ordinal) && !s.Value.Contains("{0}", StringComparison.Ordinal))
        {
            Error(s.Span, $"invalid shell '{s.Value}': expected one of {string.Join(", ", WorkflowSchema.BuiltinShells)}, "
                + $"or a command template containing {{0}} (e.g. 'perl {{0}}'){Suggestions.DidYouMean(s.Value, WorkflowSchema.BuiltinShells)}");
        }

        return s;
    }

    private Concurrency? ReadConcurrency(TemplateNode? node, string what, ExpressionLocation scope)
    {
        switch (node)
        {
            case null:
                return null;
            case TemplateScalar s:
                if (IsNull(s) || s.Value.Length == 0)
                {
                    Error(s.Span, $"'{what}' must be a group name or a mapping with 'group'");
                    return null;
                }

                Track(s, scope);
                return new Concurrency(s, null);
            case TemplateMapping map:
            {
                CheckKeys(map, $"'{what}'", WorkflowSchema.ConcurrencyKeys);
                var group = map["group"] is { } g ? NonEmpty(g, what + ".group", scope) : null;
                if (map["group"] is null)
                {
                    Error(map.Span, $"'{what}' is missing the required key 'group'");
                }

                var cancel = map["cancel-in-progress"] is { } c ? Boolean(c, what + ".cancel-in-progress", scope) : null;
                if (map["queue"] is { } q && Scalar(q, what + ".queue", null) is { } qs && qs.Value is not ("single" or "max"))
                {
                    Error(qs.Span, $"'{what}.queue' must be 'single' or 'max', found '{qs.Value}'");
                }

                return group is null ? null : new Concurrency(group, cancel);
            }

            default:
                Error(node.Span, $"'{what}' must be a group name or a mapping with 'group', found a sequence");
                return null;
        }
    }

    private TemplateNode? ReadPermissions(TemplateNode? node, string what)
    {
        switch (node)
        {
            case null:
                return null;
            case TemplateScalar s:
                if (s.Value is not ("read-all" or "write-all") && !IsNull(s))
                {
                    Error(s.Span, $"'{what}' must be 'read-all', 'write-all' or a mapping of scopes, found '{s.Value}'");
                }

                return s;
            case TemplateMapping map:
                foreach (var (key, value) in map.Entries)
                {
                    if (IsExpressionKey(key, $"'{what}'"))
                    {
                        continue;
                    }

                    if (!WorkflowSchema.PermissionScopes.Contains(key.Value, StringComparer.Ordinal))
                    {
                        Error(key.Span, $"unknown permission scope '{key.Value}'{Suggestions.DidYouMean(key.Value, WorkflowSchema.PermissionScopes)} (expected one of: {string.Join(", ", WorkflowSchema.PermissionScopes)})");
                        continue;
                    }

                    var levels = WorkflowSchema.RestrictedPermissionLevels.TryGetValue(key.Value, out var r) ? r : ["read", "write", "none"];
                    if (value is not TemplateScalar level || !levels.Contains(level.Value, StringComparer.Ordinal))
                    {
                        Error(value.Span, $"permission '{key.Value}' must be one of {string.Join(", ", levels)}, found {Describe(value)}");
                    }
                }

                return map;
            default:
                Error(node.Span, $"'{what}' must be 'read-all', 'write-all' or a mapping of scopes, found a sequence");
                return node;
        }
    }
}
