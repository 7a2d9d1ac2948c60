namespace Lattice.Api.Storage;

/// <summary>Durable home of computed results (PostgreSQL, or memory when none is configured).</summary>
public interface IPathStore
{
    /// <summary>"postgres" or "memory", reported by /healthz.</summary>
    string Kind { get; }

    Task<StoredPath?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Saves a result; saving an id that exists keeps the first one (results are deterministic).</summary>
    Task SaveAsync(StoredPath path, CancellationToken cancellationToken);

    /// <summary>True when the store answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}

/// <summary>Fast copy of recent results (Redis, or memory when none is configured). Misses are normal.</summary>
public interface IPathCache
{
    /// <summary>"redis" or "memory", reported by /healthz.</summary>
    string Kind { get; }

    Task<StoredPath?> GetAsync(string id, CancellationToken cancellationToken);

    Task SetAsync(StoredPath path, CancellationToken cancellationToken);

    Task<bool> PingAsync(CancellationToken cancellationToken);
}
