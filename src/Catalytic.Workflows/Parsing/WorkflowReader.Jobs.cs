using System.Collections.Immutable;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>`jobs:` — step jobs and reusable-workflow call jobs: ids, needs, if, runs-on, environment (the strategy, containers and steps have their own files).</summary>
internal sealed partial class WorkflowReader
{
    private ImmutableArray<Job> ReadJobs(TemplateNode node)
    {
        if (node is not TemplateMapping map)
        {
            Error(node.Span, $"'jobs' must be a mapping of job ids to jobs, found {Describe(node)}");
            return [];
        }

        if (map.Entries.IsEmpty)
        {
            Error(map.Span, "'jobs' must define at least one job");
            return [];
        }

        var jobs = ImmutableArray.CreateBuilder<Job>();
        foreach (var (id, value) in map.Entries)
        {
            CheckId(id, "job id");
            if (value is not TemplateMapping job)
            {
                Error(value.Span, $"job '{id.Value}' must be a mapping (with 'runs-on' and 'steps', or 'uses'), found {Describe(value)}");
                continue;
            }

            jobs.Add(job["uses"] is not null ? ReadCallJob(id, job) : ReadStepJob(id, job));
        }

        var result = jobs.ToImmutable();
        JobGraph.Check(result, diagnostics);
        return result;
    }

    /// <summary>Where each valid item of `needs` is written, in the order <see cref="StringList"/> reads them.</summary>
    private ImmutableArray<SourceSpan> NeedSpans(TemplateNode? needs) => needs switch
    {
        TemplateScalar s when !IsNull(s) && s.Value.Length > 0 => [s.Span],
        TemplateSequence seq => [.. seq.Items.OfType<TemplateScalar>().Where(i => !IsNull(i) && i.Value.Length > 0).Select(i => i.Span)],
        _ => [],
    };

    private Job ReadCommon(TemplateScalar id, TemplateMapping job)
    {
        var name = job["name"] is { } n ? Scalar(n, "name", ExpressionLocation.JobStrategyContext) : null;
        var needs = job["needs"] is { } nd ? StringList(nd, $"jobs.{id.Value}.needs") ?? [] : ImmutableArray<string>.Empty;
        TemplateScalar? condition = null;
        if (job["if"] is { } ifNode)
        {
            condition = Condition(ifNode, $"jobs.{id.Value}.if", ExpressionLocation.JobIf);
        }

        return new Job
        {
            Id = id.Value,
            Name = name,
            Needs = needs,
            NeedSpans = NeedSpans(job["needs"]),
            If = condition,
            Strategy = job["strategy"] is { } s ? ReadStrategy(s, $"jobs.{id.Value}.strategy") : null,
            Concurrency = ReadConcurrency(job["concurrency"], $"jobs.{id.Value}.concurrency", ExpressionLocation.JobStrategyContext),
            Permissions = ReadPermissions(job["permissions"], $"jobs.{id.Value}.permissions"),
            Span = id.Span,
        };
    }

    private TemplateScalar? Condition(TemplateNode node, string what, ExpressionLocation scope)
    {
        if (node is not TemplateScalar s)
        {
            Error(node.Span, $"'{what}' must be an expression or a boolean, found a {YamlTreeReader.KindName(node)}");
            return null;
        }

        if (IsNull(s) || s.Value.Trim().Length == 0)
        {
            Error(s.Span, $"'{what}' must not be empty");
            return null;
        }

        Track(s, scope, isCondition: true);
        return s;
    }

    private Job ReadCallJob(TemplateScalar id, TemplateMapping job)
    {
        foreach (var (key, _) in job.Entries)
        {
            if (WorkflowSchema.CallJobKeys.Contains(key.Value, StringComparer.Ordinal))
            {
                continue;
            }

            Error(key.Span, WorkflowSchema.JobKeys.Contains(key.Value, StringComparer.Ordinal)
                ? $"'{key.Value}' is not allowed in job '{id.Value}', which calls a reusable workflow with 'uses'; such a job accepts only {string.Join(", ", WorkflowSchema.CallJobKeys)} (its steps, runner and env belong in the called workflow)"
                : UnknownKey(key.Value, $"job '{id.Value}' (a job calling a reusable workflow with 'uses')", WorkflowSchema.CallJobKeys));
        }
        var common = ReadCommon(id, job);
        var uses = NonEmpty(job["uses"]!, $"jobs.{id.Value}.uses", null);
        if (uses is not null && !IsReusableWorkflowRef(uses.Value))
        {
            Error(uses.Span, $"'jobs.{id.Value}.uses' must be './.github/workflows/<file>.yml' or '<owner>/<repo>/.github/workflows/<file>.yml@<ref>', found '{uses.Value}'");
        }

        TemplateMapping? with = null;
        if (job["with"] is TemplateScalar ws && IsExpression(ws))
        {
            Error(ws.Span, $"'jobs.{id.Value}.with' must be a mapping of inputs: GitHub allows expressions in its values but not one expression for the whole mapping of a reusable-workflow call");
        }
        else if (job["with"] is { } w)
        {
            with = ReadScalarMapping(w, $"jobs.{id.Value}.with", ExpressionLocation.JobStrategyContext);
        }
        TemplateNode? secrets = null;
        if (job["secrets"] is { } sec)
        {
            if (sec is TemplateScalar { Value: "inherit" })
            {
                secrets = sec;
            }
            else if (sec is TemplateMapping)
            {
                secrets = ReadScalarMapping(sec, $"jobs.{id.Value}.secrets", ExpressionLocation.CallJobSecrets);
            }
            else
            {
                Error(sec.Span, $"'jobs.{id.Value}.secrets' must be 'inherit' or a mapping of secret names to values, found {Describe(sec)}");
            }
        }

        return common with { Uses = uses?.Value, UsesSpan = uses?.Span ?? id.Span, With = with, Secrets = secrets };
    }

    private static bool IsReusableWorkflowRef(string uses)
    {
        if (uses.StartsWith("./", StringComparison.Ordinal))
        {
            return uses.EndsWith(".yml", StringComparison.Ordinal) || uses.EndsWith(".yaml", StringComparison.Ordinal);
        }

        var at = uses.LastIndexOf('@');
        return at > 0 && at < uses.Length - 1 && uses[..at].Split('/').Length >= 3
            && uses.Contains("/.github/workflows/", StringComparison.Ordinal);
    }

    private Job ReadStepJob(TemplateScalar id, TemplateMapping job)
    {
        CheckKeys(job, $"job '{id.Value}'", WorkflowSchema.JobKeys);
        var common = ReadCommon(id, job);
        var prefix = $"jobs.{id.Value}";

        TemplateNode? runsOn = null;
        if (job["runs-on"] is { } ro)
        {
            runsOn = ReadRunsOn(ro, prefix + ".runs-on");
        }
        else
        {
            Error(id.Span, $"job '{id.Value}' is missing 'runs-on' (e.g. 'runs-on: ubuntu-latest'), or 'uses' to call a reusable workflow");
        }

        var steps = ImmutableArray<Step>.Empty;
        if (job["steps"] is { } stepsNode)
        {
            steps = ReadSteps(stepsNode, id.Value);
        }
        else
        {
            Error(id.Span, $"job '{id.Value}' has no 'steps'");
        }

        if (job["cancel-timeout-minutes"] is { } ctm)
        {
            _ = Number(ctm, prefix + ".cancel-timeout-minutes", ExpressionLocation.JobStrategyContext);
        }

        if (job["snapshot"] is { } snap)
        {
            ReadSnapshot(snap, prefix + ".snapshot");
        }

        var servicesExpression = WholeExpression(job["services"], ExpressionLocation.JobStrategyContext);
        return common with
        {
            RunsOn = runsOn,
            Environment = job["environment"] is { } e ? ReadEnvironment(e, prefix + ".environment") : null,
            Outputs = job["outputs"] is { } o ? ReadScalarMapping(o, prefix + ".outputs", ExpressionLocation.JobOutputs) : null,
            Env = ReadEnv(job["env"], prefix + ".env", ExpressionLocation.JobEnv, out var envExpression),
            EnvExpression = envExpression,
            Defaults = ReadDefaults(job["defaults"], prefix + ".defaults", ExpressionLocation.JobDefaultsRun),
            ContinueOnError = job["continue-on-error"] is { } c ? Boolean(c, prefix + ".continue-on-error", ExpressionLocation.JobStrategyContext) : null,
            TimeoutMinutes = job["timeout-minutes"] is { } t ? Number(t, prefix + ".timeout-minutes", ExpressionLocation.JobStrategyContext) : null,
            Services = job["services"] is { } sv && servicesExpression is null ? ReadServices(sv, prefix + ".services") : null,
            ServicesExpression = servicesExpression,
            Container = job["container"] is { } ct ? ReadContainer(ct, prefix + ".container", WorkflowSchema.ContainerKeys) : null,
            Steps = steps,
        };
    }

    private TemplateNode? ReadRunsOn(TemplateNode node, string what)
    {
        switch (node)
        {
            case TemplateScalar s:
                return NonEmpty(s, what, ExpressionLocation.JobStrategyContext);
            case TemplateSequence seq:
                if (seq.Items.IsEmpty)
                {
                    Error(seq.Span, $"'{what}' must name at least one runner label");
                }

                _ = StringList(seq, what, ExpressionLocation.JobStrategyContext);
                return seq;
            case TemplateMapping map:
                CheckKeys(map, $"'{what}'", WorkflowSchema.RunsOnKeys);
                if (map["group"] is { } g)
                {
                    _ = NonEmpty(g, what + ".group", ExpressionLocation.JobStrategyContext);
                }

                if (map["labels"] is { } l)
                {
                    _ = StringList(l, what + ".labels", ExpressionLocation.JobStrategyContext);
                }

                if (map["group"] is null && map["labels"] is null)
                {
                    Error(map.Span, $"'{what}' needs 'group' or 'labels'");
                }

                return map;
            default:
                return null;
        }
    }

    private TemplateNode? ReadEnvironment(TemplateNode node, string what) =>
        ReadNameOrMapping(node, what, WorkflowSchema.EnvironmentKeys, "name", "an environment name or a mapping with 'name' and 'url'", map =>
        {
            if (map["url"] is { } u)
            {
                _ = Scalar(u, what + ".url", ExpressionLocation.EnvironmentUrl);
            }

            if (map["deployment"] is { } d)
            {
                _ = Boolean(d, what + ".deployment", null);
            }
        });

    private void ReadSnapshot(TemplateNode node, string what)
    {
        if (node is TemplateScalar)
        {
            _ = NonEmpty(node, what, null);
            return;
        }

        if (Mapping(node, what) is not { } map)
        {
            return;
        }

        CheckKeys(map, $"'{what}'", WorkflowSchema.SnapshotKeys);
        if (map["image-name"] is null)
        {
            Error(map.Span, $"'{what}' is missing the required key 'image-name'");
        }
    }
}
