using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Runner.Actions.BuiltIn.Cache;

/// <summary>One stored cache entry. Entries are immutable: a key is written once per version.</summary>
public sealed record CacheEntry(string Id, string Key, string Version, long SizeBytes, DateTimeOffset CreatedAt, DateTimeOffset LastAccessedAt);

/// <summary>How a lookup ended: the entry found (null on a miss) and whether it matched the primary key exactly.</summary>
public sealed record CacheLookup(CacheEntry? Entry, bool IsExactMatch)
{
    public static CacheLookup Miss { get; } = new(null, false);
}

/// <summary>How a save ended.</summary>
public enum CacheSaveOutcome
{
    Saved,
    AlreadyExists,
    TooLarge,
}

/// <summary>
/// The repository's cache store under `.catalytic/cache/`, shared by every run: `&lt;id&gt;.tar` archives with a
/// `&lt;id&gt;.json` record beside each. Writes go to a temporary file renamed into place, so a reader sees a whole
/// entry or none; the record is written last and is what makes an entry visible. When the total passes the size
/// limit the least recently used entries are removed.
/// </summary>
public sealed class CacheStore : ICacheStore
{
    /// <summary>10 GiB, GitHub's per-repository default.</summary>
    public const long DefaultMaxBytes = 10L * 1024 * 1024 * 1024;

    /// <summary>The environment variable that overrides <see cref="DefaultMaxBytes"/>.</summary>
    public const string MaxBytesVariable = "CATALYTIC_CACHE_MAX_BYTES";

    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <param name="log">Hears of a record left out of a listing (unreadable).</param>
    public CacheStore(string directory, long maxBytes, TimeProvider time, ILogger? log = null)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        _time = time;
        _log = log ?? NullLogger.Instance;
    }

    public string Directory { get; }

    public long MaxBytes { get; }

    /// <summary>The store of a repository's state folder (`.catalytic/`), its limit read from <paramref name="maxBytesSetting"/> when set.</summary>
    public static CacheStore ForStateDirectory(string stateDirectory, string? maxBytesSetting, TimeProvider time, ILogger? log = null) =>
        new(Path.Combine(stateDirectory, "cache"), ParseMaxBytes(maxBytesSetting), time, log);

    /// <summary>Reads a byte count such as `1073741824`, `500MB`, `10GB`; the default when empty or unreadable.</summary>
    public static long ParseMaxBytes(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return DefaultMaxBytes;
        }

        var text = setting.Trim().ToUpperInvariant();
        long multiplier = 1;
        foreach (var (suffix, factor) in new[] { ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1L) })
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                multiplier = factor;
                text = text[..^suffix.Length].Trim();
                break;
            }
        }

        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
            ? value * multiplier
            : DefaultMaxBytes;
    }

    /// <summary>
    /// GitHub's matching order: the primary key exactly, then the primary key and each restore key in turn as a
    /// prefix, an exact match of that key first and otherwise the newest entry that starts with it. Only entries of
    /// the same <paramref name="version"/> (the same paths) match.
    /// </summary>
    public CacheLookup Find(string key, IReadOnlyList<string> restoreKeys, string version)
    {
        var entries = List().Where(e => e.Version == version).ToList();
        var exact = entries.FirstOrDefault(e => e.Key == key);
        if (exact is not null)
        {
            return new CacheLookup(exact, true);
        }

        foreach (var prefix in restoreKeys.Prepend(key))
        {
            var match = entries.FirstOrDefault(e => e.Key == prefix)
                ?? entries.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
                    .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Key, StringComparer.Ordinal).FirstOrDefault();
            if (match is not null)
            {
                return new CacheLookup(match, false);
            }
        }

        return CacheLookup.Miss;
    }

    /// <summary>All visible entries.</summary>
    public IReadOnlyList<CacheEntry> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var list = new List<CacheEntry>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), CacheJsonContext.Default.CacheEntry) is { } entry && File.Exists(ArchivePath(entry.Id)))
                {
                    list.Add(entry);
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                // Removed by an eviction in another run, or half-written by a crashed one: not visible, and said.
                RunnerLog.EntryUnlisted(_log, "cache", file, ex);
            }
        }

        return list;
    }

    /// <summary>Opens an entry for reading and records the access for least-recently-used eviction.</summary>
    Stream ICacheStore.OpenRead(CacheEntry entry) => OpenRead(entry);

    public FileStream OpenRead(CacheEntry entry)
    {
        var stream = new FileStream(ArchivePath(entry.Id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.SequentialScan);
        WriteRecord(entry with { LastAccessedAt = _time.GetUtcNow() });
        return stream;
    }

    /// <summary>
    /// Writes a new entry through <paramref name="writeArchive"/> unless the key already exists for that version
    /// (entries are immutable), then evicts least recently used entries until the store fits its limit.
    /// </summary>
    public CacheSaveOutcome Save(string key, string version, Action<Stream> writeArchive, out CacheEntry? saved)
    {
        saved = null;
        System.IO.Directory.CreateDirectory(Directory);
        var id = IdFor(key, version);
        if (File.Exists(RecordPath(id)))
        {
            return CacheSaveOutcome.AlreadyExists;
        }

        var temp = Path.Combine(Directory, $".{id}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                writeArchive(output);
            }

            var size = new FileInfo(temp).Length;
            if (size > MaxBytes)
            {
                return CacheSaveOutcome.TooLarge;
            }

            try
            {
                File.Move(temp, ArchivePath(id), overwrite: false);
            }
            catch (IOException) when (File.Exists(ArchivePath(id)))
            {
                return CacheSaveOutcome.AlreadyExists; // another run saved the same key meanwhile
            }

            var now = _time.GetUtcNow();
            saved = new CacheEntry(id, key, version, size, now, now);
            WriteRecord(saved);
        }
        finally
        {
            File.Delete(temp);
        }

        Evict(keep: id);
        return CacheSaveOutcome.Saved;
    }

    /// <summary>Removes least recently used entries (never <paramref name="keep"/>) until the total fits <see cref="MaxBytes"/>.</summary>
    public IReadOnlyList<CacheEntry> Evict(string? keep = null)
    {
        var entries = List();
        var total = entries.Sum(e => e.SizeBytes);
        var evicted = new List<CacheEntry>();
        foreach (var entry in entries.OrderBy(e => e.LastAccessedAt).ThenBy(e => e.CreatedAt))
        {
            if (total <= MaxBytes)
            {
                break;
            }

            if (entry.Id == keep)
            {
                continue;
            }

            File.Delete(RecordPath(entry.Id)); // invisible first, then gone
            File.Delete(ArchivePath(entry.Id));
            total -= entry.SizeBytes;
            evicted.Add(entry);
        }

        return evicted;
    }

    /// <summary>The version of a `path:` input, like GitHub's: the same key with other paths is another entry.</summary>
    public static string VersionFor(IEnumerable<string> pathLines) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', pathLines) + "|catalytic-tar")));

    private static string IdFor(string key, string version) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(version + "\n" + key)))[..40];

    private string ArchivePath(string id) => Path.Combine(Directory, id + ".tar");

    private string RecordPath(string id) => Path.Combine(Directory, id + ".json");

    private void WriteRecord(CacheEntry entry)
    {
        var temp = Path.Combine(Directory, $".{entry.Id}.{Guid.NewGuid():N}.json.tmp");
        File.WriteAllText(temp, JsonSerializer.Serialize(entry, CacheJsonContext.Default.CacheEntry));
        File.Move(temp, RecordPath(entry.Id), overwrite: true);
    }
}

[JsonSerializable(typeof(CacheEntry))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
