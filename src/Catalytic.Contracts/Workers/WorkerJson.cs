using System.Text.Json;
using System.Text.Json.Serialization;

namespace Catalytic.Contracts.Workers;

/// <summary>Source-generated JSON of the worker protocol (web defaults: camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(WorkerAcquireBody))]
[JsonSerializable(typeof(WorkerAssignmentView))]
[JsonSerializable(typeof(LeaseAnswer))]
[JsonSerializable(typeof(WorkerReportBody))]
[JsonSerializable(typeof(WorkerCompleteBody))]
[JsonSerializable(typeof(WorkerArtifactView))]
[JsonSerializable(typeof(IReadOnlyList<WorkerArtifactView>))]
[JsonSerializable(typeof(IReadOnlyList<WorkerCacheEntryView>))]
[JsonSerializable(typeof(WorkerCacheLookupBody))]
[JsonSerializable(typeof(WorkerCacheLookupView))]
[JsonSerializable(typeof(WorkerCacheSaveView))]
[JsonSerializable(typeof(WorkerChecksView))]
[JsonSerializable(typeof(WorkerProbeBody))]
public sealed partial class WorkerJson : JsonSerializerContext;
