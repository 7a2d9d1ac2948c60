using Lattice.Api.Storage;

namespace Lattice.Api.Paths;

/// <summary>Body of a path answer. <see cref="Cached"/> is true when the result was not computed for this request.</summary>
public sealed record PathResponse(
    string Id,
    bool Reachable,
    int? Length,
    int[][] Path,
    int Visited,
    string Algorithm,
    bool Cached,
    DateTimeOffset CreatedAt)
{
    public static PathResponse From(StoredPath stored, bool cached) =>
        new(stored.Id, stored.Reachable, stored.Length, stored.Path, stored.Visited, stored.Algorithm, cached, stored.CreatedAt);
}
