using System.Formats.Tar;
using Catalytic.Platform.Archives;

namespace Catalytic.Pipelines.Workers.Files;

/// <summary>Limits on a tar stream read from the other side of the wire.</summary>
/// <param name="MaxBytes">The most bytes the stream may carry (file contents and tar headers together).</param>
/// <param name="MaxEntries">The most entries (files and folders).</param>
public sealed record TarLimits(long MaxBytes, int MaxEntries = 100_000);

/// <summary>
/// Folders of files as tar streams (POSIX pax, System.Formats.Tar): how artifacts travel between a worker and the server.
/// Only plain files and folders are written and read; a stream is read into a folder that the caller throws away when
/// it fails, so a broken or hostile upload (an absolute path, <c>..</c>, a link, a device, too many bytes) leaves nothing.
/// </summary>
public static class TarTransfer
{
    /// <summary>Writes <paramref name="files"/> (absolute source → relative name) as plain file entries; a source that is a link is written as the file it names.</summary>
    public static void Write(Stream output, IEnumerable<(string Source, string RelativePath)> files)
    {
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var (source, relative) in files)
        {
            using var data = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, relative.Replace('\\', '/')) { DataStream = data, Mode = FileModes(source) });
        }
    }

    /// <summary>Writes every file under <paramref name="folder"/> (names relative to it).</summary>
    public static async Task WriteFolderAsync(Stream output, string folder, CancellationToken ct)
    {
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            await using var data = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            var entry = new PaxTarEntry(TarEntryType.RegularFile, Path.GetRelativePath(folder, file).Replace('\\', '/')) { DataStream = data, Mode = FileModes(file) };
            await writer.WriteEntryAsync(entry, ct);
        }
    }

    /// <summary>Every file under <paramref name="folder"/> as a tar stream for an HTTP request, written as it is sent (nothing is held in memory).</summary>
    public static HttpContent FolderContent(string folder, CancellationToken ct) => new TarFolderContent(folder, ct);

    /// <summary>
    /// Reads a tar stream into <paramref name="folder"/> (created; the caller deletes it when this throws); returns the
    /// files written, relative to it. Throws <see cref="TarRefusedException"/> for a stream that breaks a rule: only
    /// plain files and folders travel (<see cref="TarExtractor"/>'s strict rules).
    /// </summary>
    public static Task<IReadOnlyList<string>> ExtractAsync(Stream input, string folder, TarLimits limits, CancellationToken ct) =>
        TarExtractor.ExtractAsync(input, folder, new TarRules { MaxBytes = limits.MaxBytes, MaxEntries = limits.MaxEntries }, ct);

    private static UnixFileMode FileModes(string path) =>
        OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(path) & (UnixFileMode)0x1FF;
}

/// <summary>A folder as a tar stream, written as it is sent.</summary>
internal sealed class TarFolderContent(string folder, CancellationToken ct) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => TarTransfer.WriteFolderAsync(stream, folder, ct);

    protected override void SerializeToStream(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken) =>
        TarTransfer.WriteFolderAsync(stream, folder, cancellationToken).GetAwaiter().GetResult();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
