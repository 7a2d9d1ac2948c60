using System.Formats.Tar;

namespace Catalytic.Pipelines.Workers.Files;

/// <summary>Limits on a tar stream read from the other side of the wire.</summary>
/// <param name="MaxBytes">The most bytes the stream may carry (file contents and tar headers together).</param>
/// <param name="MaxEntries">The most entries (files and folders).</param>
public sealed record TarLimits(long MaxBytes, int MaxEntries = 100_000);

/// <summary>A tar stream broke a rule: too large, an entry that is not a plain file or folder, or a path outside the folder.</summary>
public sealed class TarRefusedException(string message, bool tooLarge = false) : IOException(message)
{
    /// <summary>True when the stream was over its byte or entry limit (413 rather than 400).</summary>
    public bool TooLarge { get; } = tooLarge;
}

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
    /// files written, relative to it. Throws <see cref="TarRefusedException"/> for a stream that breaks a rule.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ExtractAsync(Stream input, string folder, TarLimits limits, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var root = Path.GetFullPath(folder).TrimEnd('/') + "/";
        var counted = new CountingStream(input, limits.MaxBytes);
        var files = new List<string>();
        await using var reader = new TarReader(counted, leaveOpen: true);
        var entries = 0;
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (++entries > limits.MaxEntries)
                {
                    throw new TarRefusedException($"more than {limits.MaxEntries} entries", tooLarge: true);
                }

                var name = entry.Name;
                if (name.Length == 0 || name.Length > 4096 || name.StartsWith('/') || name.Contains('\\') || name.Contains('\0')
                    || name.Split('/').Any(s => s is ".."))
                {
                    throw new TarRefusedException($"entry {entries}: '{Printable(name)}' is not a relative path inside the folder");
                }

                var target = Path.GetFullPath(Path.Combine(root, name));
                if (!target.StartsWith(root, StringComparison.Ordinal) && target + "/" != root)
                {
                    throw new TarRefusedException($"entry {entries}: '{Printable(name)}' points outside the folder");
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        await using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                        {
                            if (entry.DataStream is { } data)
                            {
                                await data.CopyToAsync(output, ct);
                            }
                        }

                        if (!OperatingSystem.IsWindows() && (entry.Mode & UnixFileMode.UserExecute) != 0)
                        {
                            File.SetUnixFileMode(target, File.GetUnixFileMode(target) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                        }

                        files.Add(Path.GetRelativePath(root, target));
                        break;
                    default:
                        throw new TarRefusedException($"entry {entries}: '{Printable(name)}' is a {entry.EntryType}; only plain files and folders travel");
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new TarRefusedException("not a tar stream: " + e.Message);
        }
        catch (IOException) when (counted.Exceeded)
        {
            throw new TarRefusedException($"more than {limits.MaxBytes} bytes", tooLarge: true);
        }

        if (counted.Exceeded)
        {
            throw new TarRefusedException($"more than {limits.MaxBytes} bytes", tooLarge: true);
        }

        return files;
    }

    private static UnixFileMode FileModes(string path) =>
        OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(path) & (UnixFileMode)0x1FF;

    private static string Printable(string name) => new([.. name.Take(200).Select(c => char.IsControl(c) ? '?' : c)]);

    /// <summary>Counts what passes and fails the read that goes past the limit (a body with no length is bounded too).</summary>
    private sealed class CountingStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int n)
        {
            _read += n;
            if (_read > limit)
            {
                Exceeded = true;
                throw new IOException($"more than {limit} bytes");
            }

            return n;
        }
    }
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
