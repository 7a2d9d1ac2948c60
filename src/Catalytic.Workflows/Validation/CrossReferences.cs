using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Validation;

/// <summary>
/// Checks that names used in expressions exist where they are used: `needs.X` among the job's `needs`, `steps.X` among
/// the steps before, `matrix.X` among the keys of the job's static matrix, `jobs.X` (in `on.workflow_call.outputs`)
/// among the workflow's jobs. GitHub runs such a workflow — the reference just evaluates to null — and its own editor
/// flags it as "Context access might be invalid", so these are warnings, at the property's file:line:column.
/// Only literal property names are checked, and a matrix that is built by an expression is not second-guessed.
/// </summary>
internal static class CrossReferences
{
    public static void Check(Workflow workflow, List<Diagnostic> diagnostics)
    {
        var jobIds = workflow.Jobs.Select(j => j.Id).ToList();
        foreach (var output in workflow.Call?.Outputs ?? [])
        {
            foreach (var (context, name, at) in References(output.Value, condition: false))
            {
                if (context.Equals("jobs", StringComparison.OrdinalIgnoreCase) && !jobIds.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    Warn(diagnostics, at, $"'jobs.{name}' in on.workflow_call.outputs.{output.Name} names no job of this workflow (jobs: {string.Join(", ", jobIds)}), so it evaluates to null{Suggestions.DidYouMean(name, jobIds)}");
                }
            }
        }

        foreach (var job in workflow.Jobs)
        {
            var matrixKeys = StaticMatrixKeys(job);
            var allSteps = job.Steps.Where(s => s.Id is not null).Select(s => s.Id!).ToList();
            var site = new Site(job, matrixKeys, null);
            Check(site, diagnostics, false, job.Name, job.RunsOn, job.Env, job.EnvExpression, job.ContinueOnError, job.TimeoutMinutes,
                job.Concurrency?.Group, job.Concurrency?.CancelInProgress, job.Services, job.ServicesExpression, job.Container, job.With, job.Secrets,
                job.Defaults?.RunExpression, job.Strategy?.Matrix, job.Strategy?.FailFast, job.Strategy?.MaxParallel, job.Strategy?.Expression);
            Check(site, diagnostics, true, job.If);

            // `outputs` and `environment.url` are evaluated after the steps: every step of the job is known there.
            var afterSteps = site with { StepsBefore = allSteps };
            Check(afterSteps, diagnostics, false, job.Outputs, job.Environment);

            var before = new List<string>();
            foreach (var step in job.Steps)
            {
                var stepSite = site with { StepsBefore = [.. before], Step = step };
                Check(stepSite, diagnostics, false, step.Name, step.Run, step.With, step.WithExpression, step.Env, step.EnvExpression,
                    step.WorkingDirectory, step.ContinueOnError, step.TimeoutMinutes);
                Check(stepSite, diagnostics, true, step.If);
                if (step.Id is not null)
                {
                    before.Add(step.Id);
                }
            }
        }
    }

    /// <summary>Where an expression stands: its job, the job's static matrix keys (null: not known before the run), the steps before it (null: `steps` is not available there).</summary>
    private sealed record Site(Job Job, IReadOnlyCollection<string>? MatrixKeys, IReadOnlyList<string>? StepsBefore)
    {
        public Step? Step { get; init; }
    }

    private static void Check(Site site, List<Diagnostic> diagnostics, bool condition, params TemplateNode?[] nodes)
    {
        foreach (var node in nodes)
        {
            foreach (var scalar in node?.Scalars() ?? [])
            {
                foreach (var (context, name, at) in References(scalar, condition))
                {
                    CheckReference(site, context.ToLowerInvariant(), name, at, diagnostics);
                }
            }
        }
    }

    private static void CheckReference(Site site, string context, string name, SourceSpan at, List<Diagnostic> diagnostics)
    {
        var job = site.Job;
        switch (context)
        {
            case "needs" when !job.Needs.Contains(name, StringComparer.OrdinalIgnoreCase):
                Warn(diagnostics, at, job.Needs.IsEmpty
                    ? $"'needs.{name}': job '{job.Id}' has no 'needs', so it evaluates to null (add 'needs: {name}' to use its result and outputs)"
                    : $"'needs.{name}': job '{job.Id}' does not list '{name}' in 'needs' (needs: {string.Join(", ", job.Needs)}), so it evaluates to null{Suggestions.DidYouMean(name, job.Needs)}");
                break;
            case "steps" when site.StepsBefore is { } before && !before.Contains(name, StringComparer.OrdinalIgnoreCase):
                var later = job.Steps.Any(s => string.Equals(s.Id, name, StringComparison.OrdinalIgnoreCase));
                var where = site.Step is null ? $"job '{job.Id}'" : $"job '{job.Id}' before this step";
                Warn(diagnostics, at, later
                    ? $"'steps.{name}': step '{name}' has not run yet at this point of job '{job.Id}', so it evaluates to null"
                    : $"'steps.{name}': no step with id '{name}' in {where}, so it evaluates to null{Suggestions.DidYouMean(name, before)}");
                break;
            case "matrix" when site.MatrixKeys is { } keys && !keys.Contains(name, StringComparer.OrdinalIgnoreCase):
                Warn(diagnostics, at, keys.Count == 0
                    ? $"'matrix.{name}': job '{job.Id}' has no matrix, so it evaluates to null"
                    : $"'matrix.{name}' is not a key of job '{job.Id}''s matrix (keys: {string.Join(", ", keys)}), so it evaluates to null{Suggestions.DidYouMean(name, keys)}");
                break;
        }
    }

    /// <summary>The keys a job's matrix defines when it is written out (vectors and include keys); null when an expression builds it.</summary>
    private static List<string>? StaticMatrixKeys(Job job)
    {
        if (job.Strategy is null)
        {
            return [];
        }

        if (job.Strategy.Expression is not null || job.Strategy.Matrix is TemplateScalar)
        {
            return null;
        }

        if (job.Strategy.Matrix is not TemplateMapping matrix)
        {
            return [];
        }

        var keys = new List<string>();
        foreach (var (key, value) in matrix.Entries)
        {
            if (ParsedTemplate.ContainsExpression(key.Value))
            {
                return null; // a key named by an expression, or vectors merged in by `${{ insert }}`
            }

            if (key.Value is "exclude")
            {
                continue;
            }

            if (key.Value is not "include")
            {
                keys.Add(key.Value);
                continue;
            }

            if (value is not TemplateSequence includes)
            {
                return null;
            }

            foreach (var item in includes.Items)
            {
                if (item is not TemplateMapping entry)
                {
                    return null;
                }

                if (entry.Entries.Any(e => ParsedTemplate.ContainsExpression(e.Key.Value)))
                {
                    return null;
                }

                keys.AddRange(entry.Entries.Select(e => e.Key.Value));
            }
        }

        return [.. keys.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The `context.property` references of a scalar (a template, or a bare `if:` condition) with their places.</summary>
    private static IEnumerable<(string Context, string Name, SourceSpan At)> References(TemplateScalar scalar, bool condition)
    {
        var text = scalar.Value;
        if (condition && !ParsedTemplate.ContainsExpression(text))
        {
            var parsed = ParsedExpression.Parse(text);
            if (parsed.SyntaxError is not null)
            {
                yield break;
            }

            foreach (var (context, property) in parsed.PropertyReferences())
            {
                yield return (context, property.Name, TemplateEvaluator.Locate(scalar, property.Offset));
            }

            yield break;
        }

        if (!ParsedTemplate.ContainsExpression(text))
        {
            yield break;
        }

        var template = ParsedTemplate.Parse(text);
        foreach (var segment in template.Segments)
        {
            if (segment.Expression is not { SyntaxError: null } expression)
            {
                continue;
            }

            foreach (var (context, property) in expression.PropertyReferences())
            {
                yield return (context, property.Name, TemplateEvaluator.Locate(scalar, segment.Offset + property.Offset));
            }
        }
    }

    private static void Warn(List<Diagnostic> diagnostics, SourceSpan at, string message) =>
        diagnostics.Add(new Diagnostic(at, message, DiagnosticSeverity.Warning));
}
