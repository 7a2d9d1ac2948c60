using Lattice.Api.Observability;
using Lattice.Api.Pathfinding;
using Lattice.Api.Storage;

namespace Lattice.Api.Paths;

/// <summary>Finds a result in the cache, then the store, and computes it only when both miss.</summary>
public sealed partial class PathService(IPathStore store, IPathCache cache, LatticeMetrics metrics, TimeProvider time, ILogger<PathService> logger)
{
    public async Task<PathResponse> SolveAsync(LatticeProblem problem, CancellationToken cancellationToken)
    {
        var id = RequestKey.Of(problem);
        if (await TryCacheAsync(id, cancellationToken) is { } hit)
        {
            metrics.CacheHit("cache");
            return PathResponse.From(hit, cached: true);
        }

        if (await store.FindAsync(id, cancellationToken) is { } stored)
        {
            metrics.CacheHit("store");
            await TrySetCacheAsync(stored, cancellationToken);
            return PathResponse.From(stored, cached: true);
        }

        metrics.CacheMiss();
        var started = time.GetTimestamp();
        var result = PathSolver.Solve(problem, cancellationToken);
        metrics.Computation(result.Reachable, time.GetElapsedTime(started));
        var computed = new StoredPath(
            id,
            result.Reachable,
            result.Length,
            [.. result.Path],
            result.Visited,
            result.Algorithm.ToWire(),
            time.GetUtcNow());
        await store.SaveAsync(computed, cancellationToken);
        await TrySetCacheAsync(computed, cancellationToken);
        return PathResponse.From(computed, cached: false);
    }

    public async Task<PathResponse?> FindAsync(string id, CancellationToken cancellationToken)
    {
        if (await TryCacheAsync(id, cancellationToken) is { } hit)
        {
            return PathResponse.From(hit, cached: true);
        }

        return await store.FindAsync(id, cancellationToken) is { } stored ? PathResponse.From(stored, cached: true) : null;
    }

    // The cache only speeds things up: when Redis is down the request still succeeds from the store.
    private async Task<StoredPath?> TryCacheAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.GetAsync(id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.CacheError();
            LogCacheFailed(logger, e.Message);
            return null;
        }
    }

    private async Task TrySetCacheAsync(StoredPath path, CancellationToken cancellationToken)
    {
        try
        {
            await cache.SetAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.CacheError();
            LogCacheFailed(logger, e.Message);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Cache unavailable, continuing without it: {Reason}")]
    private static partial void LogCacheFailed(ILogger logger, string reason);
}
