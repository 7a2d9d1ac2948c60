using System.Text;
using Catalytic.Workflows.Expressions.Syntax;

namespace Catalytic.Workflows.Expressions.Evaluation;

/// <summary>The built-in functions, with GitHub's coercions. Arguments are evaluated only when needed.</summary>
internal static class Builtins
{
    public static ExpressionValue Contains(FunctionNode node, EvaluationState state)
    {
        var left = node.Arguments[0].Evaluate(state);
        if (left.IsPrimitive)
        {
            var right = node.Arguments[1].Evaluate(state);
            return left.ToString().Contains(right.ToString(), StringComparison.OrdinalIgnoreCase);
        }

        if (left.TryGetArray(out var array) && array.Count > 0)
        {
            var right = node.Arguments[1].Evaluate(state);
            foreach (var item in array.AsSpan())
            {
                if (ExpressionValue.LooseEquals(item, right))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public static ExpressionValue StartsWith(FunctionNode node, EvaluationState state) =>
        CompareEnds(node, state, static (l, r) => l.StartsWith(r, StringComparison.OrdinalIgnoreCase));

    public static ExpressionValue EndsWith(FunctionNode node, EvaluationState state) =>
        CompareEnds(node, state, static (l, r) => l.EndsWith(r, StringComparison.OrdinalIgnoreCase));

    private static ExpressionValue CompareEnds(FunctionNode node, EvaluationState state, Func<string, string, bool> test)
    {
        var left = node.Arguments[0].Evaluate(state);
        if (!left.IsPrimitive)
        {
            return false;
        }

        var right = node.Arguments[1].Evaluate(state);
        return right.IsPrimitive && test(left.ToString(), right.ToString());
    }

    public static ExpressionValue Join(FunctionNode node, EvaluationState state)
    {
        var items = node.Arguments[0].Evaluate(state);
        if (items.TryGetArray(out var array))
        {
            var separator = ",";
            if (node.Arguments.Count > 1)
            {
                var s = node.Arguments[1].Evaluate(state);
                if (s.IsPrimitive)
                {
                    separator = s.ToString();
                }
            }

            var sb = new StringBuilder();
            var span = array.AsSpan();
            for (var i = 0; i < span.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(separator);
                }

                sb.Append(span[i].ToString());
                state.EnsureRoom(sb.Length);
            }

            return sb.ToString();
        }

        return items.IsPrimitive ? items.ToString() : string.Empty;
    }

    public static ExpressionValue ToJson(FunctionNode node, EvaluationState state)
    {
        var value = node.Arguments[0].Evaluate(state);
        var sb = new StringBuilder();
        if (!ExpressionValue.AppendJson(sb, value, 0, state.MaxStringLength))
        {
            throw state.MemoryExceeded();
        }

        state.EnsureRoom(sb.Length);
        return sb.ToString();
    }

    public static ExpressionValue FromJson(FunctionNode node, EvaluationState state)
    {
        var json = node.Arguments[0].Evaluate(state).ToString();
        if (!ExpressionValue.TryParseJson(json, out var value, out var error))
        {
            throw state.Error($"Error parsing fromJson: {error}", node.Offset);
        }

        return value;
    }

    public static ExpressionValue Case(FunctionNode node, EvaluationState state)
    {
        var args = node.Arguments;
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            var predicate = args[i].Evaluate(state);
            if (predicate.Kind != ExpressionValueKind.Boolean)
            {
                throw state.Error("case predicate must evaluate to a boolean value", args[i].Offset);
            }

            if (predicate.AsBoolean)
            {
                return args[i + 1].Evaluate(state);
            }
        }

        return args[^1].Evaluate(state);
    }

    public static ExpressionValue HashFiles(FunctionNode node, EvaluationState state)
    {
        var hash = state.Context.HashFiles ?? throw state.Error("Unrecognized function: 'hashFiles'", node.Offset);
        var patterns = new string[node.Arguments.Count];
        for (var i = 0; i < patterns.Length; i++)
        {
            patterns[i] = node.Arguments[i].Evaluate(state).ToString();
        }

        try
        {
            return hash(patterns) ?? string.Empty;
        }
        catch (Exception e) when (e is not ExpressionException)
        {
            throw state.Error($"hashFiles('{string.Join(", ", patterns)}') failed: {e.Message}", node.Offset);
        }
    }

    public static ExpressionValue Success(FunctionNode node, EvaluationState state) => Status(node, state).Success;

    public static ExpressionValue Failure(FunctionNode node, EvaluationState state) => Status(node, state).Failure;

    public static ExpressionValue Cancelled(FunctionNode node, EvaluationState state) => Status(node, state).Cancelled;

    public static ExpressionValue Always(FunctionNode node, EvaluationState state)
    {
        _ = Status(node, state);
        return true;
    }

    private static StatusFunctions Status(FunctionNode node, EvaluationState state) =>
        state.Context.Status ?? throw state.Error($"Unrecognized function: '{node.Name}'", node.Offset);

    /// <summary>
    /// <c>format</c>: <c>{N}</c> is argument N+1 as a string, <c>{{</c> and <c>}}</c> are literal braces; anything
    /// else with a brace is invalid. Arguments are evaluated the first time they are referenced.
    /// </summary>
    public static ExpressionValue Format(FunctionNode node, EvaluationState state)
    {
        var format = node.Arguments[0].Evaluate(state).ToString();
        var args = node.Arguments;
        string?[]? cache = null;
        var sb = new StringBuilder(format.Length);
        var i = 0;
        while (i < format.Length)
        {
            var lbrace = format.IndexOf('{', i);
            var rbrace = format.IndexOf('}', i);
            if (lbrace >= 0 && (rbrace < 0 || rbrace > lbrace))
            {
                if (lbrace + 1 < format.Length && format[lbrace + 1] == '{')
                {
                    sb.Append(format, i, lbrace - i + 1);
                    i = lbrace + 2;
                    continue;
                }

                if (!TryReadPlaceholder(format, lbrace, out var argIndex, out var end))
                {
                    throw state.Error($"The following format string is invalid: {format}", node.Offset);
                }

                if (argIndex > args.Count - 2)
                {
                    throw state.Error($"The following format string references more arguments than were supplied: {format}", node.Offset);
                }

                sb.Append(format, i, lbrace - i);
                cache ??= new string?[args.Count - 1];
                sb.Append(cache[argIndex] ??= args[argIndex + 1].Evaluate(state).ToString());
                state.EnsureRoom(sb.Length);
                i = end + 1;
            }
            else if (rbrace >= 0)
            {
                if (rbrace + 1 < format.Length && format[rbrace + 1] == '}')
                {
                    sb.Append(format, i, rbrace - i + 1);
                    i = rbrace + 2;
                    continue;
                }

                throw state.Error($"The following format string is invalid: {format}", node.Offset);
            }
            else
            {
                sb.Append(format, i, format.Length - i);
                break;
            }
        }

        state.EnsureRoom(sb.Length);
        return sb.ToString();
    }

    // "{" digits "}" — GitHub's format accepts no alignment or format specifiers for expression values.
    private static bool TryReadPlaceholder(string format, int lbrace, out int argIndex, out int rbrace)
    {
        argIndex = 0;
        rbrace = lbrace + 1;
        while (rbrace < format.Length && char.IsAsciiDigit(format[rbrace]))
        {
            argIndex = (argIndex * 10) + (format[rbrace] - '0');
            if (argIndex > byte.MaxValue)
            {
                return false;
            }

            rbrace++;
        }

        return rbrace > lbrace + 1 && rbrace < format.Length && format[rbrace] == '}';
    }
}
