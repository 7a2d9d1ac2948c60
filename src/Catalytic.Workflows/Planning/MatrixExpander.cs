using System.Collections.Immutable;
using Catalytic.Workflows.Expressions;

namespace Catalytic.Workflows.Planning;

/// <summary>The combinations of a matrix, or why it cannot be expanded.</summary>
public sealed record MatrixExpansion(ImmutableArray<ExpressionObject> Combinations, string? Error)
{
    public bool IsValid => Error is null;
}

/// <summary>
/// Expands an evaluated `strategy.matrix` with GitHub's rules ("Expanding or adding matrix configurations"):
/// the cartesian product of the vectors in the order written; every `exclude` entry removes the combinations it
/// matches partially (all of its keys equal); then each `include` entry is merged into every original combination
/// whose original (vector) values it does not change — values it adds may overwrite values added by an earlier
/// include — and when it fits none it becomes a combination of its own. At most 256 combinations.
/// Used for static matrices at plan time and by the runner for matrices built at run time (`fromJSON`).
/// </summary>
public static class MatrixExpander
{
    /// <summary>GitHub's limit of jobs one matrix may generate.</summary>
    public const int MaxCombinations = 256;

    public static MatrixExpansion Expand(ExpressionValue matrix)
    {
        if (!matrix.TryGetObject(out var m))
        {
            return Fail($"the matrix must be a mapping of vectors, not {Describe(matrix)}");
        }

        var vectors = new List<(string Key, ExpressionArray Values)>();
        ExpressionArray? include = null;
        ExpressionArray? exclude = null;
        foreach (var (key, value) in m)
        {
            if (key is "include" or "exclude")
            {
                if (value.IsNull)
                {
                    continue;
                }

                if (!value.TryGetArray(out var list) || list.Any(e => e.Kind != ExpressionValueKind.Object))
                {
                    return Fail($"matrix '{key}' must be a sequence of mappings");
                }

                if (key == "include")
                {
                    include = list;
                }
                else
                {
                    exclude = list;
                }

                continue;
            }

            if (!value.TryGetArray(out var values))
            {
                return Fail($"matrix vector '{key}' must be a sequence, not {Describe(value)}");
            }

            if (values.Count == 0)
            {
                return Fail($"matrix vector '{key}' has no values");
            }

            vectors.Add((key, values));
        }

        if (vectors.Count == 0 && (include is null || include.Count == 0))
        {
            return Fail("the matrix defines no vector and no 'include'");
        }

        // Cartesian product, checked against the limit as it grows so a huge matrix never materializes.
        var combinations = new List<ExpressionObject>();
        if (vectors.Count > 0)
        {
            long total = 1;
            foreach (var (_, values) in vectors)
            {
                total *= values.Count;
                if (total > 1_000_000)
                {
                    return Fail($"the matrix has more than {MaxCombinations} combinations (GitHub's limit)");
                }
            }

            combinations.Add(ExpressionObject.Empty);
            foreach (var (key, values) in vectors)
            {
                var next = new List<ExpressionObject>(combinations.Count * values.Count);
                foreach (var combination in combinations)
                {
                    foreach (var value in values)
                    {
                        next.Add(combination.With(key, value));
                    }
                }

                combinations = next;
            }
        }

        if (exclude is not null)
        {
            foreach (var entry in exclude)
            {
                var ex = entry.AsObject;
                combinations.RemoveAll(c => ex.All(kv => c.TryGetValue(kv.Key, out var v) && Matches(v, kv.Value)));
            }
        }

        var originalKeys = vectors.Select(v => v.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var originalCount = combinations.Count;
        var originals = combinations.ToArray();
        if (include is not null)
        {
            foreach (var entry in include)
            {
                var inc = entry.AsObject;
                var matched = false;
                for (var i = 0; i < originalCount; i++)
                {
                    var original = originals[i];
                    if (!inc.All(kv => !originalKeys.Contains(kv.Key) || (original.TryGetValue(kv.Key, out var v) && DeepEquals(v, kv.Value))))
                    {
                        continue;
                    }

                    matched = true;
                    var merged = combinations[i];
                    foreach (var (k, v) in inc)
                    {
                        merged = merged.With(k, v);
                    }

                    combinations[i] = merged;
                }

                if (!matched)
                {
                    combinations.Add(inc);
                }
            }
        }

        if (combinations.Count > MaxCombinations)
        {
            return Fail($"the matrix has {combinations.Count} combinations; GitHub allows at most {MaxCombinations}");
        }

        if (combinations.Count == 0)
        {
            return Fail("every combination of the matrix is excluded; the job would not run at all");
        }

        return new MatrixExpansion([.. combinations], null);
    }

    /// <summary>
    /// GitHub's default display name of a matrix job: `id (v1, v2)` with the combination's values in order
    /// (nested objects and arrays contribute their leaf values).
    /// </summary>
    public static string DisplayName(string baseName, ExpressionObject combination)
    {
        if (combination.Count == 0)
        {
            return baseName;
        }

        var parts = new List<string>();
        foreach (var (_, value) in combination)
        {
            Leaves(value, parts);
        }

        return $"{baseName} ({string.Join(", ", parts)})";
    }

    private static void Leaves(ExpressionValue value, List<string> into)
    {
        if (value.TryGetObject(out var obj))
        {
            foreach (var (_, v) in obj)
            {
                Leaves(v, into);
            }
        }
        else if (value.TryGetArray(out var arr))
        {
            foreach (var v in arr)
            {
                Leaves(v, into);
            }
        }
        else
        {
            into.Add(value.ToString());
        }
    }

    /// <summary>Exclude matching: equal values, and for objects a partial (subset) match.</summary>
    private static bool Matches(ExpressionValue actual, ExpressionValue pattern)
    {
        if (pattern.TryGetObject(out var p) && actual.TryGetObject(out var a))
        {
            return p.All(kv => a.TryGetValue(kv.Key, out var v) && Matches(v, kv.Value));
        }

        return DeepEquals(actual, pattern);
    }

    internal static bool DeepEquals(ExpressionValue a, ExpressionValue b)
    {
        if (a.Kind != b.Kind)
        {
            return false;
        }

        if (a.TryGetArray(out var aa))
        {
            var ba = b.AsArray;
            return aa.Count == ba.Count && aa.Zip(ba).All(p => DeepEquals(p.First, p.Second));
        }

        if (a.TryGetObject(out var ao))
        {
            var bo = b.AsObject;
            return ao.Count == bo.Count && ao.All(kv => bo.TryGetValue(kv.Key, out var v) && DeepEquals(kv.Value, v));
        }

        return a.IsSameAs(b);
    }

    private static MatrixExpansion Fail(string error) => new([], error);

    private static string Describe(ExpressionValue v) => v.Kind switch
    {
        ExpressionValueKind.Null => "null",
        ExpressionValueKind.Array => "a sequence",
        ExpressionValueKind.Object => "a mapping",
        _ => $"'{v}'",
    };
}
