using System.Text.Json;
using System.Text.Json.Serialization;

namespace Catalytic.Server.Api;

/// <summary>
/// One stored log line as a worker wrote it (the runner's <c>WorkerMessage</c> with its <c>line</c>), read with only
/// the fields the API serves, so the server does not reference the runner (LayeringTests). A line that is not such a
/// message (another message kind, or bytes a broken worker sent) is skipped, not an error in the middle of a stream.
/// </summary>
internal sealed record StoredLogLine(string? Step, string? Text, string? Kind, DateTimeOffset? At)
{
    public static StoredLogLine? Read(string text)
    {
        try
        {
            return JsonSerializer.Deserialize(text, StoredLogJson.Default.StoredLogMessage)?.Line;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The envelope: a worker message holding a line.</summary>
internal sealed record StoredLogMessage(StoredLogLine? Line);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredLogMessage))]
internal sealed partial class StoredLogJson : JsonSerializerContext;
