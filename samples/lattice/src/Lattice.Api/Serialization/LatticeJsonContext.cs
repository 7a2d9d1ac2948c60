using System.Text.Json;
using System.Text.Json.Serialization;
using Lattice.Api.Observability;
using Lattice.Api.Pathfinding;
using Lattice.Api.Paths;
using Lattice.Api.Storage;

namespace Lattice.Api.Serialization;

/// <summary>Source-generated JSON for everything the service reads and writes. Unknown request fields are errors.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PathRequest))]
[JsonSerializable(typeof(PathResponse))]
[JsonSerializable(typeof(StoredPath))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(int[][]))]
public sealed partial class LatticeJsonContext : JsonSerializerContext;
