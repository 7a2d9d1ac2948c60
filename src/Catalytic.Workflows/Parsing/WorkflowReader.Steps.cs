using System.Collections.Immutable;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>`jobs.&lt;id&gt;.steps`: each step's id, name, if, run or uses, with, env, shell and working directory.</summary>
internal sealed partial class WorkflowReader
{
    private ImmutableArray<Step> ReadSteps(TemplateNode node, string jobId)
    {
        if (node is not TemplateSequence seq)
        {
            Error(node.Span, $"'jobs.{jobId}.steps' must be a sequence of steps ('- run: …' or '- uses: …'), found {Describe(node)}");
            return [];
        }

        if (seq.Items.IsEmpty)
        {
            Error(seq.Span, $"job '{jobId}' has an empty 'steps' list");
        }

        var steps = ImmutableArray.CreateBuilder<Step>();
        var ids = new Dictionary<string, SourceSpan>(StringComparer.OrdinalIgnoreCase);
        for (var index = 0; index < seq.Items.Length; index++)
        {
            var item = seq.Items[index];
            if (item is not TemplateMapping step)
            {
                Error(item.Span, $"step {index + 1} of job '{jobId}' must be a mapping with 'run' or 'uses', found {Describe(item)}");
                continue;
            }

            steps.Add(ReadStep(step, jobId, index, ids));
        }

        return steps.ToImmutable();
    }

    private Step ReadStep(TemplateMapping step, string jobId, int index, Dictionary<string, SourceSpan> ids)
    {
        var where = $"step {index + 1} of job '{jobId}'";
        var prefix = $"jobs.{jobId}.steps[{index}]";
        foreach (var (key, _) in step.Entries)
        {
            if (WorkflowSchema.UnsupportedStepKeys.Contains(key.Value, StringComparer.Ordinal))
            {
                Error(key.Span, $"'{key.Value}' (background steps) in {where} is not supported by Catalytic");
            }
            else if (!WorkflowSchema.StepKeys.Contains(key.Value, StringComparer.Ordinal))
            {
                Error(key.Span, UnknownKey(key.Value, where, WorkflowSchema.StepKeys));
            }
        }

        string? id = null;
        if (step["id"] is { } idNode && NonEmpty(idNode, prefix + ".id", null) is { } ids2)
        {
            id = ids2.Value;
            if (!IdentifierPattern().IsMatch(id))
            {
                Error(ids2.Span, $"invalid step id '{id}': it must start with a letter or '_' and contain only letters, digits, '-' and '_'");
            }
            else if (ids.TryGetValue(id, out var first))
            {
                Error(ids2.Span, $"duplicate step id '{id}' in job '{jobId}' (first used at line {first.Line})");
            }
            else
            {
                ids[id] = ids2.Span;
            }
        }

        var run = step["run"] is { } r ? Scalar(r, prefix + ".run", ExpressionLocation.Step) : null;
        var usesNode = step["uses"] is { } u ? NonEmpty(u, prefix + ".uses", null) : null;
        if (step["run"] is not null && step["uses"] is not null)
        {
            // GitHub's reader picks the step kind from the first of the two keys and rejects the second one.
            var second = step.Entries.Where(e => e.Key.Value is "run" or "uses").Skip(1).First().Key;
            Error(second.Span, $"Unexpected value '{second.Value}': {where} has both 'run' and 'uses'; a step either runs a command or uses an action");
        }
        else if (step["run"] is null && step["uses"] is null)
        {
            Error(step.Span, $"{where} has neither 'run' nor 'uses'");
        }

        if (usesNode is not null && !IsActionRef(usesNode.Value))
        {
            Error(usesNode.Span, $"invalid action reference '{usesNode.Value}': expected '<owner>/<repo>[/<path>]@<ref>', './<path>' or 'docker://<image>' (GitHub: Expected format {{org}}/{{repo}}[/path]@ref. Actual '{usesNode.Value}')");
        }

        if (step["uses"] is not null)
        {
            foreach (var runOnly in new[] { "shell", "working-directory" })
            {
                if (Entry(step, runOnly) is { } e)
                {
                    Error(e.Key.Span, $"'{runOnly}' is only valid on a step with 'run', not on one with 'uses'");
                }
            }
        }

        if (step["with"] is not null && step["run"] is not null && Entry(step, "with") is { } withEntry)
        {
            Error(withEntry.Key.Span, "'with' is only valid on a step with 'uses', not on one with 'run'");
        }

        TemplateNode? withExpression = WholeExpression(step["with"], ExpressionLocation.Step);
        var with = step["with"] is { } w && withExpression is null ? ReadScalarMapping(w, prefix + ".with", ExpressionLocation.Step, ExpressionLocation.Step) : null;
        if (with is not null && HasExpressionKeys(with))
        {
            (withExpression, with) = (with, null); // input names known only at run time: evaluated as a whole
        }

        return new Step
        {
            Id = id,
            Name = step["name"] is { } n ? Scalar(n, prefix + ".name", ExpressionLocation.Step) : null,
            If = step["if"] is { } i ? Condition(i, prefix + ".if", ExpressionLocation.StepIf) : null,
            Run = run,
            Uses = usesNode?.Value,
            With = with,
            WithExpression = withExpression,
            Env = ReadEnv(step["env"], prefix + ".env", ExpressionLocation.Step, out var stepEnvExpression),
            EnvExpression = stepEnvExpression,
            Shell = step["shell"] is { } sh ? ReadShell(sh, prefix + ".shell") : null,
            WorkingDirectory = step["working-directory"] is { } wd ? NonEmpty(wd, prefix + ".working-directory", ExpressionLocation.Step) : null,
            ContinueOnError = step["continue-on-error"] is { } c ? Boolean(c, prefix + ".continue-on-error", ExpressionLocation.Step) : null,
            TimeoutMinutes = step["timeout-minutes"] is { } t ? Number(t, prefix + ".timeout-minutes", ExpressionLocation.Step) : null,
            Index = index,
            Span = step.Span,
        };
    }

    /// <summary>
    /// GitHub's rule (its pipeline template converter): `docker://…`, a path starting `./` (`./` alone is the repository
    /// root) or `.\`, else exactly one '@' with a non-empty ref after it and at least two non-empty path segments before it.
    /// </summary>
    private static bool IsActionRef(string uses)
    {
        if (uses.StartsWith("docker://", StringComparison.Ordinal) || uses.StartsWith("./", StringComparison.Ordinal) || uses.StartsWith(".\\", StringComparison.Ordinal))
        {
            return true;
        }

        var parts = uses.Split('@');
        return parts.Length == 2 && parts[1].Length > 0
            && parts[0].Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries).Length >= 2;
    }
}
