using System.Text.Json;
using System.Text.Json.Serialization;

namespace Catalytic.Contracts.Runs;

/// <summary>
/// One line of a job's log as a worker sends it and the server stores it: the <c>line</c> of a worker message, one
/// JSON document per stored line (<c>{"line":{"job":…,"step":…,"text":…,"kind":"Output","at":…}}</c>). The runner's
/// worker messages carry this record and the server's log API reads it back, so neither references the other.
/// <see cref="Kind"/> is the runner's line kind by name (<c>Output</c>, <c>GroupStart</c>, <c>InGroup</c>,
/// <c>GroupEnd</c>, <c>Runner</c>, …), passed on to the log API as it is.
/// </summary>
public sealed record StoredLogLine(string Job, string Step, string Text, string Kind, DateTimeOffset At)
{
    /// <summary>
    /// The line of one stored document, or null when it holds none: another message (a step started or finished, the
    /// job's outcome) or bytes that are no such document (what a broken worker sent) are skipped by a log stream, not an
    /// error in its middle. A line without its text, job or step is no line either.
    /// </summary>
    public static StoredLogLine? Read(string text)
    {
        try
        {
            return JsonSerializer.Deserialize(text, StoredLogJson.Default.StoredLogEntry)?.Line is { Job: not null, Step: not null, Text: not null } line ? line : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A stored log document as a reader sees it: the worker message's <c>line</c>, when it has one.</summary>
public sealed record StoredLogEntry(StoredLogLine? Line);

/// <summary>Source-generated JSON for reading stored log documents (the writer's context names the same record).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredLogEntry))]
public sealed partial class StoredLogJson : JsonSerializerContext;
