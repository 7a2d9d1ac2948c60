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
    public void CheckKeys(YamlMapping map, IReadOnlyList<string> allowed)
    {
        foreach (var (key, _) in map.Entries)
        {
            if (!allowed.Contains(key.Value, StringComparer.Ordinal))
            {
                Error(key, $"unknown key '{key.Value}' (expected one of: {string.Join(", ", allowed)}){Suggestions.DidYouMean(key.Value, allowed)}");
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
