using System.Text.Json.Nodes;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>
/// The runner's view of the expression language: the contexts of the moment go in as JSON, values come
/// out as JSON. One seam so the scheduler and step code never depend on the evaluator's internals.
/// </summary>
public interface IExpressionEngine
{
    /// <summary>Evaluates a whole template node (scalars with <c>${{ }}</c>, mappings, sequences) into JSON.</summary>
    JsonNode? Evaluate(TemplateNode node, ExpressionScope scope);

    /// <summary>Evaluates a scalar into the string a step sees (<c>run:</c>, <c>env</c> values, names).</summary>
    string EvaluateString(TemplateScalar scalar, ExpressionScope scope);

    /// <summary>Evaluates an <c>if:</c> (with or without <c>${{ }}</c>); null means the implicit <c>success()</c>.</summary>
    bool EvaluateCondition(TemplateScalar? condition, ExpressionScope scope);
}

/// <summary>Contexts (<c>github</c>, <c>env</c>, <c>steps</c>…) and the status functions of one evaluation.</summary>
public sealed class ExpressionScope
{
    public ExpressionScope(IReadOnlyDictionary<string, JsonNode?> contexts, JobStatusView status, string workspace)
    {
        Contexts = contexts;
        Status = status;
        Workspace = workspace;
    }

    public IReadOnlyDictionary<string, JsonNode?> Contexts { get; }

    public JobStatusView Status { get; }

    /// <summary>The folder <c>hashFiles</c> resolves patterns against.</summary>
    public string Workspace { get; }
}

/// <summary>What <c>success()</c>, <c>failure()</c> and <c>cancelled()</c> answer at this point.</summary>
public sealed record JobStatusView(bool Success, bool Failure, bool Cancelled);

/// <summary>An expression that could not be evaluated; <see cref="Location"/> names the file, line and column.</summary>
public sealed class ExpressionEvaluationException(SourceSpan location, string message) : Exception($"{location}: {message}")
{
    public SourceSpan Location { get; } = location;
}
