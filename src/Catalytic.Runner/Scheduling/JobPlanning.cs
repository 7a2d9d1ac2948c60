using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Planning;

namespace Catalytic.Runner.Scheduling;

/// <summary>
/// A job's strategy at the moment it becomes ready: one matrix per leg (a single null without a matrix), fail-fast and
/// max-parallel — or why the job cannot run (<see cref="Error"/>, at the place it was written).
/// </summary>
public sealed record PlannedStrategy(IReadOnlyList<JsonObject?> Matrices, bool FailFast, int MaxParallel, string? Error)
{
    /// <summary>The <c>strategy</c> context of leg <paramref name="index"/>, as the runner gives it.</summary>
    public JsonObject Context(int index) => JobStrategy.Context(FailFast, MaxParallel, index, Matrices.Count);
}

/// <summary>
/// The runner's own planning decisions, for a planner that keeps a run's state elsewhere (the pipeline server keeps it
/// in its store and hands each job out as a <see cref="Hosting.JobSpec"/>): the contexts a job-level expression sees,
/// <c>if:</c>, the strategy and matrix expansion, a leg's label and a concurrency group — the same functions
/// <see cref="WorkflowExecutor"/> uses, so <c>catalytic run</c> and <c>serve</c> decide alike.
/// </summary>
public static class JobPlanning
{
    /// <summary>The conclusions GitHub gives jobs and steps.</summary>
    public const string Success = Results.Success;

    /// <inheritdoc cref="Success"/>
    public const string Failure = Results.Failure;

    /// <inheritdoc cref="Success"/>
    public const string Cancelled = Results.Cancelled;

    /// <inheritdoc cref="Success"/>
    public const string Skipped = Results.Skipped;

    /// <summary>
    /// The contexts of a job-level expression (<c>if:</c>, <c>strategy</c>, <c>runs-on</c>, <c>environment</c>,
    /// <c>concurrency</c>, <c>name</c>): github, vars, inputs and needs, with matrix and strategy once a leg is known.
    /// Secrets are not available there (GitHub's rule).
    /// </summary>
    public static Dictionary<string, JsonNode?> Contexts(JsonObject github, JsonObject vars, JsonObject inputs, JsonObject needs, JsonObject? matrix = null, JsonObject? strategy = null)
    {
        var contexts = WorkflowExecutor.WorkflowContexts(github, vars, [], inputs);
        contexts["needs"] = needs;
        contexts["matrix"] = matrix ?? [];
        if (strategy is not null)
        {
            contexts["strategy"] = strategy;
        }

        return contexts;
    }

    /// <summary>Whether the job runs: its <c>if:</c> (the implicit <c>success()</c> when absent) with <paramref name="status"/>'s status functions.</summary>
    /// <exception cref="ExpressionEvaluationException">The condition could not be evaluated.</exception>
    public static bool ShouldRun(IExpressionEngine expressions, Job job, IReadOnlyDictionary<string, JsonNode?> contexts, JobStatusView status, string workspace) =>
        expressions.EvaluateCondition(job.If, new ExpressionScope(contexts, status, workspace));

    /// <summary>The job's strategy, its matrix expanded now (so <c>fromJSON(needs.x.outputs.y)</c> sees finished jobs' outputs).</summary>
    /// <exception cref="ExpressionEvaluationException">An expression of the strategy failed.</exception>
    public static PlannedStrategy Strategy(IExpressionEngine expressions, Job job, IReadOnlyDictionary<string, JsonNode?> contexts, JobStatusView status, string workspace)
    {
        var s = JobStrategy.Evaluate(expressions, job, new ExpressionScope(contexts, status, workspace));
        return new PlannedStrategy(s.Legs, s.FailFast, s.MaxParallel, s.Error);
    }

    /// <summary>
    /// How a leg is shown: <c>name:</c> evaluated (its written form when that fails), followed by the matrix values
    /// unless the name uses the matrix; the job's id with the values without a name.
    /// </summary>
    public static string Label(IExpressionEngine expressions, Job job, JsonObject? matrix, IReadOnlyDictionary<string, JsonNode?> contexts, string workspace)
    {
        if (job.Name is null)
        {
            return matrix is null ? job.Id : MatrixExpander.DisplayName(job.Id, ExpressionValue.FromJsonNode(matrix).AsObject);
        }

        string label;
        try
        {
            label = expressions.EvaluateString(job.Name, new ExpressionScope(contexts, new JobStatusView(true, false, false), workspace));
        }
        catch (ExpressionEvaluationException)
        {
            label = job.Name.Value;
        }

        return matrix is not null && !WorkflowPlanner.UsesMatrix(job.Name.Value)
            ? MatrixExpander.DisplayName(label, ExpressionValue.FromJsonNode(matrix).AsObject)
            : label;
    }

    /// <summary>A <c>concurrency:</c>'s group and cancel-in-progress; an empty group means none.</summary>
    /// <exception cref="ExpressionEvaluationException">An expression of it failed.</exception>
    public static (string Group, bool CancelInProgress) Concurrency(IExpressionEngine expressions, Workflows.Model.Concurrency concurrency, IReadOnlyDictionary<string, JsonNode?> contexts, string workspace)
    {
        var scope = new ExpressionScope(contexts, new JobStatusView(true, false, false), workspace);
        var group = expressions.EvaluateString(concurrency.Group, scope);
        var cancel = concurrency.CancelInProgress is { } c && ContextValues.IsTrue(expressions.Evaluate(c, scope));
        return (group, cancel);
    }

    /// <summary>A context value as the text a step sees.</summary>
    public static string Stringify(JsonNode? node) => ContextValues.Stringify(node);
}
