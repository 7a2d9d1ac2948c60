namespace Lattice.Api.Storage;

/// <summary>A computed result as kept by the store and the cache.</summary>
public sealed record StoredPath(
    string Id,
    bool Reachable,
    int? Length,
    int[][] Path,
    int Visited,
    string Algorithm,
    DateTimeOffset CreatedAt);
