using System.Net;
using System.Text.Json;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Workers.Files;
using Catalytic.Pipelines.Workers.Protocol;
using Catalytic.Platform.Archives;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Polly;

namespace Catalytic.Pipelines.Workers.Client;

/// <summary>
/// A run's artifacts as a remote worker sees them: kept by the server, so a job on another worker finds them. An
/// upload is first stored in the job's own folder (as <c>catalytic run</c> stores it: a copy, so the workspace may
/// change meanwhile), then sent as one tar stream, retried whole while the server is away; the server makes it visible
/// only once it has arrived whole. A download is fetched once per job into that folder.
/// </summary>
internal sealed class RemoteArtifactStore(WorkerConnection server, string lease, string folder, ResiliencePipeline retry, CancellationToken ct) : IArtifactStore
{
    private readonly LocalArtifactStore _local = new(folder);

    public IReadOnlyList<ArtifactInfo> List() => retry.Execute(() =>
    {
        using var response = server.Send(HttpMethod.Get, WorkerRoutes.LeasePath(lease, WorkerRoutes.Artifacts), null, ct);
        Check(response);
        return (IReadOnlyList<ArtifactInfo>)[.. Read(response, WorkerJson.Default.IReadOnlyListWorkerArtifactView).Select(WorkerWire.Info)];
    });

    public string FilesOf(string name)
    {
        var target = _local.FilesOf(name);
        if (Directory.Exists(target))
        {
            return target;
        }

        var incoming = target + ".download-" + Guid.NewGuid().ToString("N");
        try
        {
            retry.Execute(() =>
            {
                if (Directory.Exists(incoming))
                {
                    Directory.Delete(incoming, recursive: true);
                }

                using var response = server.Send(HttpMethod.Get, WorkerRoutes.ArtifactPath(lease, name), null, ct);
                Check(response);
                using var body = response.Content.ReadAsStream(ct);
                // The server's own artifact: bounded only by what it accepted.
                Unavailable(() => TarTransfer.ExtractAsync(body, incoming, new TarLimits(long.MaxValue, int.MaxValue), ct).GetAwaiter().GetResult());
            });
            Directory.Move(incoming, target);
            return target;
        }
        finally
        {
            if (Directory.Exists(incoming))
            {
                Directory.Delete(incoming, recursive: true);
            }
        }
    }

    public ArtifactInfo? Store(string name, IReadOnlyList<(string Source, string RelativePath)> files, int? retentionDays, bool overwrite, TimeProvider time, out string? error)
    {
        // Overwritten locally either way: whether the name is taken is the server's to say.
        if (_local.Store(name, files, retentionDays, overwrite: true, time, out error) is null)
        {
            return null;
        }

        var source = _local.FilesOf(name);
        var query = $"?overwrite={(overwrite ? "true" : "false")}" + (retentionDays is { } days ? $"&retention-days={days}" : "");
        var (info, refusal) = retry.Execute(() =>
        {
            using var response = server.Send(HttpMethod.Put, WorkerRoutes.ArtifactPath(lease, name) + query, new TarFolderContent(source, ct), ct);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                return ((ArtifactInfo?)null, $"Failed to CreateArtifact: an artifact with the name '{name}' already exists on this run (set overwrite: true to replace it)");
            }

            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the server did not store artifact '{name}': {(int)response.StatusCode} {WorkerConnection.Detail(response.Content.ReadAsStringAsync(ct).GetAwaiter().GetResult())}");
            }

            return (WorkerWire.Info(Read(response, WorkerJson.Default.WorkerArtifactView)), (string?)null);
        });
        if (info is null)
        {
            Directory.Delete(source, recursive: true);
        }

        error = refusal;
        return info;
    }

    internal static void Check(HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 500)
        {
            throw new WorkerServerUnavailableException($"{(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new WorkerRefusedException((int)response.StatusCode, WorkerConnection.Detail(response.Content.ReadAsStringAsync().GetAwaiter().GetResult()));
        }
    }

    internal static T Read<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        Unavailable(() =>
        {
            using var stream = response.Content.ReadAsStream();
            return JsonSerializer.Deserialize(stream, type) ?? throw new WorkerRefusedException((int)response.StatusCode, "an empty answer");
        });

    /// <summary>Runs <paramref name="read"/>; an answer that broke off is the server being away (retried), not a refusal.</summary>
    internal static T Unavailable<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException and not TarRefusedException || e is HttpRequestException)
        {
            throw new WorkerServerUnavailableException("the answer broke off: " + e.Message, e);
        }
    }
}

/// <summary>
/// The repository's caches as a remote worker sees them: kept by the server for every run of the repository. An
/// archive is written to a file first and sent whole (retried while the server is away); a restore reads it from the
/// server into a file that goes away when closed.
/// </summary>
internal sealed class RemoteCacheStores(WorkerConnection server, string lease, string folder, ResiliencePipeline retry, CancellationToken ct) : ICacheStores, ICacheStore
{
    public long MaxBytes { get; private set; } = CacheStore.DefaultMaxBytes;

    // The server's limit applies: the store is shared by every run of the repository.
    public ICacheStore Open(string? maxBytesSetting) => this;

    public CacheLookup Find(string key, IReadOnlyList<string> restoreKeys, string version) => retry.Execute(() =>
    {
        var body = WorkerConnection.Json(new WorkerCacheLookupBody(key, restoreKeys, version), WorkerJson.Default.WorkerCacheLookupBody);
        using var response = server.Send(HttpMethod.Post, WorkerRoutes.LeasePath(lease, WorkerRoutes.CacheLookup), body, ct);
        RemoteArtifactStore.Check(response);
        var found = RemoteArtifactStore.Read(response, WorkerJson.Default.WorkerCacheLookupView);
        return found.Entry is { } e ? new CacheLookup(WorkerWire.Entry(e), found.ExactMatch) : CacheLookup.Miss;
    });

    public IReadOnlyList<CacheEntry> List() => retry.Execute(() =>
    {
        using var response = server.Send(HttpMethod.Get, WorkerRoutes.LeasePath(lease, WorkerRoutes.Caches), null, ct);
        RemoteArtifactStore.Check(response);
        return (IReadOnlyList<CacheEntry>)[.. RemoteArtifactStore.Read(response, WorkerJson.Default.IReadOnlyListWorkerCacheEntryView).Select(WorkerWire.Entry)];
    });

    public Stream OpenRead(CacheEntry entry)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "restore-" + Guid.NewGuid().ToString("N"));
        retry.Execute(() =>
        {
            using var response = server.Send(HttpMethod.Get, WorkerRoutes.CachePath(lease, entry.Id), null, ct);
            RemoteArtifactStore.Check(response);
            RemoteArtifactStore.Unavailable(() =>
            {
                using var body = response.Content.ReadAsStream(ct);
                using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
                body.CopyTo(file);
                return 0;
            });
        });
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose);
    }

    public CacheSaveOutcome Save(string key, string version, Action<Stream> writeArchive, out CacheEntry? saved)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "save-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                writeArchive(file);
            }

            var query = $"?key={Uri.EscapeDataString(key)}&version={Uri.EscapeDataString(version)}";
            var answer = retry.Execute(() =>
            {
                using var archive = new FileStream(path, FileMode.Open, FileAccess.Read);
                using var response = server.Send(HttpMethod.Put, WorkerRoutes.LeasePath(lease, WorkerRoutes.Caches) + query, new StreamContent(archive), ct);
                RemoteArtifactStore.Check(response);
                return RemoteArtifactStore.Read(response, WorkerJson.Default.WorkerCacheSaveView);
            });
            MaxBytes = answer.MaxBytes;
            saved = answer.Entry is { } e ? WorkerWire.Entry(e) : null;
            return WorkerWire.SaveOutcome(answer.Outcome);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
