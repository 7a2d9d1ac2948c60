using Catalytic.Workflows.Globbing;

namespace Catalytic.Runner.Actions.BuiltIn.Globbing;

/// <summary>One file a <see cref="PathPatternSet"/> found: its absolute path and the search root it was found under.</summary>
public sealed record FoundFile(string FullPath, string SearchRoot, bool IsSymlink)
{
    /// <summary>The file's metadata as read while walking (saves a second stat per file).</summary>
    public FileSystemInfo? Info { get; init; }
}

/// <summary>
/// The multi-line `path:` input of actions/cache and upload-artifact, with @actions/glob's rules: one pattern a
/// line, `#` comments, `!` excludes, `~` for the home folder, relative lines resolved against the workspace, and
/// implicit descendants (a pattern that names a folder takes everything below it). Later lines win, so
/// `!dist/tmp` after `dist` removes that folder.
/// </summary>
public sealed class PathPatternSet
{
    private readonly List<(bool Negated, GlobPattern Pattern, string SearchRoot, string? Literal)> _patterns = [];

    private PathPatternSet()
    {
    }

    /// <summary>Absolute search roots of the including lines, without those nested in another one (like @actions/glob's getSearchPaths).</summary>
    public IReadOnlyList<string> SearchRoots { get; private set; } = [];

    /// <summary>Number of including lines.</summary>
    public int IncludeCount => _patterns.Count(p => !p.Negated);

    public static PathPatternSet Parse(IEnumerable<string> lines, string baseDirectory, string home)
    {
        var set = new PathPatternSet();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var negated = false;
            while (line.StartsWith('!'))
            {
                negated = !negated;
                line = line[1..].TrimStart();
            }

            if (line == "~" || line.StartsWith("~/", StringComparison.Ordinal))
            {
                line = home + line[1..];
            }

            var absolute = NormalizeAbsolute(Path.IsPathRooted(line) ? line : Path.Combine(baseDirectory, line));
            var literal = GlobPattern.HasMagic(absolute) ? null : absolute.Replace("\\", string.Empty, StringComparison.Ordinal);
            set._patterns.Add((negated, GlobPattern.Parse(absolute, GlobSyntax.PathGlob), SearchRootOf(absolute), literal));
        }

        var roots = set._patterns.Where(p => !p.Negated).Select(p => p.SearchRoot).Distinct(StringComparer.Ordinal).OrderBy(r => r.Length).ToList();
        var kept = new List<string>();
        foreach (var root in roots)
        {
            if (!kept.Any(k => IsSameOrUnder(root, k)))
            {
                kept.Add(root);
            }
        }

        set.SearchRoots = kept;
        return set;
    }

    /// <summary>Whether <paramref name="fullPath"/> is selected: the last line matching it or one of its ancestors decides.</summary>
    public bool IsIncluded(string fullPath)
    {
        fullPath = NormalizeAbsolute(fullPath);
        for (var i = _patterns.Count - 1; i >= 0; i--)
        {
            var (negated, pattern, _, literal) = _patterns[i];
            if (literal is not null)
            {
                // A plain path (the common `path: node_modules`): a prefix test, no regex per ancestor.
                if (IsSameOrUnder(fullPath, literal))
                {
                    return !negated;
                }

                continue;
            }

            for (var candidate = fullPath; candidate.Length > 0; candidate = ParentOf(candidate))
            {
                if (pattern.IsMatch(candidate))
                {
                    return !negated;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Walks the search roots and returns the selected files (sorted, unique). Symbolic links to folders are not
    /// descended into unless <paramref name="followSymlinks"/>; <paramref name="skipHidden"/> leaves out any file
    /// with a path part below its search root that starts with a dot.
    /// </summary>
    public IReadOnlyList<FoundFile> FindFiles(bool followSymlinks, bool skipHidden = false)
    {
        var found = new Dictionary<string, FoundFile>(StringComparer.Ordinal);
        foreach (var root in SearchRoots)
        {
            var info = new FileInfo(root);
            if (info.Exists)
            {
                if (IsIncluded(root) && !(skipHidden && info.Name.StartsWith('.')))
                {
                    found.TryAdd(root, new FoundFile(root, root, info.Attributes.HasFlag(FileAttributes.ReparsePoint)) { Info = info });
                }

                continue;
            }

            if (!Directory.Exists(root))
            {
                continue;
            }

            Walk(root, root, followSymlinks, skipHidden, found, depth: 0);
        }

        return found.Values.OrderBy(f => f.FullPath, StringComparer.Ordinal).ToArray();
    }

    private void Walk(string root, string directory, bool followSymlinks, bool skipHidden, Dictionary<string, FoundFile> found, int depth)
    {
        if (depth > 256)
        {
            return; // a symlink loop when following links
        }

        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (skipHidden && entry.Name.StartsWith('.'))
            {
                continue;
            }

            // The attributes come from the directory walk's own lstat: no readlink per file.
            var isLink = entry.Attributes.HasFlag(FileAttributes.ReparsePoint);
            if (entry is DirectoryInfo dir && (!isLink || followSymlinks))
            {
                Walk(root, dir.FullName, followSymlinks, skipHidden, found, depth + 1);
            }
            else if (entry is FileInfo || isLink)
            {
                if (isLink && followSymlinks && entry is FileInfo { Exists: false })
                {
                    continue; // dangling link
                }

                if (IsIncluded(entry.FullName))
                {
                    found.TryAdd(entry.FullName, new FoundFile(entry.FullName, root, isLink && !followSymlinks) { Info = isLink ? null : entry });
                }
            }
        }
    }

    /// <summary>The literal folder part of a pattern: its segments before the first one with glob characters.</summary>
    internal static string SearchRootOf(string absolutePattern)
    {
        var segments = absolutePattern.Split('/');
        var literal = new List<string>();
        foreach (var segment in segments)
        {
            if (GlobPattern.HasMagic(segment))
            {
                break;
            }

            literal.Add(segment.Replace("\\", string.Empty, StringComparison.Ordinal));
        }

        var joined = string.Join('/', literal);
        return joined.Length == 0 ? "/" : joined;
    }

    internal static bool IsSameOrUnder(string path, string folder) =>
        path == folder || path.StartsWith(folder.EndsWith('/') ? folder : folder + "/", StringComparison.Ordinal);

    private static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? string.Empty : path[..slash];
    }

    private static string NormalizeAbsolute(string path)
    {
        // GetFullPath folds `.`/`..` and doubled slashes without touching glob characters.
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
