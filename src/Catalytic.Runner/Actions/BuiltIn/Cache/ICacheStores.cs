using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Actions.BuiltIn.Cache;

/// <summary>Where caches shared by runs are kept: the state folder (<see cref="LocalCacheStores"/>) or, for a remote worker, its server.</summary>
public interface ICacheStores
{
    /// <summary>The cache store, bounded by <paramref name="maxBytesSetting"/> (<see cref="CacheStore.MaxBytesVariable"/>; null: the default).</summary>
    ICacheStore Open(string? maxBytesSetting);
}

/// <summary>One cache store: what <c>actions/cache</c> restores from and saves to.</summary>
public interface ICacheStore
{
    /// <summary>The store's size limit; older entries are evicted past it.</summary>
    long MaxBytes { get; }

    /// <summary>The entry for <paramref name="key"/>, else the newest entry whose key starts with a restore key (GitHub's order).</summary>
    CacheLookup Find(string key, IReadOnlyList<string> restoreKeys, string version);

    IReadOnlyList<CacheEntry> List();

    /// <summary>The entry's archive, to read.</summary>
    Stream OpenRead(CacheEntry entry);

    /// <summary>Saves an archive under <paramref name="key"/> (written by <paramref name="writeArchive"/>), unless the key is taken.</summary>
    CacheSaveOutcome Save(string key, string version, Action<Stream> writeArchive, out CacheEntry? saved);
}

/// <summary>Caches under the repository's state folder (<c>.catalytic/cache/</c>); <paramref name="log"/> hears of a record left out of a listing.</summary>
public sealed class LocalCacheStores(string stateDirectory, TimeProvider time, ILogger? log = null) : ICacheStores
{
    public ICacheStore Open(string? maxBytesSetting) => CacheStore.ForStateDirectory(stateDirectory, maxBytesSetting, time, log);
}
