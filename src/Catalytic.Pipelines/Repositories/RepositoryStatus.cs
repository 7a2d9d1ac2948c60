namespace Catalytic.Pipelines.Repositories;

/// <summary>
/// How a repository's triggers stand, for the API and the log: whether its last fetch worked, and if not the reason a
/// person can act on (credentials are never in it).
/// </summary>
/// <param name="Name">The repository's name.</param>
/// <param name="Source">Its folder or URL (without credentials).</param>
/// <param name="Healthy">True when the last fetch worked.</param>
/// <param name="Reason">Why the last fetch failed; null when healthy.</param>
/// <param name="LastFetch">When the refs were last read successfully.</param>
/// <param name="LastFailure">When the last failure happened.</param>
/// <param name="DefaultBranch">The default branch (schedules, repository_dispatch), once known.</param>
/// <param name="Branches">How many branches the mirror holds.</param>
/// <param name="Tags">How many tags the mirror holds.</param>
public sealed record RepositoryStatus(
    string Name,
    string Source,
    bool Healthy,
    string? Reason,
    DateTimeOffset? LastFetch,
    DateTimeOffset? LastFailure,
    string? DefaultBranch,
    int Branches,
    int Tags);
