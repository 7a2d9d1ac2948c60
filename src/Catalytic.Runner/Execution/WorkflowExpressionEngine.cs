using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>
/// <see cref="IExpressionEngine"/> over the workflow expression language (<see cref="TemplateEvaluator"/>):
/// <c>${{ }}</c> templates, plain YAML scalars typed, <c>if:</c> with the implicit <c>success()</c>, and
/// <c>hashFiles</c> over the workspace. Errors carry the file, line and column of the expression.
/// </summary>
public sealed class WorkflowExpressionEngine : IExpressionEngine
{
    // Contexts that stay the same object for a whole job are converted once.
    private static readonly ConditionalWeakTable<JsonNode, StrongBox<ExpressionValue>> Converted = new();
    private static readonly HashSet<string> StableContexts = new(StringComparer.Ordinal) { "github", "vars", "secrets", "inputs", "needs", "strategy", "matrix" };

    public JsonNode? Evaluate(TemplateNode node, ExpressionScope scope)
    {
        try
        {
            return TemplateEvaluator.EvaluateNode(node, Build(scope, withStatus: false)).ToJsonNode();
        }
        catch (ExpressionException e)
        {
            throw Wrap(e, node.Span);
        }
    }

    public string EvaluateString(TemplateScalar scalar, ExpressionScope scope)
    {
        if (!ParsedTemplate.ContainsExpression(scalar.Value))
        {
            return scalar.Value;
        }

        try
        {
            return TemplateEvaluator.EvaluateString(scalar, Build(scope, withStatus: false));
        }
        catch (ExpressionException e)
        {
            throw Wrap(e, scalar.Span);
        }
    }

    public bool EvaluateCondition(TemplateScalar? condition, ExpressionScope scope)
    {
        if (condition is null || string.IsNullOrWhiteSpace(condition.Value))
        {
            return scope.Status.Success;
        }

        try
        {
            return TemplateEvaluator.EvaluateCondition(condition, Build(scope, withStatus: true));
        }
        catch (ExpressionException e)
        {
            throw Wrap(e, condition.Span);
        }
    }

    private static ExpressionEvaluationException Wrap(ExpressionException e, SourceSpan fallback) =>
        new(e.Location ?? fallback, e.Error.Message);

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
