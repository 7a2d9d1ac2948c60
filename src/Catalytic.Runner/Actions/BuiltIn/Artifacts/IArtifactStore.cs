using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Actions.BuiltIn.Artifacts;

/// <summary>Where a run's artifacts are kept: a local folder (<see cref="LocalArtifactStore"/>) or, for a remote worker, its server.</summary>
public interface IArtifactStore
{
    /// <summary>The run's artifacts, oldest first.</summary>
    IReadOnlyList<ArtifactInfo> List();

    /// <summary>A local folder holding the files of artifact <paramref name="name"/> (to copy from).</summary>
    string FilesOf(string name);

    /// <summary>
    /// Stores <paramref name="files"/> (absolute source → relative name) as artifact <paramref name="name"/>.
    /// Returns null and an error when the name is taken and <paramref name="overwrite"/> is false.
    /// </summary>
    ArtifactInfo? Store(string name, IReadOnlyList<(string Source, string RelativePath)> files, int? retentionDays, bool overwrite, TimeProvider time, out string? error);
}

/// <summary>Artifacts under the run's folder (<c>.catalytic/runs/N/artifacts/</c>); <paramref name="log"/> hears of a record left out of a listing.</summary>
public sealed class LocalArtifactStore(string runDirectory, ILogger? log = null) : IArtifactStore
{
    public IReadOnlyList<ArtifactInfo> List() => ArtifactStore.List(runDirectory, log);

    public string FilesOf(string name) => ArtifactStore.FilesOf(runDirectory, name);

    public ArtifactInfo? Store(string name, IReadOnlyList<(string Source, string RelativePath)> files, int? retentionDays, bool overwrite, TimeProvider time, out string? error) =>
        ArtifactStore.Store(runDirectory, name, files, retentionDays, overwrite, time, out error);
}
