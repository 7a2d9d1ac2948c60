using Catalytic.Workflows.Expressions.Syntax;

namespace Catalytic.Workflows.Expressions.Evaluation;

/// <summary>
/// Per-evaluation state: the contexts, and the memory accounting that stops an expression from building
/// unbounded strings (GitHub fails such expressions with "The maximum allowed memory size was exceeded").
/// A node's result replaces its children's in the live total, so only values still held count.
/// </summary>
internal sealed class EvaluationState(ExpressionContext context, string expression)
{
    private const int MinObjectSize = 24;
    private const int StringOverhead = 26;

    public ExpressionContext Context { get; } = context;

    public string Expression { get; } = expression;

    public long LiveBytes { get; private set; }

    public void Release(long mark, Node node, ExpressionValue result)
    {
        long cost;
        if (node is NamedValueNode or IndexNode || !result.TryGetString(out var s))
        {
            // Lookups return values that already exist; only a filter builds a new array.
            cost = MinObjectSize + (result.TryGetArray(out var a) && a.IsFiltered ? 8L * a.Count : 0);
        }
        else
        {
            cost = StringOverhead + (2L * s.Length);
        }

        LiveBytes = mark + cost;
        if (LiveBytes > Context.MaxMemory)
        {
            throw MemoryExceeded();
        }
    }

    /// <summary>Throws when a string of <paramref name="chars"/> characters being built would exceed the budget.</summary>
    public void EnsureRoom(long chars)
    {
        if (LiveBytes + StringOverhead + (2 * chars) > Context.MaxMemory)
        {
            throw MemoryExceeded();
        }
    }

    /// <summary>The largest string (in characters) that still fits in the budget.</summary>
    public int MaxStringLength => (int)Math.Clamp((Context.MaxMemory - LiveBytes - StringOverhead) / 2, 0, int.MaxValue);

    public ExpressionException Error(string reason, int? offset = null) =>
        new(new ExpressionError(ExpressionErrorKind.Evaluation, reason, Expression, offset));

    public ExpressionException MemoryExceeded() =>
        Error($"The maximum allowed memory size was exceeded while evaluating the following expression: {Expression}");
}
