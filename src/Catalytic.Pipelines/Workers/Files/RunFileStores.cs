using System.Globalization;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Workers.Files;

/// <summary>
/// The artifacts and caches the server keeps, so the jobs of one run may land on different workers: a run's artifacts
/// under <c>STATE/run-files/runs/RUN/artifacts/</c>, a repository's caches under <c>STATE/run-files/caches/REPO/</c>,
/// with the runner's own stores (<see cref="ArtifactStore"/>: written beside and renamed into place, so nobody sees
/// half an artifact; <see cref="CacheStore"/>: the record written last). Remote workers reach them through the worker
/// protocol; the embedded worker uses them directly, so every job's artifacts are in one place whichever worker ran it.
/// </summary>
public sealed class RunFileStores
{
    private readonly TimeProvider _time;
    private readonly ILogger? _log;

    /// <param name="root">Usually <c>STATE/run-files</c>.</param>
    /// <param name="maxCacheBytes">Each repository's cache limit (least recently used entries go past it); default 10 GiB as on GitHub.</param>
    /// <param name="maxArtifactBytes">The largest artifact accepted over the wire; default 10 GiB.</param>
    /// <param name="log">Hears of an artifact or cache record left out of a listing (unreadable).</param>
    public RunFileStores(string root, TimeProvider time, long? maxCacheBytes = null, long? maxArtifactBytes = null, ILogger? log = null)
    {
        _log = log;
        Root = Path.GetFullPath(root);
        _time = time;
        MaxCacheBytes = maxCacheBytes ?? CacheStore.DefaultMaxBytes;
        MaxArtifactBytes = maxArtifactBytes ?? 10L * 1024 * 1024 * 1024;
    }

    public string Root { get; }

    public long MaxCacheBytes { get; }

    public long MaxArtifactBytes { get; }

    /// <summary>Where uploads are read before they are stored (thrown away when an upload breaks).</summary>
    public string Incoming => Path.Combine(Root, "incoming");

    /// <summary>The artifacts of run <paramref name="runId"/>.</summary>
    public IArtifactStore Artifacts(long runId) => new LocalArtifactStore(Path.Combine(Root, "runs", runId.ToString(CultureInfo.InvariantCulture)), _log);

    /// <summary>The names of run <paramref name="runId"/>'s artifacts (for the API, which knows no runner types).</summary>
    public IReadOnlyList<string> ArtifactNames(long runId) => [.. Artifacts(runId).List().Select(a => a.Name)];

    /// <summary>Writes artifact <paramref name="name"/> of run <paramref name="runId"/> to <paramref name="to"/> as a tar stream.</summary>
    public Task WriteArtifactAsync(long runId, string name, Stream to, CancellationToken ct) =>
        TarTransfer.WriteFolderAsync(to, Artifacts(runId).FilesOf(name), ct);

    /// <summary>The cache store of <paramref name="repository"/> (a repository name the server serves).</summary>
    public CacheStore Caches(string repository) => new(Path.Combine(Root, "caches", SafeName(repository)), MaxCacheBytes, _time, _log);

    /// <summary>The cache store of <paramref name="repository"/> as a job host hands it to the runner (the server's limit, whatever the job asks).</summary>
    public ICacheStores CacheStores(string repository) => new FixedCacheStores(Caches(repository));

    /// <summary>
    /// These stores as an <see cref="IRunFiles"/> for a worker in the server's process, given how a lease maps to its
    /// run and repository (the dispatcher knows).
    /// </summary>
    public IRunFiles ForLeases(Func<string, (long RunId, string Repository)> resolve) => new LeaseFiles(this, resolve);

    /// <summary>A fresh folder under <see cref="Incoming"/>.</summary>
    internal string NewIncomingFolder()
    {
        var folder = Path.Combine(Incoming, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Removes what broken uploads left under <see cref="Incoming"/> (a server killed mid-upload); called on start.</summary>
    public void ClearIncoming()
    {
        if (Directory.Exists(Incoming))
        {
            Directory.Delete(Incoming, recursive: true);
        }
    }

    /// <summary>A repository name as a folder name: the served names are already plain, this only guards the path.</summary>
    private static string SafeName(string repository) =>
        repository.Length is > 0 and <= 200 && repository.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && repository is not ("." or "..")
            ? repository
            : throw new ArgumentException($"'{repository}' is not a repository name", nameof(repository));

    private sealed class LeaseFiles(RunFileStores stores, Func<string, (long RunId, string Repository)> resolve) : IRunFiles
    {
        public IArtifactStore Artifacts(string leaseId) => stores.Artifacts(resolve(leaseId).RunId);

        public ICacheStores Caches(string leaseId) => stores.CacheStores(resolve(leaseId).Repository);
    }

    private sealed class FixedCacheStores(ICacheStore store) : ICacheStores
    {
        // The server's limit, not the job's CATALYTIC_CACHE_MAX_BYTES: the store is shared by every run of the repository.
        public ICacheStore Open(string? maxBytesSetting) => store;
    }
}
