using System.Text.Json.Nodes;

namespace Catalytic.Pipelines.Events;

/// <summary>
/// Reading an event payload someone else wrote (a webhook body, an event file): a path through objects only, so a
/// sender sent as a string or a list where an object was expected reads as absent instead of throwing
/// (<c>JsonNode</c>'s indexer throws on a value or an array).
/// </summary>
public static class Payload
{
    /// <summary>The node at <paramref name="path"/> under <paramref name="node"/>, or null when a step is absent or not an object.</summary>
    public static JsonNode? At(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var name in path)
        {
            node = node is JsonObject o ? o[name] : null;
        }

        return node;
    }

    /// <summary>The non-empty string at <paramref name="path"/>, or null.</summary>
    public static string? Text(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
