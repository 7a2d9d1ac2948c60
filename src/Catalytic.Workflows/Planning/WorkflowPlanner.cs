using System.Collections.Immutable;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Triggers;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Planning;

/// <summary>What a run of one workflow will do: whether it is triggered, and its jobs in dependency order.</summary>
public sealed record WorkflowPlan(Workflow Workflow, TriggerDecision Trigger, ImmutableArray<PlannedJob> Jobs, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Triggered => Trigger.Triggers;

    /// <summary>True when nothing prevents the plan from running (no plan-time errors such as a matrix over 256).</summary>
    public bool IsValid => !Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>
/// One job of the plan. <see cref="Instances"/> holds the static matrix expansion (one instance without a matrix);
/// it is empty when <see cref="MatrixIsDynamic"/>: the matrix depends on run-time values (`needs` outputs…)
/// and the runner expands it with <see cref="MatrixExpander"/> once they are known.
/// </summary>
/// <param name="Level">Depth in the needs graph: 0 for jobs that need nothing, else 1 + the deepest need.</param>
public sealed record PlannedJob(Job Job, int Level, ImmutableArray<JobInstance> Instances, bool MatrixIsDynamic)
{
    public string Id => Job.Id;

    /// <summary>
    /// For a dynamic matrix: the expressions it is built from as written (e.g. `${{ fromJSON(needs.plan.outputs.m) }}`,
    /// or `strategy: ${{ … }}`), so a plan can say what it will be expanded from. Null otherwise.
    /// </summary>
    public string? RuntimeMatrix { get; init; }

    public ImmutableArray<string> Needs => Job.Needs;
}

/// <summary>One job run: its display name and matrix values (empty object when the job has no matrix).</summary>
public sealed record JobInstance(string DisplayName, ExpressionObject Matrix);

/// <summary>Builds <see cref="WorkflowPlan"/>s: trigger decision, dependency order and static matrix expansion.</summary>
public static class WorkflowPlanner
{
    /// <summary>Plans <paramref name="workflow"/> for <paramref name="ev"/>; jobs are planned even when it is not triggered (for `--list`).</summary>
    public static WorkflowPlan Plan(Workflow workflow, TriggerEvent ev) => Plan(workflow, TriggerMatcher.Match(workflow, ev));

    /// <summary>Plans <paramref name="workflow"/> without looking at triggers (treated as triggered).</summary>
    public static WorkflowPlan Plan(Workflow workflow) => Plan(workflow, new TriggerDecision(true, "planned without an event"));

    /// <summary>Plans <paramref name="workflow"/> with a trigger decision the caller made (the CLI matches refs and changed files itself).</summary>
    public static WorkflowPlan Plan(Workflow workflow, TriggerDecision trigger)
    {
        var diagnostics = new List<Diagnostic>();
        var order = JobGraph.TopologicalOrder(workflow.Jobs);
        if (order is null)
        {
            JobGraph.Check(workflow.Jobs, diagnostics);
            return new WorkflowPlan(workflow, trigger, [], [.. diagnostics]);
        }

        var byId = workflow.Jobs.ToDictionary(j => j.Id, StringComparer.Ordinal);
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        var jobs = ImmutableArray.CreateBuilder<PlannedJob>();
        foreach (var id in order.Value)
        {
            var job = byId[id];
            var level = job.Needs.Where(levels.ContainsKey).Select(n => levels[n] + 1).DefaultIfEmpty(0).Max();
            levels[id] = level;
            var (instances, dynamic) = Instances(job, diagnostics);
            jobs.Add(new PlannedJob(job, level, instances, dynamic) { RuntimeMatrix = dynamic ? RuntimeMatrixSource(job) : null });
        }

        return new WorkflowPlan(workflow, trigger, jobs.ToImmutable(), [.. diagnostics]);
    }

    /// <summary>The job runs known before running: one per matrix combination, or one without a matrix.</summary>
    public static (ImmutableArray<JobInstance> Instances, bool MatrixIsDynamic) Instances(Job job, ICollection<Diagnostic>? diagnostics = null)
    {
        var matrixNode = job.Strategy?.Matrix;
        if (job.Strategy?.Expression is not null)
        {
            return ([], true);
        }

        if (matrixNode is null)
        {
            return ([new JobInstance(DisplayName(job, ExpressionObject.Empty), ExpressionObject.Empty)], false);
        }

        if (ContainsExpression(matrixNode))
        {
            return ([], true);
        }

        ExpressionValue value;
        try
        {
            value = TemplateEvaluator.EvaluateNode(matrixNode, new ExpressionContext());
        }
        catch (ExpressionException e)
        {
            diagnostics?.Add(e.ToDiagnostic(matrixNode.Span));
            return ([], false);
        }

        var expansion = MatrixExpander.Expand(value);
        if (!expansion.IsValid)
        {
            diagnostics?.Add(new Diagnostic(matrixNode.Span, $"job '{job.Id}': {expansion.Error}"));
            return ([], false);
        }

        return ([.. expansion.Combinations.Select(c => new JobInstance(DisplayName(job, c), c))], false);
    }

    /// <summary>
    /// The name GitHub shows for a job run: `name:` (its expressions evaluated, with the matrix), followed by the matrix
    /// values — e.g. `build (ubuntu-latest, 20)` — unless the name itself uses the matrix (`Test on ${{ matrix.os }}`).
    /// The runner uses the same rule with the run's full contexts.
    /// </summary>
    public static string DisplayName(Job job, ExpressionObject matrix)
    {
        var name = job.Id;
        if (job.Name is { } written)
        {
            name = written.Value;
            if (written.Value.Contains("${{", StringComparison.Ordinal))
            {
                var context = new ExpressionContext().Set("matrix", matrix);
                foreach (var declared in new[] { "github", "inputs", "vars", "needs", "strategy" })
                {
                    context.Declare(declared);
                }

                try
                {
                    name = TemplateEvaluator.EvaluateString(written, context);
                }
                catch (ExpressionException)
                {
                    name = written.Value;
                }
            }

            if (UsesMatrix(written.Value))
            {
                return name;
            }
        }

        return MatrixExpander.DisplayName(name, matrix);
    }

    /// <summary>Whether a job name refers to the matrix (then GitHub does not append the values).</summary>
    public static bool UsesMatrix(string name) => name.Contains("matrix.", StringComparison.OrdinalIgnoreCase) || name.Contains("matrix[", StringComparison.OrdinalIgnoreCase);

    /// <summary>The expressions a dynamic matrix is built from, as written.</summary>
    private static string? RuntimeMatrixSource(Job job)
    {
        if (job.Strategy?.Expression is { } whole)
        {
            return "strategy: " + whole.Value.Trim();
        }

        var found = (job.Strategy?.Matrix?.Scalars() ?? [])
            .Where(s => s.Value.Contains("${{", StringComparison.Ordinal))
            .Select(s => s.Value.Trim())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return found.Count == 0 ? null : string.Join(", ", found);
    }

    private static bool ContainsExpression(TemplateNode node) => node switch
    {
        TemplateScalar s => s.Value.Contains("${{", StringComparison.Ordinal),
        TemplateSequence seq => seq.Items.Any(ContainsExpression),
        TemplateMapping map => map.Entries.Any(e => ContainsExpression(e.Key) || ContainsExpression(e.Value)),
        _ => false,
    };
}
