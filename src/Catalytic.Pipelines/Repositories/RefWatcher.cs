namespace Catalytic.Pipelines.Repositories;

/// <summary>
/// Tells when a local repository's refs may have changed: file-system notifications (inotify on Linux) on the git
/// folder's <c>refs/</c> tree, <c>packed-refs</c> and <c>reftable/</c>, which is how a commit, a merge, a
/// <c>git push</c> into the repository or a new tag is noticed within milliseconds without a hook. Nothing is decided
/// here: a notification only asks for a scan, which compares the refs themselves; lost notifications (an overflowing
/// queue, a file system without them) are caught up by the repository's poll.
/// </summary>
internal sealed class RefWatcher : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];

    private RefWatcher()
    {
    }

    /// <summary>
    /// Watches the git folder <paramref name="gitDirectory"/> (the common one of a repository with work trees).
    /// <paramref name="changed"/> runs on a notification thread and must only signal; <paramref name="failed"/> gets the
    /// reason when the watcher stops working.
    /// </summary>
    public static RefWatcher Start(string gitDirectory, Action changed, Action<string> failed)
    {
        var watcher = new RefWatcher();
        try
        {
            foreach (var tree in (string[])["refs", "reftable"])
            {
                var folder = Path.Combine(gitDirectory, tree);
                if (Directory.Exists(folder))
                {
                    watcher.Add(new FileSystemWatcher(folder) { IncludeSubdirectories = true }, changed, failed, name => !name.EndsWith(".lock", StringComparison.Ordinal));
                }
            }

            watcher.Add(new FileSystemWatcher(gitDirectory) { IncludeSubdirectories = false }, changed, failed, name => name == "packed-refs");
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            watcher.Dispose();
            failed(e.Message);
            return new RefWatcher();
        }

        return watcher;
    }

    private void Add(FileSystemWatcher w, Action changed, Action<string> failed, Func<string, bool> relevant)
    {
        w.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size;
        void OnEvent(object? sender, FileSystemEventArgs e)
        {
            if (relevant(Path.GetFileName(e.FullPath)))
            {
                changed();
            }
        }

        w.Created += OnEvent;
        w.Changed += OnEvent;
        w.Deleted += OnEvent;
        w.Renamed += (s, e) => OnEvent(s, e);
        w.Error += (_, e) =>
        {
            // An overflow loses notifications: scan now, and say so if the watcher itself broke.
            changed();
            failed(e.GetException().Message);
        };
        w.EnableRaisingEvents = true;
        _watchers.Add(w);
    }

    public void Dispose()
    {
        foreach (var w in _watchers)
        {
            w.Dispose();
        }

        _watchers.Clear();
    }
}
