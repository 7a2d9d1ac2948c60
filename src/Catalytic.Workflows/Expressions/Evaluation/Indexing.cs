using Catalytic.Workflows.Expressions.Syntax;

namespace Catalytic.Workflows.Expressions.Evaluation;

/// <summary>
/// Property access, indexing and <c>*</c> filters with GitHub's rules: objects are indexed by the key converted
/// to a string (case-insensitive), arrays by the key converted to a number (floored; NaN, negative or out of
/// range give null), anything else gives null; a filter collects values into an array, and an index applied to
/// a filtered array applies to each element, keeping only the hits.
/// </summary>
internal static class Indexing
{
    public static ExpressionValue Apply(ExpressionValue target, Node? keyNode, EvaluationState state)
    {
        var isCollection = target.Kind is ExpressionValueKind.Array or ExpressionValueKind.Object;
        if (!isCollection)
        {
            // GitHub does not evaluate the key when there is nothing to index.
            return keyNode is null ? ExpressionValue.FromArray(ExpressionArray.CreateOwned([], true)) : default;
        }

        if (target.TryGetArray(out var filtered) && filtered.IsFiltered)
        {
            return ApplyToEach(filtered, keyNode, state);
        }

        if (keyNode is null)
        {
            var items = target.TryGetObject(out var obj)
                ? obj.Values.ToArray()
                : target.AsArray.ToArray();
            return ExpressionValue.FromArray(ExpressionArray.CreateOwned(items, true));
        }

        var key = keyNode.Evaluate(state);
        if (target.TryGetObject(out var o))
        {
            return key.IsPrimitive && o.TryGetValue(key.ToString(), out var value) ? value : default;
        }

        var array = target.AsArray;
        return TryGetIndex(key, array.Count, out var i) ? array[i] : default;
    }

    private static ExpressionValue ApplyToEach(ExpressionArray filtered, Node? keyNode, EvaluationState state)
    {
        var key = keyNode?.Evaluate(state) ?? default;
        var result = new List<ExpressionValue>();
        foreach (var item in filtered.AsSpan())
        {
            if (item.TryGetObject(out var obj))
            {
                if (keyNode is null)
                {
                    result.AddRange(obj.Values);
                }
                else if (key.IsPrimitive && obj.TryGetValue(key.ToString(), out var value))
                {
                    result.Add(value);
                }
            }
            else if (item.TryGetArray(out var array))
            {
                if (keyNode is null)
                {
                    result.AddRange(array);
                }
                else if (TryGetIndex(key, array.Count, out var i))
                {
                    result.Add(array[i]);
                }
            }
        }

        return ExpressionValue.FromArray(ExpressionArray.CreateOwned([.. result], true));
    }

    private static bool TryGetIndex(ExpressionValue key, int count, out int index)
    {
        var n = key.ToNumber();
        index = 0;
        if (double.IsNaN(n) || n < 0)
        {
            return false;
        }

        n = Math.Floor(n);
        if (n >= count)
        {
            return false;
        }

        index = (int)n;
        return true;
    }
}
