using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Catalytic.Pipelines.Triggers;

/// <summary>One line of <see cref="RunRequestJournal"/>.</summary>
public sealed record JournalEntry(
    long RunId,
    int RunNumber,
    DateTimeOffset SubmittedAt,
    string Repository,
    string Workflow,
    string Event,
    string Ref,
    string Sha,
    string Actor,
    string Source,
    string? DeduplicationKey,
    string? Schedule,
    DateTimeOffset? ScheduledFor,
    IReadOnlyList<string> WorkflowErrors,
    JsonObject Payload);

/// <summary>The journal's JSON (source-generated: the server is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class JournalJson : JsonSerializerContext;

/// <summary>
/// The run queue of <c>catalytic serve</c> until the store of runs and its workers land (the queue helper replaces it
/// through <see cref="IRunQueue"/>): every accepted run request is appended, durably, as one JSON line to
/// <c>{state}/run-requests.jsonl</c>, with one entry per deduplication key across restarts, and the last fire time of each
/// schedule answered from it. Nothing runs from it; it records what the triggers decided, which is what a person (and
/// the trigger latency benchmark) can check.
/// </summary>
public sealed class RunRequestJournal : IRunQueue, IScheduleHistory
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RunCreated> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, string), DateTimeOffset> _fired = [];
    private long _last;

    /// <summary>Opens (or creates) the journal in <paramref name="stateDirectory"/>, reading what it holds.</summary>
    public RunRequestJournal(string stateDirectory, TimeProvider time)
    {
        Directory.CreateDirectory(stateDirectory);
        _path = Path.Combine(stateDirectory, "run-requests.jsonl");
        _time = time;
        if (!File.Exists(_path))
        {
            return;
        }

        foreach (var line in File.ReadLines(_path))
        {
            JournalEntry? e;
            try
            {
                e = JsonSerializer.Deserialize(line, JournalJson.Default.JournalEntry);
            }
            catch (JsonException)
            {
                continue; // a line torn by a crash mid-write: its request was never acknowledged
            }

            if (e is not null)
            {
                Remember(e);
            }
        }
    }

    /// <summary>The journal file.</summary>
    public string FilePath => _path;

    public Task<RunCreated> EnqueueAsync(RunRequest request, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (request.DeduplicationKey is { } key && _keys.TryGetValue(key, out var existing))
            {
                return Task.FromResult(existing with { Duplicate = true });
            }

            var number = _numbers.GetValueOrDefault(request.Repository + "\n" + request.WorkflowPath) + 1;
            var entry = new JournalEntry(_last + 1, number, _time.GetUtcNow(), request.Repository, request.WorkflowPath, request.EventName, request.Ref,
                request.Sha, request.Actor, request.Source, request.DeduplicationKey, request.Schedule, request.ScheduledFor, [.. request.WorkflowErrors], request.Payload);
            using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, JournalJson.Default.JournalEntry);
                stream.Write(bytes);
                stream.WriteByte((byte)'\n');
                stream.Flush(flushToDisk: true);
            }

            return Task.FromResult(Remember(entry));
        }
    }

    public Task<DateTimeOffset?> LastFiredAsync(string repository, string workflowPath, string cron, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return Task.FromResult<DateTimeOffset?>(_fired.TryGetValue((repository, workflowPath, cron), out var at) ? at : null);
        }
    }

    private RunCreated Remember(JournalEntry e)
    {
        var created = new RunCreated(e.RunId, e.RunNumber, false);
        _last = Math.Max(_last, e.RunId);
        _numbers[e.Repository + "\n" + e.Workflow] = Math.Max(e.RunNumber, _numbers.GetValueOrDefault(e.Repository + "\n" + e.Workflow));
        if (e.DeduplicationKey is { } key)
        {
            _keys[key] = created;
        }

        if (e.Schedule is { } cron && e.ScheduledFor is { } at)
        {
            _fired[(e.Repository, e.Workflow, cron)] = at;
        }

        return created;
    }

    /// <summary>For messages: the journal's path with the run id formatted.</summary>
    public override string ToString() => _path + " (" + _last.ToString(CultureInfo.InvariantCulture) + " runs)";
}
