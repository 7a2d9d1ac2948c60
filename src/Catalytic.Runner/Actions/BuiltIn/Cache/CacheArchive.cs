using System.Formats.Tar;

namespace Catalytic.Runner.Actions.BuiltIn.Cache;

/// <summary>
/// The archive format of cache entries: an uncompressed GNU tar, streamed with large buffers. Uncompressed because
/// caches live on the same disk as the tree; compression would cost far more CPU than the I/O it saves here
/// (bench/cache measures it against `tar cf` + `tar xf`). Entry names are `w/&lt;path&gt;` for files under the workspace
/// and `a/&lt;absolute path&gt;` for others (`~/.npm`…), so a restore puts every file back where it came from.
/// </summary>
public static class CacheArchive
{
    private const int BufferSize = 1 << 20;

    /// <summary>Writes <paramref name="files"/> (absolute paths; symlinks kept as links) to <paramref name="destination"/>.</summary>
    public static void Write(Stream destination, string workspace, IEnumerable<(string FullPath, bool IsSymlink, FileSystemInfo? Info)> files)
    {
        using var writer = new TarWriter(destination, TarEntryFormat.Gnu, leaveOpen: true);
        foreach (var (fullPath, isSymlink, known) in files)
        {
            var name = EntryNameFor(workspace, fullPath);
            var info = known ?? new FileInfo(fullPath);
            if (isSymlink)
            {
                writer.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, name)
                {
                    LinkName = info.LinkTarget ?? string.Empty,
                    ModificationTime = info.LastWriteTimeUtc,
                });
                continue;
            }

            // Unbuffered: the writer copies through its own pooled buffer, and a per-file 1 MB buffer would only add page faults.
            using var data = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = data,
                Mode = info.UnixFileMode,
                ModificationTime = info.LastWriteTimeUtc,
            });
        }
    }

    /// <summary>Extracts an archive written by <see cref="Write"/>, overwriting existing files. Returns the number of files restored.</summary>
    public static int Extract(Stream source, string workspace, string root = "/")
    {
        using var reader = new TarReader(source, leaveOpen: true);
        var created = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            var destination = DestinationFor(workspace, entry.Name, root);
            var parent = Path.GetDirectoryName(destination)!;
            if (created.Add(parent))
            {
                Directory.CreateDirectory(parent);
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(destination);
                    break;
                case TarEntryType.SymbolicLink:
                    DeleteIfPresent(destination);
                    File.CreateSymbolicLink(destination, entry.LinkName);
                    count++;
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    WriteFile(destination, entry);
                    count++;
                    break;
                default:
                    break; // hard links, devices: never written by Write
            }
        }

        return count;
    }

    private static void WriteFile(string destination, TarEntry entry)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = entry.Mode | UnixFileMode.UserWrite | UnixFileMode.UserRead;
        }

        FileStream output;
        try
        {
            output = new FileStream(destination, options);
        }
        catch (IOException) when (Path.Exists(destination))
        {
            DeleteIfPresent(destination);
            output = new FileStream(destination, options);
        }

        using (output)
        {
            entry.DataStream?.CopyTo(output, BufferSize);

            // Through the open handle: no second path lookup per file.
            File.SetLastWriteTimeUtc(output.SafeFileHandle, entry.ModificationTime.UtcDateTime);
        }
    }

    private static void DeleteIfPresent(string path)
    {
        if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
        {
            Directory.Delete(path, recursive: true);
        }
        else if (Path.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            File.Delete(path);
        }
    }

    internal static string EntryNameFor(string workspace, string fullPath)
    {
        var ws = workspace.TrimEnd('/');
        return fullPath.StartsWith(ws + "/", StringComparison.Ordinal)
            ? "w/" + fullPath[(ws.Length + 1)..]
            : "a" + fullPath;
    }

    /// <summary>Maps an entry name back to a path; names that would climb out with `..` are refused.</summary>
    internal static string DestinationFor(string workspace, string name, string root)
    {
        if (name.Split('/').Any(part => part == ".."))
        {
            throw new InvalidDataException($"cache archive entry '{name}' climbs out of its folder");
        }

        string path = name.StartsWith("w/", StringComparison.Ordinal)
            ? Path.Combine(workspace, name[2..])
            : name.StartsWith("a/", StringComparison.Ordinal)
                ? "/" + name[2..]
                : throw new InvalidDataException($"cache archive entry '{name}' is not a Catalytic cache entry");
        if (root != "/")
        {
            path = Path.Combine(root, path.TrimStart('/'));
        }

        return path;
    }
}
