using Catalytic.Workflows.Expressions.Evaluation;

namespace Catalytic.Workflows.Expressions.Syntax;

/// <summary>
/// A node of a parsed expression. Nodes are immutable and shared between threads through the parse cache;
/// all per-evaluation state lives in <see cref="EvaluationState"/>.
/// </summary>
internal abstract class Node
{
    protected Node(int offset, int depth)
    {
        Offset = offset;
        Depth = depth;
    }

    /// <summary>0-based offset of the node's first token in the expression text.</summary>
    public int Offset { get; }

    /// <summary>Tree depth counted as GitHub does: a leaf is 1; `&amp;&amp;`/`||` chains are flattened.</summary>
    public int Depth { get; }

    /// <summary>Evaluates and accounts for the memory of the result, releasing the children's.</summary>
    public ExpressionValue Evaluate(EvaluationState state)
    {
        var mark = state.LiveBytes;
        var result = EvaluateCore(state);
        state.Release(mark, this, result);
        return result;
    }

    protected abstract ExpressionValue EvaluateCore(EvaluationState state);

    /// <summary>Visits this node and every descendant.</summary>
    public virtual IEnumerable<Node> DescendantsAndSelf()
    {
        yield return this;
    }

    protected static int MaxDepth(IReadOnlyList<Node> nodes)
    {
        var max = 0;
        foreach (var n in nodes)
        {
            max = Math.Max(max, n.Depth);
        }

        return max;
    }
}

internal sealed class LiteralNode(int offset, ExpressionValue value) : Node(offset, 1)
{
    public ExpressionValue Value { get; } = value;

    protected override ExpressionValue EvaluateCore(EvaluationState state) => Value;
}

internal sealed class NamedValueNode(int offset, string name) : Node(offset, 1)
{
    public string Name { get; } = name;

    protected override ExpressionValue EvaluateCore(EvaluationState state) =>
        state.Context.TryGetContext(Name, out var value) ? value : default;
}

/// <summary><c>a.b</c>, <c>a['b']</c>, <c>a[0]</c>, <c>a.*</c>, <c>a[*]</c>; <see cref="Key"/> is null for <c>*</c>.</summary>
internal sealed class IndexNode(int offset, Node target, Node? key) : Node(offset, 1 + Math.Max(target.Depth, key?.Depth ?? 1))
{
    public Node Target { get; } = target;

    public Node? Key { get; } = key;

    protected override ExpressionValue EvaluateCore(EvaluationState state) =>
        Indexing.Apply(Target.Evaluate(state), Key, state);

    public override IEnumerable<Node> DescendantsAndSelf()
    {
        yield return this;
        foreach (var n in Target.DescendantsAndSelf())
        {
            yield return n;
        }

        if (Key is not null)
        {
            foreach (var n in Key.DescendantsAndSelf())
            {
                yield return n;
            }
        }
    }
}

internal sealed class NotNode(int offset, Node operand) : Node(offset, 1 + operand.Depth)
{
    public Node Operand { get; } = operand;

    protected override ExpressionValue EvaluateCore(EvaluationState state) =>
        ExpressionValue.FromBoolean(!Operand.Evaluate(state).IsTruthy);

    public override IEnumerable<Node> DescendantsAndSelf() => Operand.DescendantsAndSelf().Prepend(this);
}

internal sealed class CompareNode(int offset, TokenKind op, Node left, Node right) : Node(offset, 1 + Math.Max(left.Depth, right.Depth))
{
    public TokenKind Operator { get; } = op;

    public Node Left { get; } = left;

    public Node Right { get; } = right;

    protected override ExpressionValue EvaluateCore(EvaluationState state)
    {
        var l = Left.Evaluate(state);
        var r = Right.Evaluate(state);
        return ExpressionValue.FromBoolean(Operator switch
        {
            TokenKind.Equal => ExpressionValue.LooseEquals(l, r),
            TokenKind.NotEqual => !ExpressionValue.LooseEquals(l, r),
            TokenKind.LessThan => ExpressionValue.LessThan(l, r),
            TokenKind.LessThanOrEqual => ExpressionValue.LessThanOrEqual(l, r),
            TokenKind.GreaterThan => ExpressionValue.GreaterThan(l, r),
            _ => ExpressionValue.GreaterThanOrEqual(l, r),
        });
    }

    public override IEnumerable<Node> DescendantsAndSelf() =>
        Left.DescendantsAndSelf().Concat(Right.DescendantsAndSelf()).Prepend(this);
}

/// <summary>n-ary <c>&amp;&amp;</c> (or <c>||</c>): returns the first falsy (truthy) operand, else the last; short-circuits.</summary>
internal sealed class LogicalNode(int offset, bool isAnd, Node[] operands) : Node(offset, 1 + MaxDepth(operands))
{
    public bool IsAnd { get; } = isAnd;

    public IReadOnlyList<Node> Operands { get; } = operands;

    protected override ExpressionValue EvaluateCore(EvaluationState state)
    {
        ExpressionValue value = default;
        foreach (var operand in Operands)
        {
            value = operand.Evaluate(state);
            if (value.IsTruthy != IsAnd)
            {
                return value;
            }
        }

        return value;
    }

    public override IEnumerable<Node> DescendantsAndSelf() =>
        Operands.SelectMany(o => o.DescendantsAndSelf()).Prepend(this);
}

internal sealed class FunctionNode(int offset, string name, FunctionInfo? function, Node[] arguments) : Node(offset, 1 + MaxDepth(arguments))
{
    public string Name { get; } = name;

    /// <summary>Null when the name is not a known function (the expression then never validates).</summary>
    public FunctionInfo? Function { get; } = function;

    public IReadOnlyList<Node> Arguments { get; } = arguments;

    protected override ExpressionValue EvaluateCore(EvaluationState state) =>
        Function is null
            ? throw state.Error($"Unrecognized function: '{Name}'", Offset)
            : Function.Invoke(this, state);

    public override IEnumerable<Node> DescendantsAndSelf() =>
        Arguments.SelectMany(o => o.DescendantsAndSelf()).Prepend(this);
}
