using Catalytic.Runner.Actions.BuiltIn.Globbing;

namespace Catalytic.Runner.Actions.BuiltIn.Cache;

/// <summary>What the three cache actions share: reading inputs, restoring, saving.</summary>
internal static class CacheOperations
{
    internal const string StateKey = "CACHE_KEY";
    internal const string StateMatchedKey = "CACHE_RESULT";

    public static ICacheStore StoreFor(ActionContext context, TimeProvider time) =>
        (context.Caches ?? new LocalCacheStores(context.StateDirectory, time)).Open(context.Env(CacheStore.MaxBytesVariable));

    /// <summary>Restores per the inputs; sets `cache-hit` (and the restore action's extra outputs). Returns the matched key or a failure.</summary>
    public static ActionResult Restore(ActionContext context, TimeProvider time, bool isRestoreAction, out string? matchedKey)
    {
        matchedKey = null;
        var key = context.Get("key");
        var paths = context.GetLines("path");
        if (key.Length == 0)
        {
            return ActionResult.Fail("Input required and not supplied: key");
        }

        if (paths.Count == 0)
        {
            return ActionResult.Fail("Input required and not supplied: path");
        }

        if (key.Length > 512 || key.Contains(','))
        {
            return ActionResult.Fail($"Key Validation Error: {key} cannot be larger than 512 characters or contain commas.");
        }

        var restoreKeys = context.GetLines("restore-keys");
        var lookupOnly = context.GetBool("lookup-only", false);
        var failOnMiss = context.GetBool("fail-on-cache-miss", false);
        var store = StoreFor(context, time);
        var lookup = store.Find(key, restoreKeys, CacheStore.VersionFor(paths));
        if (isRestoreAction)
        {
            context.SetOutput("cache-primary-key", key);
        }

        if (lookup.Entry is null)
        {
            context.SetOutput("cache-hit", "false");
            if (failOnMiss)
            {
                return ActionResult.Fail($"Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: {key}");
            }

            context.Log($"Cache not found for input keys: {string.Join(", ", restoreKeys.Prepend(key))}");
            return ActionResult.Success;
        }

        matchedKey = lookup.Entry.Key;
        if (isRestoreAction)
        {
            context.SetOutput("cache-matched-key", matchedKey);
        }

        context.SetOutput("cache-hit", lookup.IsExactMatch ? "true" : "false");
        if (lookupOnly)
        {
            context.Log($"Cache found and can be restored from key: {matchedKey}");
            return ActionResult.Success;
        }

        var started = time.GetTimestamp();
        using (var stream = store.OpenRead(lookup.Entry))
        {
            var files = CacheArchive.Extract(stream, context.Workspace);
            context.Log($"Cache restored from key: {matchedKey} ({files} files, {FormatSize(lookup.Entry.SizeBytes)} in {time.GetElapsedTime(started).TotalSeconds:0.00} s)");
        }

        return ActionResult.Success;
    }

    public static ActionResult Save(ActionContext context, TimeProvider time, string key, IReadOnlyList<string> paths)
    {
        if (key.Length == 0)
        {
            return ActionResult.Fail("Input required and not supplied: key");
        }

        var patterns = PathPatternSet.Parse(paths, context.Workspace, context.Home());
        var files = patterns.FindFiles(followSymlinks: false);
        if (files.Count == 0)
        {
            context.Log("Warning: Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.");
            return ActionResult.Success;
        }

        var store = StoreFor(context, time);
        var started = time.GetTimestamp();
        var outcome = store.Save(
            key,
            CacheStore.VersionFor(paths),
            stream => CacheArchive.Write(stream, context.Workspace, files.Select(f => (f.FullPath, f.IsSymlink, f.Info))),
            out var saved);
        switch (outcome)
        {
            case CacheSaveOutcome.Saved:
                context.Log($"Cache saved with key: {key} ({files.Count} files, {FormatSize(saved!.SizeBytes)} in {time.GetElapsedTime(started).TotalSeconds:0.00} s)");
                break;
            case CacheSaveOutcome.AlreadyExists:
                context.Log($"Warning: Failed to save: Unable to reserve cache with key {key}, another job may be creating this cache. (An entry with this key already exists; cache entries are immutable.)");
                break;
            case CacheSaveOutcome.TooLarge:
                context.Log($"Warning: Failed to save: Cache size is over the store's limit of {FormatSize(store.MaxBytes)} ({CacheStore.MaxBytesVariable}), not saving cache.");
                break;
        }

        return ActionResult.Success;
    }

    internal static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KB",
        _ => $"{bytes} B",
    };
}

/// <summary>
/// `actions/cache`: restores in the main step and saves in the post step when the primary key did not hit
/// exactly and the job succeeded (`post-if: success()`). `enableCrossOsArchive` and `upload-chunk-size` are
/// accepted and have no effect on one host.
/// </summary>
public sealed class CacheAction : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = ["actions/cache"];

    public Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var result = CacheOperations.Restore(context, context.Time, isRestoreAction: false, out var matched);
        if (!result.Succeeded)
        {
            return Task.FromResult(result);
        }

        context.SaveState(CacheOperations.StateKey, context.Get("key"));
        context.SaveState(CacheOperations.StateMatchedKey, matched ?? string.Empty);
        context.RegisterPost();
        return Task.FromResult(result);
    }

    public Task<ActionResult> PostAsync(ActionContext context, CancellationToken cancellationToken)
    {
        if (!string.Equals(context.JobStatus, "success", StringComparison.OrdinalIgnoreCase))
        {
            context.Log($"Post cache: skipped, the job's status is {context.JobStatus} (post-if: success()).");
            return Task.FromResult(ActionResult.Success);
        }

        var key = context.State.TryGetValue(CacheOperations.StateKey, out var k) && k.Length > 0 ? k : context.Get("key");
        var matched = context.State.TryGetValue(CacheOperations.StateMatchedKey, out var m) ? m : string.Empty;
        if (matched == key)
        {
            context.Log($"Cache hit occurred on the primary key {key}, not saving cache.");
            return Task.FromResult(ActionResult.Success);
        }

        if (context.GetBool("lookup-only", false))
        {
            context.Log("Post cache: lookup-only is set, not saving cache.");
            return Task.FromResult(ActionResult.Success);
        }

        return Task.FromResult(CacheOperations.Save(context, context.Time, key, context.GetLines("path")));
    }
}

/// <summary>`actions/cache/restore`: the restore half; outputs `cache-hit`, `cache-primary-key`, `cache-matched-key`.</summary>
public sealed class CacheRestoreAction : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = ["actions/cache/restore"];

    public Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(CacheOperations.Restore(context, context.Time, isRestoreAction: true, out _));
}

/// <summary>`actions/cache/save`: saves `path` under `key` right away (whatever the job's later outcome).</summary>
public sealed class CacheSaveAction : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = ["actions/cache/save"];

    public Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken) =>
        Task.FromResult(CacheOperations.Save(context, context.Time, context.Get("key"), context.GetLines("path")));
}
