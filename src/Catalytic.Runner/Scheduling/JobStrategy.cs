using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Planning;

namespace Catalytic.Runner.Scheduling;

/// <summary>
/// A job's <c>strategy</c> at run time, for a job of steps and for a job that calls a reusable workflow alike: one
/// entry per matrix leg (a single null without a matrix), fail-fast and max-parallel — or why it cannot run.
/// </summary>
internal sealed record JobStrategy(List<JsonObject?> Legs, bool FailFast, int MaxParallel, string? Error)
{
    /// <summary>
    /// `strategy` at run time: its members as written, or the mapping a whole-value `strategy: ${{ … }}` evaluates to,
    /// with the matrix expanded (evaluated now, so `fromJSON(needs.x.outputs.y)` sees the outputs of finished jobs).
    /// A result that is not a mapping, or a matrix that cannot be expanded, fails the job with the place it was written.
    /// </summary>
    /// <exception cref="ExpressionEvaluationException">An expression of the strategy failed.</exception>
    public static JobStrategy Evaluate(IExpressionEngine expressions, Job job, ExpressionScope scope)
    {
        if (job.Strategy is not { } strategy)
        {
            return new JobStrategy([null], true, int.MaxValue, null);
        }

        var evaluated = EvaluateMembers(expressions, strategy, scope);
        if (evaluated.Error is not null || evaluated.Matrix is not { } matrixValue)
        {
            return new JobStrategy([null], evaluated.FailFast, evaluated.MaxParallel, evaluated.Error);
        }

        var expansion = MatrixExpander.Expand(ExpressionValue.FromJsonNode(matrixValue));
        return expansion.IsValid
            ? new JobStrategy([.. expansion.Combinations.Select(c => (JsonObject?)ExpressionValue.FromObject(c).ToJsonNode())], evaluated.FailFast, evaluated.MaxParallel, null)
            : new JobStrategy([null], true, int.MaxValue, $"{(strategy.Matrix ?? strategy.Expression)!.Span}: job '{job.Id}': {expansion.Error}");
    }

    /// <summary>The <c>strategy</c> context of leg <paramref name="index"/> of <paramref name="total"/>.</summary>
    public static JsonObject Context(bool failFast, int maxParallel, int index, int total) => new()
    {
        ["fail-fast"] = failFast,
        ["job-index"] = index,
        ["job-total"] = total,
        ["max-parallel"] = maxParallel == int.MaxValue ? total : maxParallel,
    };

    /// <summary>The legs about to run: max-parallel as a gate, fail-fast as the siblings' cancellation.</summary>
    public StrategyLegs Start(CancellationToken cancellationToken) => new(this, cancellationToken);

    private sealed record Members(JsonNode? Matrix, bool FailFast, int MaxParallel, string? Error);

    private static Members EvaluateMembers(IExpressionEngine expressions, Strategy strategy, ExpressionScope scope)
    {
        JsonNode? matrix;
        JsonNode? failFast;
        JsonNode? maxParallel;
        if (strategy.Expression is { } whole)
        {
            if (expressions.Evaluate(whole, scope) is not JsonObject o)
            {
                return new Members(null, true, int.MaxValue, $"{whole.Span}: 'strategy' must evaluate to a mapping (matrix, fail-fast, max-parallel), but '{whole.Value.Trim()}' did not");
            }

            matrix = o["matrix"];
            failFast = o["fail-fast"];
            maxParallel = o["max-parallel"];
            if (o.ContainsKey("matrix") && matrix is not JsonObject)
            {
                return new Members(null, true, int.MaxValue, $"{whole.Span}: 'strategy.matrix' must be a mapping of vectors, found {ContextValues.Stringify(matrix)}");
            }
        }
        else
        {
            matrix = strategy.Matrix is null ? null : expressions.Evaluate(strategy.Matrix, scope);
            failFast = strategy.FailFast is null ? null : expressions.Evaluate(strategy.FailFast, scope);
            maxParallel = strategy.MaxParallel is null ? null : expressions.Evaluate(strategy.MaxParallel, scope);
            if (strategy.Matrix is { } node && matrix is not JsonObject)
            {
                return new Members(null, true, int.MaxValue, $"{node.Span}: 'strategy.matrix' must evaluate to a mapping of vectors, but it gave {(matrix is null ? "null" : ContextValues.Stringify(matrix))}");
            }
        }

        var max = int.MaxValue;
        if (maxParallel is not null
            && int.TryParse(ContextValues.Stringify(maxParallel), NumberStyles.Integer, CultureInfo.InvariantCulture, out var mp)
            && mp > 0)
        {
            max = mp;
        }

        return new Members(matrix, failFast is null || ContextValues.Stringify(failFast) != "false", max, null);
    }
}

/// <summary>The legs of one strategy while they run: whose turn it is (max-parallel) and fail-fast.</summary>
internal sealed class StrategyLegs : IDisposable
{
    private readonly JobStrategy _strategy;
    private readonly CancellationTokenSource _siblings;
    private readonly SemaphoreSlim _turns;

    public StrategyLegs(JobStrategy strategy, CancellationToken cancellationToken)
    {
        _strategy = strategy;
        _siblings = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _turns = new SemaphoreSlim(Math.Min(strategy.MaxParallel, strategy.Legs.Count));
    }

    public int Total => _strategy.Legs.Count;

    /// <summary>Cancelled with the run, or when a leg failed under fail-fast.</summary>
    public CancellationToken Siblings => _siblings.Token;

    /// <summary>The <c>strategy</c> context of leg <paramref name="index"/>.</summary>
    public JsonObject Context(int index) => JobStrategy.Context(_strategy.FailFast, _strategy.MaxParallel, index, Total);

    /// <summary>Waits until fewer than max-parallel legs run (not cancellable: a cancelled leg still ends through its turn).</summary>
    public Task WaitForTurnAsync() => _turns.WaitAsync(CancellationToken.None);

    public void TurnDone() => _turns.Release();

    /// <summary>A leg ended with <paramref name="result"/>: under fail-fast a failure cancels the other legs.</summary>
    public async Task EndedAsync(string result)
    {
        if (_strategy.FailFast && result == Results.Failure && Total > 1)
        {
            await _siblings.CancelAsync();
        }
    }

    public void Dispose()
    {
        _siblings.Dispose();
        _turns.Dispose();
    }
}
