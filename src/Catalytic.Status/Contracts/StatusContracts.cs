using System.Text.Json;
using System.Text.Json.Serialization;
using Catalytic.Status.Notifications;

namespace Catalytic.Status.Contracts;

/// <summary>One condition's outcome as the store keeps it with a result.</summary>
public sealed record StoredCondition(string Condition, bool Success, bool DegradedOnly);

/// <summary>Source-generated JSON for what Catalytic.Status writes itself: outbox payloads and stored labels and conditions (the API's shapes are in Catalytic.Contracts).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Notification))]
[JsonSerializable(typeof(IReadOnlyList<StoredCondition>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
public sealed partial class StatusJson : JsonSerializerContext;
