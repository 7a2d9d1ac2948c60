using System.Collections.Immutable;
using System.Globalization;
using Catalytic.Platform.Text;

namespace Catalytic.Platform.Yaml;

/// <summary>Parses text into a value; false when the text is not one.</summary>
public delegate bool TryParseValue<T>(string text, out T value);

/// <summary>
/// Typed reads of mapping values that record an error at the value's position instead of throwing, so a reader goes on
/// and a person sees every problem of a file at once. A value absent from its mapping reads as null without an error;
/// the caller decides whether it was required. Messages name the key as <c>`key:`</c>.
/// </summary>
public sealed class YamlReader
{
    private readonly List<YamlError> _errors = [];

    /// <summary>Every error recorded so far, in the order found.</summary>
    public IReadOnlyList<YamlError> Errors => _errors;

    /// <summary>Records <paramref name="message"/> at <paramref name="node"/> (the start of the file when null).</summary>
    public void Error(YamlNode? node, string message) => _errors.Add(new YamlError(node?.Start ?? YamlMark.FileStart, message));

    /// <summary>Records <paramref name="message"/> at <paramref name="at"/>.</summary>
    public void Error(YamlMark at, string message) => _errors.Add(new YamlError(at, message));

    /// <summary>Reports every key of <paramref name="map"/> not in <paramref name="allowed"/>, with a "did you mean" when one is close.</summary>
    public void CheckKeys(YamlMapping map, IReadOnlyList<string> allowed) => CheckKeys(map, allowed, null);

    /// <summary>
    /// Reports every key of <paramref name="map"/> not in <paramref name="allowed"/>, saying where it stands
    /// (<c>unknown key 'x' in check 'web' (expected one of: …)</c>), with a "did you mean" when one is close.
    /// </summary>
    public void CheckKeys(YamlMapping map, IReadOnlyList<string> allowed, string? where)
    {
        foreach (var (key, _) in map.Entries)
        {
            if (!allowed.Contains(key.Value, StringComparer.Ordinal))
            {
                var at = where is null ? "" : $" in {where}";
                Error(key, $"unknown key '{key.Value}'{at} (expected one of: {string.Join(", ", allowed)}){Suggestions.DidYouMean(key.Value, allowed)}");
            }
        }
    }

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public YamlNode? Get(YamlMapping map, string key) => map[key];

    /// <summary>The mapping under <paramref name="key"/>; null (with an error when present but not a mapping).</summary>
    public YamlMapping? Map(YamlMapping map, string key)
    {
        switch (Get(map, key))
        {
            case null:
                return null;
            case YamlMapping m:
                return m;
            case var other:
                Error(other, $"`{key}:` must be a mapping");
                return null;
        }
    }

    /// <summary>
    /// <paramref name="node"/> as a mapping; null (with the error <c>WHAT must be a mapping</c> when present but not one).
    /// For nodes that are no mapping's value under a key: a list's items, a section's root.
    /// </summary>
    public YamlMapping? AsMapping(YamlNode? node, string what)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlMapping m:
                return m;
            default:
                Error(node, $"{what} must be a mapping");
                return null;
        }
    }

    /// <summary>
    /// The items of <paramref name="node"/> when it is a sequence; none, with <paramref name="message"/> at the node,
    /// when it is not (a list a reader goes through even when it is written wrong).
    /// </summary>
    public ImmutableArray<YamlNode> Items(YamlNode node, string message)
    {
        if (node is YamlSequence seq)
        {
            return seq.Items;
        }

        Error(node, message);
        return [];
    }

    /// <summary>The scalar under <paramref name="key"/>, empty allowed; null (with an error when present but not a scalar).</summary>
    public string? Scalar(YamlMapping map, string key)
    {
        switch (Get(map, key))
        {
            case null:
                return null;
            case YamlScalar s:
                return s.Value;
            case var other:
                Error(other, $"`{key}:` must be a single value");
                return null;
        }
    }

    /// <summary>A list of scalars under <paramref name="key"/>; a single scalar counts as a list of one.</summary>
    public ImmutableArray<YamlScalar>? List(YamlMapping map, string key)
    {
        switch (Get(map, key))
        {
            case null:
                return null;
            case YamlScalar s:
                return [s];
            case YamlSequence seq:
                var items = ImmutableArray.CreateBuilder<YamlScalar>();
                foreach (var item in seq.Items)
                {
                    if (item is YamlScalar v)
                    {
                        items.Add(v);
                    }
                    else
                    {
                        Error(item, $"`{key}:` items must be single values");
                    }
                }

                return items.ToImmutable();
            case var other:
                Error(other, $"`{key}:` must be a list");
                return null;
        }
    }

    /// <summary>A mapping of scalar to scalar under <paramref name="key"/> (labels, headers, matchers), in key order.</summary>
    public ImmutableSortedDictionary<string, string>? Pairs(YamlMapping map, string key)
    {
        if (Map(map, key) is not { } m)
        {
            return null;
        }

        var pairs = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Entries)
        {
            if (v is YamlScalar vs)
            {
                pairs[k.Value] = vs.Value;
            }
            else
            {
                Error(v, $"`{key}:` values must be single values");
            }
        }

        return pairs.ToImmutable();
    }

    /// <summary>A duration (<see cref="Durations"/>: 500ms, 30s, 1m30s, 90d) of at least <paramref name="min"/>.</summary>
    public TimeSpan? Duration(YamlMapping map, string key, TimeSpan? min = null)
    {
        if (Parse(map, key, (string s, out TimeSpan d) => Durations.TryParse(s, out d), "a duration such as 500ms, 30s, 5m, 4h or 90d") is not { } t)
        {
            return null;
        }

        if (min is { } least && t < least)
        {
            Error(Get(map, key), $"`{key}:` must be at least {Durations.Format(least)}");
            return null;
        }

        return t;
    }

    /// <summary>The non-empty scalar under <paramref name="key"/>; null (with an error when present but empty or not a scalar).</summary>
    public string? String(YamlMapping map, string key)
    {
        switch (Get(map, key))
        {
            case null:
                return null;
            case YamlScalar { Value.Length: > 0 } s:
                return s.Value;
            case var other:
                Error(other, $"`{key}:` must be a non-empty string");
                return null;
        }
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int? Int(YamlMapping map, string key, int min, int max) =>
        Parse(map, key, (string s, out int n) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n) && n >= min && n <= max,
            $"a whole number from {min} to {max}");

    /// <summary>A number.</summary>
    public double? Number(YamlMapping map, string key) =>
        Parse(map, key, (string s, out double n) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out n), "a number");

    /// <summary>true/yes/on or false/no/off.</summary>
    public bool? Bool(YamlMapping map, string key) => Parse<bool>(map, key, TryParseBool, "true or false");

    /// <summary>
    /// The scalar under <paramref name="key"/> parsed by <paramref name="parse"/>; when it does not parse, the error
    /// <c>`key:` 'text' must be EXPECTED</c> at the value.
    /// </summary>
    public T? Parse<T>(YamlMapping map, string key, TryParseValue<T> parse, string expected)
        where T : struct
    {
        var s = String(map, key);
        if (s is null)
        {
            return null;
        }

        if (parse(s, out var value))
        {
            return value;
        }

        Error(Get(map, key), $"`{key}:` '{s}' must be {expected}");
        return null;
    }

    private static bool TryParseBool(string s, out bool value)
    {
        switch (s)
        {
            case "true" or "yes" or "on":
                value = true;
                return true;
            case "false" or "no" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
