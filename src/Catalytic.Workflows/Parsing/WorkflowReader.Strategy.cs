using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>`jobs.&lt;id&gt;.strategy`: the matrix (vectors, include, exclude), fail-fast and max-parallel.</summary>
internal sealed partial class WorkflowReader
{
    private Strategy? ReadStrategy(TemplateNode node, string what)
    {
        if (node is TemplateScalar es && IsExpression(es))
        {
            Track(es, ExpressionLocation.JobStrategy);
            return new Strategy(null, null, null, es.Span) { Expression = es };
        }

        if (Mapping(node, what) is not { } map)
        {
            return null;
        }

        CheckKeys(map, $"'{what}'", WorkflowSchema.StrategyKeys);
        TemplateNode? matrix = null;
        if (map["matrix"] is { } m)
        {
            matrix = ReadMatrix(m, what + ".matrix");
        }

        var failFast = map["fail-fast"] is { } ff ? Boolean(ff, what + ".fail-fast", ExpressionLocation.JobStrategy) : null;
        var maxParallel = map["max-parallel"] is { } mp ? Number(mp, what + ".max-parallel", ExpressionLocation.JobStrategy) : null;
        if (maxParallel is { IsPlain: true } mps && double.TryParse(mps.Value, System.Globalization.CultureInfo.InvariantCulture, out var mpv) && mpv < 1)
        {
            Error(mps.Span, $"'{what}.max-parallel' must be at least 1, found {mps.Value}");
        }

        return new Strategy(matrix, failFast, maxParallel, map.Span);
    }

    private TemplateNode? ReadMatrix(TemplateNode node, string what)
    {
        if (node is TemplateScalar s)
        {
            if (!IsExpression(s))
            {
                Error(s.Span, $"'{what}' must be a mapping of vectors or an expression such as '${{{{ fromJSON(needs.setup.outputs.matrix) }}}}', found {Describe(s)}");
                return null;
            }

            Track(s, ExpressionLocation.JobStrategy);
            return s;
        }

        if (Mapping(node, what) is not { } map)
        {
            return null;
        }

        if (map.Entries.IsEmpty)
        {
            Error(map.Span, $"'{what}' must define at least one vector or 'include'");
        }

        foreach (var (key, value) in map.Entries)
        {
            // `${{ insert }}: ${{ fromJSON(…) }}` adds vectors known at run time; another `${{ }}` key names a vector.
            if (ContainsExpression(key) && (!ExpressionKey(key, value, ExpressionLocation.JobStrategy, what) || TemplateEvaluator.IsInsert(key)))
            {
                continue;
            }

            if (value is TemplateScalar vs && IsExpression(vs))
            {
                Track(vs, ExpressionLocation.JobStrategy);
                continue;
            }

            if (key.Value is "include" or "exclude")
            {
                if (value is not TemplateSequence filters)
                {
                    Error(value.Span, $"'{what}.{key.Value}' must be a sequence of mappings, found {Describe(value)}");
                    continue;
                }

                foreach (var item in filters.Items)
                {
                    if (item is TemplateScalar ie && IsExpression(ie))
                    {
                        Track(ie, ExpressionLocation.JobStrategy);
                    }
                    else if (item is not TemplateMapping)
                    {
                        Error(item.Span, $"each item of '{what}.{key.Value}' must be a mapping of matrix keys to values, found {Describe(item)}");
                    }
                    else
                    {
                        TrackTemplate(item, ExpressionLocation.JobStrategy);
                    }
                }

                if (key.Value == "exclude")
                {
                    CheckExcludeKeys(map, filters);
                }

                continue;
            }

            if (value is not TemplateSequence vector)
            {
                Error(value.Span, $"matrix vector '{key.Value}' must be a sequence of values, found {Describe(value)}");
                continue;
            }

            if (vector.Items.IsEmpty)
            {
                Error(vector.Span, $"matrix vector '{key.Value}' has no values");
            }

            TrackTemplate(vector, ExpressionLocation.JobStrategy);
        }

        return map;
    }

    /// <summary>GitHub rejects an exclude naming a key the matrix does not define.</summary>
    private void CheckExcludeKeys(TemplateMapping matrix, TemplateSequence excludes)
    {
        var vectors = matrix.Entries.Select(e => e.Key.Value).Where(k => k is not ("include" or "exclude")).ToList();
        if (matrix.Entries.Any(e => (e.Value is TemplateScalar s && IsExpression(s)) || ContainsExpression(e.Key)))
        {
            return; // a vector given by an expression: keys known only at run time.
        }

        foreach (var item in excludes.Items.OfType<TemplateMapping>())
        {
            foreach (var (key, _) in item.Entries)
            {
                if (!vectors.Contains(key.Value, StringComparer.Ordinal))
                {
                    Error(key.Span, $"matrix exclude names '{key.Value}', which is not a vector of the matrix{Suggestions.DidYouMean(key.Value, vectors)} (vectors: {string.Join(", ", vectors)})");
                }
            }
        }
    }
}
