using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Platform.Text;
using Catalytic.Platform.Yaml;
using Catalytic.Status.Conditions;

namespace Catalytic.Status.Config;

/// <summary>
/// Typed reads of the status sections' nodes (Platform's YAML layer) that collect every error as a
/// <see cref="ConfigError"/> with file:line:column instead of stopping at the first: Platform's reader has no
/// durations, ranges or lists-of-one, and the status messages name keys as they always did.
/// </summary>
internal sealed class YamlReader(string file)
{
    public string File { get; } = file;

    public List<ConfigError> Errors { get; } = [];

    public void Error(YamlNode? node, string message) =>
        Errors.Add(new ConfigError(File, node is null ? 1 : Line(node.Start), node is null ? 1 : Column(node.Start), message));

    public void ErrorAt(YamlMark mark, int offset, string message) => Errors.Add(new ConfigError(File, Line(mark), Column(mark) + offset, message));

    public static int Line(YamlMark m) => Math.Max(1, m.Line);

    public static int Column(YamlMark m) => Math.Max(1, m.Column);

    public string Where(YamlNode node) => $"{File}:{Line(node.Start)}:{Column(node.Start)}";

    public static YamlNode? Get(YamlMapping map, string key) =>
        map[key];

    public void CheckKeys(YamlMapping map, IReadOnlyCollection<string> allowed, string where)
    {
        foreach (var (key, _) in map.Entries)
        {
            var name = (key as YamlScalar)?.Value ?? "";
            if (!allowed.Contains(name))
            {
                var hint = allowed.OrderBy(a => Suggestions.Distance(a, name)).First();
                Error(key, $"unknown key `{name}` in {where}" + (Suggestions.Distance(hint, name) <= 3 ? $"; did you mean `{hint}`?" : $"; expected one of {string.Join(", ", allowed)}"));
            }
        }
    }

    public YamlMapping? Map(YamlNode? node, string what)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlMapping m)
        {
            return m;
        }

        Error(node, $"{what} must be a mapping");
        return null;
    }

    public string? String(YamlMapping map, string key)
    {
        var node = Get(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalar s)
        {
            return s.Value;
        }

        Error(node, $"`{key}` must be a single value");
        return null;
    }

    public int? Int(YamlMapping map, string key, int min, int max)
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

    public bool? Bool(YamlMapping map, string key)
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

    public TimeSpan? Duration(YamlMapping map, string key, TimeSpan? min = null)
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
    public ImmutableArray<(string Value, YamlNode Node)>? List(YamlMapping map, string key)
    {
        var node = Get(map, key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalar s:
                return [(s.Value ?? "", s)];
            case YamlSequence seq:
                var items = ImmutableArray.CreateBuilder<(string, YamlNode)>();
                foreach (var item in seq.Items)
                {
                    if (item is YamlScalar v)
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
    public ImmutableSortedDictionary<string, string>? Pairs(YamlMapping map, string key)
    {
        if (Map(Get(map, key), $"`{key}`") is not { } m)
        {
            return null;
        }

        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Entries)
        {
            if (k is YamlScalar ks && v is YamlScalar vs)
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
