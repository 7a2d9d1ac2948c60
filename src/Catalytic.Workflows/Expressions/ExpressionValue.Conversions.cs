using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Catalytic.Workflows.Expressions;

public readonly partial struct ExpressionValue
{
    private static readonly JsonDocumentOptions s_jsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 256,
    };

    /// <summary>Parses JSON text (what <c>fromJSON</c> does). Throws <see cref="JsonException"/> on invalid JSON.</summary>
    public static ExpressionValue FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json, s_jsonOptions);
        return FromJsonElement(document.RootElement);
    }

    /// <summary>Parses JSON text; false (and the reason) when it is not valid JSON.</summary>
    public static bool TryParseJson(string json, out ExpressionValue value, out string? error)
    {
        try
        {
            value = FromJson(json);
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            value = default;
            error = e.Message;
            return false;
        }
    }

    public static ExpressionValue FromJsonElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var builder = new ExpressionObject.Builder();
                foreach (var p in element.EnumerateObject())
                {
                    builder.Set(p.Name, FromJsonElement(p.Value));
                }

                return FromObject(builder.Build());
            case JsonValueKind.Array:
                var items = new ExpressionValue[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items[i++] = FromJsonElement(item);
                }

                return FromArray(ExpressionArray.CreateOwned(items, false));
            case JsonValueKind.String:
                return FromString(element.GetString());
            case JsonValueKind.Number:
                return FromNumber(element.GetDouble());
            case JsonValueKind.True:
                return True;
            case JsonValueKind.False:
                return False;
            default:
                return default;
        }
    }

    public static ExpressionValue FromJsonNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return default;
            case JsonObject obj:
                var builder = new ExpressionObject.Builder();
                foreach (var p in obj)
                {
                    builder.Set(p.Key, FromJsonNode(p.Value));
                }

                return FromObject(builder.Build());
            case JsonArray array:
                return FromArray(ExpressionArray.CreateOwned(array.Select(FromJsonNode).ToArray(), false));
            default:
                var value = node.AsValue();
                if (value.TryGetValue(out JsonElement element))
                {
                    return FromJsonElement(element);
                }

                if (value.TryGetValue(out string? s))
                {
                    return FromString(s);
                }

                if (value.TryGetValue(out bool b))
                {
                    return FromBoolean(b);
                }

                if (value.TryGetValue(out double d))
                {
                    return FromNumber(d);
                }

                // Another primitive (int, long, decimal…): its own converter writes it; no reflection needed.
                using (var document = JsonDocument.Parse(node.ToJsonString()))
                {
                    return FromJsonElement(document.RootElement.Clone());
                }
        }
    }

    /// <summary>
    /// Converts a .NET value: null, bool, numeric types, string, char, enums (their name), <see cref="ExpressionValue"/>,
    /// <see cref="JsonElement"/>, <see cref="JsonNode"/>, dictionaries with string keys (objects, in enumeration order) and
    /// other enumerables (arrays).
    /// </summary>
    public static ExpressionValue FromDotNet(object? value)
    {
        switch (value)
        {
            case null:
                return default;
            case ExpressionValue v:
                return v;
            case bool b:
                return FromBoolean(b);
            case string s:
                return FromString(s);
            case char c:
                return FromString(c.ToString());
            case double d:
                return FromNumber(d);
            case float or int or long or short or byte or sbyte or uint or ulong or ushort or decimal:
                return FromNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case Enum e:
                return FromString(e.ToString());
            case ExpressionArray a:
                return FromArray(a);
            case ExpressionObject o:
                return FromObject(o);
            case JsonElement element:
                return FromJsonElement(element);
            case JsonNode node:
                return FromJsonNode(node);
            case IDictionary dictionary:
                var builder = new ExpressionObject.Builder();
                foreach (DictionaryEntry entry in dictionary)
                {
                    builder.Set(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty, FromDotNet(entry.Value));
                }

                return FromObject(builder.Build());
            case IEnumerable<KeyValuePair<string, ExpressionValue>> pairs:
                return FromObject(ExpressionObject.Create(pairs));
            case IEnumerable<KeyValuePair<string, string>> stringPairs:
                return FromObject(ExpressionObject.Create(stringPairs.Select(p => new KeyValuePair<string, ExpressionValue>(p.Key, FromString(p.Value)))));
            case IEnumerable<KeyValuePair<string, object?>> objectPairs:
                return FromObject(ExpressionObject.Create(objectPairs.Select(p => new KeyValuePair<string, ExpressionValue>(p.Key, FromDotNet(p.Value)))));
            case IEnumerable enumerable:
                var items = new List<ExpressionValue>();
                foreach (var item in enumerable)
                {
                    items.Add(FromDotNet(item));
                }

                return FromArray(ExpressionArray.CreateOwned(items.ToArray(), false));
            default:
                return FromString(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// JSON text as <c>toJSON</c> writes it: two-space indentation, <c>"key": value</c>, empty collections as
    /// <c>[]</c>/<c>{}</c>, numbers as in <see cref="ToString"/>.
    /// </summary>
    public string ToJson()
    {
        var sb = new StringBuilder();
        AppendJson(sb, this, 0, int.MaxValue);
        return sb.ToString();
    }

    /// <summary>Converts to a <see cref="JsonNode"/> (null for <see cref="Null"/>); NaN and infinities become strings.</summary>
    public JsonNode? ToJsonNode() => Kind switch
    {
        ExpressionValueKind.Null => null,
        ExpressionValueKind.Boolean => JsonValue.Create(_number != 0),
        ExpressionValueKind.Number => double.IsFinite(_number) ? JsonValue.Create(_number) : JsonValue.Create(FormatNumber(_number)),
        ExpressionValueKind.String => JsonValue.Create((string)_ref!),
        ExpressionValueKind.Array => new JsonArray(((ExpressionArray)_ref!).Select(v => v.ToJsonNode()).ToArray()),
        _ => ToJsonObject((ExpressionObject)_ref!),
    };

    private static JsonObject ToJsonObject(ExpressionObject obj)
    {
        var result = new JsonObject();
        foreach (var (key, value) in obj)
        {
            result[key] = value.ToJsonNode();
        }

        return result;
    }

    /// <summary>Appends JSON; returns false as soon as the text grows past <paramref name="maxLength"/> characters.</summary>
    internal static bool AppendJson(StringBuilder sb, ExpressionValue value, int level, int maxLength)
    {
        switch (value.Kind)
        {
            case ExpressionValueKind.Null:
                sb.Append("null");
                break;
            case ExpressionValueKind.Boolean:
                sb.Append(value._number != 0 ? "true" : "false");
                break;
            case ExpressionValueKind.Number:
                sb.Append(FormatNumber(value._number));
                break;
            case ExpressionValueKind.String:
                AppendJsonString(sb, (string)value._ref!);
                break;
            case ExpressionValueKind.Array:
                var array = ((ExpressionArray)value._ref!).AsSpan();
                if (array.Length == 0)
                {
                    sb.Append("[]");
                    break;
                }

                sb.Append('[');
                for (var i = 0; i < array.Length; i++)
                {
                    sb.Append(i == 0 ? "\n" : ",\n").Append(' ', (level + 1) * 2);
                    if (!AppendJson(sb, array[i], level + 1, maxLength))
                    {
                        return false;
                    }
                }

                sb.Append('\n').Append(' ', level * 2).Append(']');
                break;
            default:
                var entries = ((ExpressionObject)value._ref!).AsSpan();
                if (entries.Length == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append('{');
                for (var i = 0; i < entries.Length; i++)
                {
                    sb.Append(i == 0 ? "\n" : ",\n").Append(' ', (level + 1) * 2);
                    AppendJsonString(sb, entries[i].Key);
                    sb.Append(": ");
                    if (!AppendJson(sb, entries[i].Value, level + 1, maxLength))
                    {
                        return false;
                    }
                }

                sb.Append('\n').Append(' ', level * 2).Append('}');
                break;
        }

        return sb.Length <= maxLength;
    }

    // Escapes like Newtonsoft.Json's default (which GitHub uses): quote, backslash, control characters,
    // U+0085, U+2028 and U+2029; everything else verbatim.
    internal static void AppendJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                _ when c < 0x20 || c == '\u0085' || c == '\u2028' || c == '\u2029' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (escape is not null)
            {
                sb.Append(s, start, i - start).Append(escape);
                start = i + 1;
            }
        }

        sb.Append(s, start, s.Length - start).Append('"');
    }
}
