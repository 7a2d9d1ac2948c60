using System.Text.Json;
using System.Text.Json.Serialization;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Runner.Actions.BuiltIn.Artifacts;

/// <summary>One uploaded artifact of a run, as recorded beside its files.</summary>
public sealed record ArtifactInfo(long Id, string Name, int FileCount, long SizeBytes, int? RetentionDays, DateTimeOffset CreatedAt);

/// <summary>
/// A run's artifacts: `RunDirectory/artifacts/&lt;name&gt;/` holds the files (paths relative to the upload's root)
/// and `RunDirectory/artifacts/&lt;name&gt;.artifact.json` the record. An upload is copied to a temporary folder
/// and renamed into place, so a download never sees half an artifact.
/// </summary>
public static class ArtifactStore
{
    private static readonly Lock IdLock = new();

    /// <summary>The artifacts folder of a run.</summary>
    public static string DirectoryOf(string runDirectory) => Path.Combine(runDirectory, "artifacts");

    /// <summary>The run's artifacts in upload order: what the run summary and the JSON report list; a record that cannot be read is left out and logged to <paramref name="log"/>.</summary>
    public static IReadOnlyList<ArtifactInfo> List(string runDirectory, ILogger? log = null)
    {
        var folder = DirectoryOf(runDirectory);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var list = new List<ArtifactInfo>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.artifact.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), ArtifactJsonContext.Default.ArtifactInfo) is { } info
                    && Directory.Exists(Path.Combine(folder, info.Name)))
                {
                    list.Add(info);
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                // Being replaced by an overwrite, or damaged: not listed, and said.
                RunnerLog.EntryUnlisted(log ?? NullLogger.Instance, "artifact", file, ex);
            }
        }

        return list.OrderBy(a => a.Id).ToArray();
    }

    /// <summary>Finds one artifact by name (exact, case-sensitive like GitHub's API).</summary>
    public static ArtifactInfo? Find(string runDirectory, string name) => List(runDirectory).FirstOrDefault(a => a.Name == name);

    /// <summary>The folder holding an artifact's files.</summary>
    public static string FilesOf(string runDirectory, string name) => Path.Combine(DirectoryOf(runDirectory), name);

    /// <summary>
    /// Stores <paramref name="files"/> (absolute source → relative name) as artifact <paramref name="name"/>.
    /// Returns null and an error when the name is taken and <paramref name="overwrite"/> is false.
    /// </summary>
    public static ArtifactInfo? Store(
        string runDirectory,
        string name,
        IReadOnlyList<(string Source, string RelativePath)> files,
        int? retentionDays,
        bool overwrite,
        TimeProvider time,
        out string? error)
    {
        error = null;
        var folder = DirectoryOf(runDirectory);
        Directory.CreateDirectory(folder);
        var staging = Path.Combine(folder, $".upload-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        long size = 0;
        try
        {
            foreach (var (source, relative) in files)
            {
                var destination = Path.Combine(staging, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(source, destination, overwrite: true);
                size += new FileInfo(destination).Length;
            }

            lock (IdLock)
            {
                var existing = Find(runDirectory, name);
                if (existing is not null && !overwrite)
                {
                    error = $"Failed to CreateArtifact: an artifact with the name '{name}' already exists on this run (set overwrite: true to replace it)";
                    return null;
                }

                var target = FilesOf(runDirectory, name);
                var record = Path.Combine(folder, name + ".artifact.json");
                if (existing is not null || Directory.Exists(target))
                {
                    File.Delete(record);
                    if (Directory.Exists(target))
                    {
                        Directory.Delete(target, recursive: true);
                    }
                }

                Directory.Move(staging, target);
                var id = List(runDirectory).Select(a => a.Id).DefaultIfEmpty(0).Max() + 1;
                id = Math.Max(id, (existing?.Id ?? 0) + 1);
                var info = new ArtifactInfo(id, name, files.Count, size, retentionDays, time.GetUtcNow());
                var temp = record + ".tmp";
                File.WriteAllText(temp, JsonSerializer.Serialize(info, ArtifactJsonContext.Default.ArtifactInfo));
                File.Move(temp, record, overwrite: true);
                return info;
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }
}

[JsonSerializable(typeof(ArtifactInfo))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class ArtifactJsonContext : JsonSerializerContext;
