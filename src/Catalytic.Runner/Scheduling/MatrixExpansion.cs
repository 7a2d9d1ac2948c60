using System.Text.Json.Nodes;

namespace Catalytic.Runner.Scheduling;

/// <summary>
/// Expands an evaluated <c>strategy.matrix</c> (static or built at run time from <c>fromJSON</c>) into its
/// combinations, with GitHub's rules: the cartesian product of the vectors, minus <c>exclude</c> entries
/// (partial matches), then each <c>include</c> entry merged into every combination it does not contradict
/// on the original vectors — or added as a combination of its own when it fits none.
/// </summary>
public static class MatrixExpansion
{
    /// <summary>The combinations, or an error naming what is wrong with the matrix.</summary>
    public static (List<JsonObject> Combinations, string? Error) Expand(JsonNode? matrix)
    {
        if (matrix is not JsonObject m)
        {
            return ([], "the matrix must be a mapping");
        }

        var vectors = new List<(string Key, JsonArray Values)>();
        JsonArray? include = null;
        JsonArray? exclude = null;
        foreach (var (key, value) in m)
        {
            switch (key)
            {
                case "include":
                    include = value as JsonArray ?? (value is null ? [] : null);
                    if (include is null)
                    {
                        return ([], "matrix 'include' must be a sequence of mappings");
                    }

                    break;
                case "exclude":
                    exclude = value as JsonArray ?? (value is null ? [] : null);
                    if (exclude is null)
                    {
                        return ([], "matrix 'exclude' must be a sequence of mappings");
                    }

                    break;
                default:
                    if (value is not JsonArray arr)
                    {
                        return ([], $"matrix vector '{key}' must be a sequence");
                    }

                    if (arr.Count == 0)
                    {
                        return ([], $"matrix vector '{key}' is empty");
                    }

                    vectors.Add((key, arr));
                    break;
            }
        }

        var combos = new List<JsonObject>();
        if (vectors.Count > 0)
        {
            combos.Add([]);
            foreach (var (key, values) in vectors)
            {
                var next = new List<JsonObject>(combos.Count * values.Count);
                foreach (var c in combos)
                {
                    foreach (var v in values)
                    {
                        var copy = (JsonObject)c.DeepClone();
                        copy[key] = v?.DeepClone();
                        next.Add(copy);
                    }
                }

                combos = next;
            }
        }

        if (exclude is not null)
        {
            foreach (var e in exclude)
            {
                if (e is not JsonObject ex)
                {
                    return ([], "each matrix 'exclude' entry must be a mapping");
                }

                combos.RemoveAll(c => ex.All(kv => c.TryGetPropertyValue(kv.Key, out var cv) && JsonNode.DeepEquals(cv, kv.Value)));
            }
        }

        var originalKeys = vectors.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        var originals = combos.Select(c => (JsonObject)c.DeepClone()).ToList();
        var originalCount = combos.Count;
        if (include is not null)
        {
            foreach (var i in include)
            {
                if (i is not JsonObject inc)
                {
                    return ([], "each matrix 'include' entry must be a mapping");
                }

                var matched = false;
                for (var n = 0; n < originalCount; n++)
                {
                    var original = originals[n];
                    var fits = inc.All(kv => !originalKeys.Contains(kv.Key) || JsonNode.DeepEquals(original[kv.Key], kv.Value));
                    if (!fits)
                    {
                        continue;
                    }

                    matched = true;
                    foreach (var (k, v) in inc)
                    {
                        combos[n][k] = v?.DeepClone();
                    }
                }

                if (!matched)
                {
                    combos.Add((JsonObject)inc.DeepClone());
                }
            }
        }

        if (combos.Count > 256)
        {
            return ([], $"the matrix has {combos.Count} combinations; GitHub allows at most 256");
        }

        return (combos, null);
    }
}
