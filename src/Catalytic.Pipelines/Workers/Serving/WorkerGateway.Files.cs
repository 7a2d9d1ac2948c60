using System.Globalization;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Workers.Files;
using Catalytic.Pipelines.Workers.Protocol;
using Catalytic.Platform.Archives;
using Catalytic.Runner.Actions.BuiltIn.Cache;

namespace Catalytic.Pipelines.Workers.Serving;

/// <summary>
/// The artifact and cache routes. An upload is read into a folder of its own and stored only when it arrived whole and
/// the lease still holds (the runner's stores then rename it into place), so a worker that disconnects mid-upload, or
/// whose job went to another worker meanwhile, leaves nothing visible.
/// </summary>
public sealed partial class WorkerGateway
{
    private static readonly char[] InvalidArtifactNameCharacters = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/', '\0'];

    /// <summary>The artifacts of the lease's run.</summary>
    public WorkerResult<IReadOnlyList<WorkerArtifactView>> ListArtifacts(string lease, string credential) =>
        LeaseSeals.Open(lease, credential) is { } opened
            ? new WorkerResult<IReadOnlyList<WorkerArtifactView>>([.. _files.Artifacts(opened.RunId).List().Select(WorkerWire.View)], null)
            : Refuse("artifacts", WorkerProblem.UnknownLease);

    /// <summary>The folder holding artifact <paramref name="name"/>'s files (to send as a tar stream).</summary>
    public WorkerResult<string> ArtifactFolder(string lease, string credential, string name)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("artifact", WorkerProblem.UnknownLease);
        }

        var store = _files.Artifacts(opened.RunId);
        return store.List().Any(a => a.Name == name)
            ? store.FilesOf(name)
            : Refuse("artifact", new WorkerProblem(404, "name", $"run {opened.RunId} has no artifact '{Printable(name)}'"));
    }

    /// <summary>Stores a tar stream as artifact <paramref name="name"/> of the lease's run: whole, or not at all.</summary>
    public async Task<WorkerResult<WorkerArtifactView>> StoreArtifactAsync(
        string lease, string credential, string name, Stream body, long? length, string? overwrite, string? retentionDays, CancellationToken ct)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("artifact", WorkerProblem.UnknownLease);
        }

        if (name.Length is 0 or > 256 || name.IndexOfAny(InvalidArtifactNameCharacters) >= 0 || name is "." or ".." || name.StartsWith(".upload-", StringComparison.Ordinal))
        {
            return Refuse("artifact", WorkerProblem.Invalid("name", "an artifact's name is 1 to 256 characters, none of \" : < > | * ? \\r \\n \\ /"));
        }

        if (overwrite is not (null or "true" or "false"))
        {
            return Refuse("artifact", WorkerProblem.Invalid("overwrite", "overwrite is true or false"));
        }

        int? retention = null;
        if (retentionDays is not null)
        {
            if (!int.TryParse(retentionDays, NumberStyles.None, CultureInfo.InvariantCulture, out var days) || days is < 1 or > 90)
            {
                return Refuse("artifact", WorkerProblem.Invalid("retention-days", "retention-days is 1 to 90"));
            }

            retention = days;
        }

        if (length > _files.MaxArtifactBytes)
        {
            return Refuse("artifact", WorkerProblem.TooLarge("body", $"the artifact is {length} bytes; the limit is {_files.MaxArtifactBytes}"));
        }

        var folder = _files.NewIncomingFolder();
        try
        {
            IReadOnlyList<string> files;
            try
            {
                files = await TarTransfer.ExtractAsync(body, folder, new TarLimits(_files.MaxArtifactBytes), ct);
            }
            catch (TarRefusedException e)
            {
                return Refuse("artifact", e.TooLarge ? WorkerProblem.TooLarge("body", "the artifact has " + e.Message) : WorkerProblem.Invalid("body", "the tar stream: " + e.Message));
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The worker went away mid-upload (or the server is stopping): what arrived is thrown away below.
                WorkerLog.UploadBroken(_log, opened.RunId, e.Message);
                throw;
            }

            if (await _dispatcher.RenewAsync(opened.LeaseId, ct) == LeaseVerdict.Revoked)
            {
                return Refuse("artifact", WorkerProblem.Revoked);
            }

            var store = _files.Artifacts(opened.RunId);
            var info = store.Store(name, [.. files.Select(f => (Path.Combine(folder, f), f))], retention, overwrite == "true", _time, out var error);
            if (info is null)
            {
                return Refuse("artifact", new WorkerProblem(409, "name", error ?? $"artifact '{name}' exists"));
            }

            WorkerLog.ArtifactStored(_log, name, opened.RunId, info.FileCount, info.SizeBytes);
            return WorkerWire.View(info);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The cache entries of the lease's repository.</summary>
    public WorkerResult<IReadOnlyList<WorkerCacheEntryView>> ListCaches(string lease, string credential) =>
        LeaseSeals.Open(lease, credential) is { } opened
            ? new WorkerResult<IReadOnlyList<WorkerCacheEntryView>>([.. _files.Caches(opened.Repository).List().Select(WorkerWire.View)], null)
            : Refuse("caches", WorkerProblem.UnknownLease);

    /// <summary><c>actions/cache</c>'s lookup in the lease's repository's store.</summary>
    public WorkerResult<WorkerCacheLookupView> LookupCache(string lease, string credential, ReadOnlyMemory<byte> body)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("cache lookup", WorkerProblem.UnknownLease);
        }

        if (Parse(body, MaxAcquireBytes, WorkerJson.Default.WorkerCacheLookupBody, out var lookup) is { } bad)
        {
            return Refuse("cache lookup", bad);
        }

        if ((CheckKey(lookup!.Key, "key") ?? CheckVersion(lookup.Version)) is { } invalid)
        {
            return Refuse("cache lookup", invalid);
        }

        var restoreKeys = lookup.RestoreKeys ?? [];
        if (restoreKeys.Count > 10)
        {
            return Refuse("cache lookup", WorkerProblem.Invalid("restoreKeys", "at most 10 restore keys"));
        }

        for (var i = 0; i < restoreKeys.Count; i++)
        {
            if (CheckKey(restoreKeys[i], $"restoreKeys[{i}]") is { } badKey)
            {
                return Refuse("cache lookup", badKey);
            }
        }

        var found = _files.Caches(opened.Repository).Find(lookup.Key, restoreKeys, lookup.Version);
        return new WorkerCacheLookupView(found.Entry is { } e ? WorkerWire.View(e) : null, found.IsExactMatch);
    }

    /// <summary>A cache entry's archive, to send (the access is recorded for least-recently-used eviction).</summary>
    public WorkerResult<Stream> OpenCache(string lease, string credential, string id)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("cache", WorkerProblem.UnknownLease);
        }

        var store = _files.Caches(opened.Repository);
        if (store.List().FirstOrDefault(e => e.Id == id) is not { } entry)
        {
            return Refuse("cache", new WorkerProblem(404, "id", $"no cache entry '{Printable(id)}' in repository {opened.Repository}"));
        }

        try
        {
            return store.OpenRead(entry);
        }
        catch (FileNotFoundException)
        {
            // Evicted between the listing and the open.
            return Refuse("cache", new WorkerProblem(404, "id", $"cache entry '{id}' was just evicted"));
        }
    }

    /// <summary>Saves an archive as the entry (<paramref name="key"/>, <paramref name="version"/>) of the lease's repository, unless it exists.</summary>
    public async Task<WorkerResult<WorkerCacheSaveView>> SaveCacheAsync(string lease, string credential, string? key, string? version, Stream body, long? length, CancellationToken ct)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("cache save", WorkerProblem.UnknownLease);
        }

        if ((CheckKey(key, "key") ?? CheckVersion(version)) is { } invalid)
        {
            return Refuse("cache save", invalid);
        }

        var store = _files.Caches(opened.Repository);
        if (length > store.MaxBytes)
        {
            return new WorkerCacheSaveView(WorkerWire.Name(CacheSaveOutcome.TooLarge), null, store.MaxBytes);
        }

        var folder = _files.NewIncomingFolder();
        try
        {
            var temp = Path.Combine(folder, "archive");
            bool tooLarge;
            try
            {
                tooLarge = !await CopyBoundedAsync(body, temp, store.MaxBytes, ct);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                WorkerLog.UploadBroken(_log, opened.RunId, e.Message);
                throw;
            }

            if (tooLarge)
            {
                return new WorkerCacheSaveView(WorkerWire.Name(CacheSaveOutcome.TooLarge), null, store.MaxBytes);
            }

            if (await _dispatcher.RenewAsync(opened.LeaseId, ct) == LeaseVerdict.Revoked)
            {
                return Refuse("cache save", WorkerProblem.Revoked);
            }

            var outcome = store.Save(key!, version!, output =>
            {
                using var input = File.OpenRead(temp);
                input.CopyTo(output);
            }, out var saved);
            WorkerLog.CacheSaved(_log, key!, opened.Repository, WorkerWire.Name(outcome));
            return new WorkerCacheSaveView(WorkerWire.Name(outcome), saved is null ? null : WorkerWire.View(saved), store.MaxBytes);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Copies <paramref name="body"/> into <paramref name="path"/>; false (and stops reading) past <paramref name="limit"/> bytes.</summary>
    private static async Task<bool> CopyBoundedAsync(Stream body, string path, long limit, CancellationToken ct)
    {
        await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, ct)) > 0)
        {
            total += n;
            if (total > limit)
            {
                return false;
            }

            await output.WriteAsync(buffer.AsMemory(0, n), ct);
        }

        return true;
    }

    /// <summary>GitHub's rule for a cache key: 1 to 512 characters, no commas.</summary>
    private static WorkerProblem? CheckKey(string? key, string field) =>
        key is { Length: >= 1 and <= 512 } && !key.Contains(',') && !key.Any(char.IsControl)
            ? null
            : WorkerProblem.Invalid(field, "a cache key is 1 to 512 characters, without commas or control characters");

    private static WorkerProblem? CheckVersion(string? version) =>
        version is { Length: 64 } && version.All(char.IsAsciiHexDigitLower)
            ? null
            : WorkerProblem.Invalid("version", "a cache version is 64 lowercase hex digits (the hash of the cached paths)");

    private static string Printable(string text) => new([.. text.Take(100).Select(c => char.IsControl(c) ? '?' : c)]);
}
