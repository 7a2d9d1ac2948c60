using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Status.Conditions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Catalytic.Status.Config;

/// <summary>
/// Typed reads of YAML nodes that collect every error with its file:line:column instead of stopping at the first.
/// Kept apart from the section parsers so they move onto the shared YAML layer in one step when it lands.
/// </summary>
internal sealed class YamlReader(string file)
{
    public string File { get; } = file;

    public List<ConfigError> Errors { get; } = [];

    public void Error(YamlNode? node, string message) =>
        Errors.Add(new ConfigError(File, node is null ? 1 : Line(node.Start), node is null ? 1 : Column(node.Start), message));

    public void ErrorAt(Mark mark, int offset, string message) => Errors.Add(new ConfigError(File, Line(mark), Column(mark) + offset, message));

    public static int Line(Mark m) => (int)Math.Max(1, m.Line);

    public static int Column(Mark m) => (int)Math.Max(1, m.Column);

    public string Where(YamlNode node) => $"{File}:{Line(node.Start)}:{Column(node.Start)}";

    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    public void CheckKeys(YamlMappingNode map, IReadOnlyCollection<string> allowed, string where)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(name))
            {
                var hint = allowed.OrderBy(a => EditDistance.Between(a, name)).First();
                Error(key, $"unknown key `{name}` in {where}" + (EditDistance.Between(hint, name) <= 3 ? $"; did you mean `{hint}`?" : $"; expected one of {string.Join(", ", allowed)}"));
            }
        }
    }

    public YamlMappingNode? Map(YamlNode? node, string what)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlMappingNode m)
        {
            return m;
        }

        Error(node, $"{what} must be a mapping");
        return null;
    }

    public string? String(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode s)
        {
            return s.Value;
        }

        Error(node, $"`{key}` must be a single value");
        return null;
    }

    public int? Int(YamlMappingNode map, string key, int min, int max)
    {
        if (Get(map, key) is not { } node || String(map, key) is not { } s)
        {
            return null;
        }

        if (!int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            Error(node, $"`{key}` must be a whole number from {min} to {max}, not '{s}'");
            return null;
        }

        return n;
    }

    public bool? Bool(YamlMappingNode map, string key)
    {
        if (Get(map, key) is not { } node || String(map, key) is not { } s)
        {
            return null;
        }

        switch (s)
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(node, $"`{key}` must be true or false, not '{s}'");
                return null;
        }
    }

    public TimeSpan? Duration(YamlMappingNode map, string key, TimeSpan? min = null)
    {
        if (Get(map, key) is not { } node || String(map, key) is not { } s)
        {
            return null;
        }

        if (!Durations.TryParse(s, out var t))
        {
            Error(node, $"`{key}` must be a duration such as 500ms, 30s, 5m, 4h or 90d, not '{s}'");
            return null;
        }

        if (min is { } m && t < m)
        {
            Error(node, $"`{key}` must be at least {Durations.Format(m)}");
            return null;
        }

        return t;
    }

    /// <summary>A list of scalars; a single scalar counts as a list of one.</summary>
    public ImmutableArray<(string Value, YamlNode Node)>? List(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode s:
                return [(s.Value ?? "", s)];
            case YamlSequenceNode seq:
                var items = ImmutableArray.CreateBuilder<(string, YamlNode)>();
                foreach (var item in seq.Children)
                {
                    if (item is YamlScalarNode v)
                    {
                        items.Add((v.Value ?? "", v));
                    }
                    else
                    {
                        Error(item, $"`{key}` items must be single values");
                    }
                }

                return items.ToImmutable();
            default:
                Error(node, $"`{key}` must be a list");
                return null;
        }
    }

    /// <summary>A mapping of scalar to scalar (labels, headers, matchers).</summary>
    public ImmutableSortedDictionary<string, string>? Pairs(YamlMappingNode map, string key)
    {
        if (Map(Get(map, key), $"`{key}`") is not { } m)
        {
            return null;
        }

        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Children)
        {
            if (k is YamlScalarNode ks && v is YamlScalarNode vs)
            {
                b[ks.Value ?? ""] = vs.Value ?? "";
            }
            else
            {
                Error(v, $"`{key}` values must be single values");
            }
        }

        return b.ToImmutable();
    }
}
