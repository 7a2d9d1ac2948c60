using System.Formats.Tar;

namespace Catalytic.Platform.Archives;

/// <summary>What a tar stream may hold and how it is unpacked; the defaults are the strict rules for untrusted uploads.</summary>
public sealed record TarRules
{
    /// <summary>The most bytes the stream may carry (file contents and tar headers together).</summary>
    public long MaxBytes { get; init; } = long.MaxValue;

    /// <summary>The most entries (files, folders and links).</summary>
    public int MaxEntries { get; init; } = int.MaxValue;

    /// <summary>When set, only entries under this prefix (such as npm's <c>package/</c>) are unpacked, without it; the others are skipped.</summary>
    public string? StripPrefix { get; init; }

    /// <summary>
    /// Symbolic links are made when their target is a relative path that stays inside the folder (a toolchain's
    /// <c>bin/npm → ../lib/…</c>); otherwise every link is refused.
    /// </summary>
    public bool SymbolicLinks { get; init; }

    /// <summary>Hard links, devices and FIFOs are skipped rather than refused.</summary>
    public bool SkipOtherEntries { get; init; }

    /// <summary>A later entry of the same name replaces the file an earlier one wrote (tar's append semantics); otherwise it fails.</summary>
    public bool Overwrite { get; init; }

    /// <summary>How messages name the folder ("the folder", "the toolchain folder").</summary>
    public string FolderName { get; init; } = "the folder";
}

/// <summary>A tar stream broke a rule: too large, an entry of a kind not accepted, or a path or link outside the folder.</summary>
public sealed class TarRefusedException(string message, bool tooLarge = false) : IOException(message)
{
    /// <summary>True when the stream was over its byte or entry limit (413 rather than 400).</summary>
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>
/// The one tar reader for every archive Catalytic unpacks (artifacts between a worker and the server, deployment
/// uploads, downloaded toolchains). Nothing it writes can land outside the folder: names are relative paths without
/// <c>..</c>, a link (where links are accepted) points inside with <c>..</c> only at its start, and no entry is written
/// beneath a link, so a link cannot carry a later entry (or a later link's <c>..</c>) elsewhere. File contents are
/// copied; of the entry's mode only the execute bit is taken (a hostile archive sets no odd permissions). The caller
/// deletes the folder when this throws.
/// </summary>
public static class TarExtractor
{
    private const int MaxNameLength = 4096;

    /// <summary>
    /// Reads <paramref name="input"/> into <paramref name="folder"/> (created); returns the files written, relative to it.
    /// Throws <see cref="TarRefusedException"/> for a stream that breaks <paramref name="rules"/>.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ExtractAsync(Stream input, string folder, TarRules rules, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var root = Path.GetFullPath(folder).TrimEnd('/') + "/";
        var counted = new CountingStream(input, rules.MaxBytes);
        var files = new List<string>();
        await using var reader = new TarReader(counted, leaveOpen: true);
        var entries = 0;
        var linksMade = false;
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (++entries > rules.MaxEntries)
                {
                    throw new TarRefusedException($"more than {rules.MaxEntries} entries", tooLarge: true);
                }

                var where = $"entry {entries}: '{Printable(entry.Name)}'";
                var name = CheckName(entry.Name, where, rules);
                if (rules.StripPrefix is { } prefix)
                {
                    if (!name.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    name = name[prefix.Length..];
                }

                var target = Path.GetFullPath(Path.Combine(root, name));
                var isRoot = target + "/" == root;
                if (!target.StartsWith(root, StringComparison.Ordinal) && !isRoot)
                {
                    throw new TarRefusedException($"{where} points outside {rules.FolderName}");
                }

                if (isRoot && entry.EntryType is TarEntryType.Directory)
                {
                    continue; // "./", or the stripped prefix's own folder
                }

                if (isRoot)
                {
                    throw new TarRefusedException($"{where} is not a relative path inside {rules.FolderName}");
                }

                if (linksMade)
                {
                    RefuseBeneathLink(root, target, where);
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        await WriteFileAsync(entry, target, rules.Overwrite, ct);
                        files.Add(Path.GetRelativePath(root, target));
                        break;
                    case TarEntryType.SymbolicLink when rules.SymbolicLinks:
                        CheckLink(root, target, entry.LinkName, where, rules);
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        File.CreateSymbolicLink(target, entry.LinkName);
                        linksMade = true;
                        break;
                    case var _ when rules.SkipOtherEntries:
                        break; // hard links, devices, global pax headers and the like
                    default:
                        var accepted = rules.SymbolicLinks ? "plain files, folders and links inside it" : "plain files and folders";
                        throw new TarRefusedException($"{where} is a {entry.EntryType}; only {accepted} are unpacked");
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new TarRefusedException("not a tar stream: " + e.Message);
        }
        catch (IOException) when (counted.Exceeded)
        {
            throw new TarRefusedException($"more than {rules.MaxBytes} bytes", tooLarge: true);
        }

        if (counted.Exceeded)
        {
            throw new TarRefusedException($"more than {rules.MaxBytes} bytes", tooLarge: true);
        }

        return files;
    }

    /// <summary>An entry's name as a relative path with no <c>..</c>: refused otherwise, before anything is written.</summary>
    private static string CheckName(string name, string where, TarRules rules)
    {
        if (name.Length == 0 || name.Length > MaxNameLength || name.StartsWith('/') || name.Contains('\\') || name.Contains('\0'))
        {
            throw new TarRefusedException($"{where} is not a relative path inside {rules.FolderName}");
        }

        if (name.Split('/').Any(s => s is ".."))
        {
            throw new TarRefusedException($"{where} points outside {rules.FolderName}");
        }

        return name;
    }

    /// <summary>
    /// A link's target: relative, <c>..</c> only as its leading parts (climbing from the link's own folder, which is no
    /// link: see <see cref="RefuseBeneathLink"/>), and inside the folder. Then every link resolves inside the folder:
    /// after the leading climb it only descends, through folders or through other links that resolve inside.
    /// </summary>
    private static void CheckLink(string root, string target, string linkName, string where, TarRules rules)
    {
        if (linkName.Length == 0 || linkName.Length > MaxNameLength || linkName.StartsWith('/') || linkName.Contains('\\') || linkName.Contains('\0'))
        {
            throw new TarRefusedException($"{where} links to '{Printable(linkName)}', which is not a relative path inside {rules.FolderName}");
        }

        var climbing = true;
        foreach (var part in linkName.Split('/'))
        {
            climbing = climbing && part is "..";
            if (part is ".." && !climbing)
            {
                throw new TarRefusedException($"{where} links to '{Printable(linkName)}', which climbs after it descends");
            }
        }

        var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(target)!, linkName));
        if (!resolved.StartsWith(root, StringComparison.Ordinal) && resolved + "/" != root)
        {
            throw new TarRefusedException($"{where} links to '{Printable(linkName)}', outside {rules.FolderName}");
        }
    }

    /// <summary>Refuses an entry whose path passes through a link an earlier entry made (or that would replace one).</summary>
    private static void RefuseBeneathLink(string root, string target, string where)
    {
        for (var path = target; path.Length >= root.Length; path = Path.GetDirectoryName(path)!)
        {
            if (new FileInfo(path).LinkTarget is not null)
            {
                throw new TarRefusedException($"{where} is beneath or replaces a link");
            }
        }
    }

    private static async Task WriteFileAsync(TarEntry entry, string target, bool overwrite, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var mode = overwrite ? FileMode.Create : FileMode.CreateNew;
        await using (var output = new FileStream(target, mode, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
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
    }

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
