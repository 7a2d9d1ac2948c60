namespace Catalytic.Platform.Config;

/// <summary>
/// A configuration file as it is now, for a process that runs long (<c>serve</c>): read and parsed once, then again
/// only when the file changes (its modification time or size). Every section a feature reads of one version of the
/// file comes from that one parse, at start and on each reload; the features keep their own last good config.
/// </summary>
public sealed class ConfigFileWatch
{
    private readonly Func<string, string, ConfigFile> _parse;
    private readonly Lock _gate = new();
    private (DateTime Time, long Size)? _seen;
    private ConfigFile? _file;

    /// <summary>Watches <paramref name="path"/>, reading it with <paramref name="parse"/> (text, file name).</summary>
    public ConfigFileWatch(string path, Func<string, string, ConfigFile> parse)
    {
        Path = path;
        _parse = parse;
    }

    /// <summary>The file, as messages name it.</summary>
    public string Path { get; }

    /// <summary>The file as it is on disk now: the same instance until it changes; null while there is no such file.</summary>
    public ConfigFile? Current()
    {
        var info = new FileInfo(Path);
        var stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        lock (_gate)
        {
            if (stamp != _seen)
            {
                _seen = stamp;
                _file = info.Exists && TryRead(out var text) ? _parse(text, Path) : null;
            }

            return _file;
        }
    }

    // Removed between the look and the read: as if it had not been there (the next look sees it gone, or back).
    private bool TryRead(out string text)
    {
        try
        {
            text = File.ReadAllText(Path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            text = "";
            _seen = null;
            return false;
        }
    }
}
