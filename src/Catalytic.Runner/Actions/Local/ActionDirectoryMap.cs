using System.Text.RegularExpressions;

namespace Catalytic.Runner.Actions.Local;

/// <summary>
/// Maps remote actions (<c>owner/name@ref</c>, or <c>owner/name</c> for any ref) to local folders, so a step's
/// <c>uses: owner/name[/path]@ref</c> runs a checked-out copy exactly like a <c>./path</c> action. Comes from
/// <c>--action-dir</c> and the <c>actions:</c> mapping of catalytic.yml. Keys compare ignoring case (as GitHub's
/// owner and repository names do); a key with a ref wins over one without.
/// </summary>
public sealed partial class ActionDirectoryMap
{
    private readonly Dictionary<string, string> _byKey;

    private ActionDirectoryMap(Dictionary<string, string> byKey) => _byKey = byKey;

    public static ActionDirectoryMap Empty { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    /// <summary>The mappings as given (key → absolute folder), for messages and tests.</summary>
    public IReadOnlyDictionary<string, string> Entries => _byKey;

    /// <summary>
    /// Builds a map from <c>(key, folder)</c> pairs; folders are made absolute against <paramref name="baseDirectory"/>.
    /// Returns the errors (each naming the key) instead of throwing; a bad key or a missing folder changes nothing.
    /// </summary>
    public static (ActionDirectoryMap? Map, IReadOnlyList<string> Errors) Create(IEnumerable<(string Key, string Path)> entries, string baseDirectory)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();
        foreach (var (key, path) in entries)
        {
            var k = key.Trim();
            if (!KeyPattern().IsMatch(k))
            {
                errors.Add($"'{key}' is not an action name: expected owner/name or owner/name@ref");
                continue;
            }

            if (string.IsNullOrWhiteSpace(path))
            {
                errors.Add($"'{key}' maps to an empty path");
                continue;
            }

            var full = System.IO.Path.GetFullPath(path.Trim(), baseDirectory);
            if (!Directory.Exists(full))
            {
                errors.Add($"'{key}' maps to '{path}', which is not a folder ({full})");
                continue;
            }

            map[k] = full;
        }

        return errors.Count > 0 ? (null, errors) : (new ActionDirectoryMap(map), errors);
    }

    /// <summary>Splits one <c>--action-dir</c> value, <c>owner/name[@ref]=PATH</c>; null when it has no '='.</summary>
    public static (string Key, string Path)? SplitOption(string value)
    {
        var eq = value.IndexOf('=', StringComparison.Ordinal);
        return eq <= 0 ? null : (value[..eq], value[(eq + 1)..]);
    }

    /// <summary>
    /// The folder for <paramref name="uses"/> (<c>owner/name[/sub/path]@ref</c>): the mapped folder plus any sub-path;
    /// null when neither <c>owner/name@ref</c> nor <c>owner/name</c> is mapped.
    /// </summary>
    public string? Resolve(string uses)
    {
        if (_byKey.Count == 0 || uses.StartsWith("./", StringComparison.Ordinal) || uses.StartsWith("docker://", StringComparison.Ordinal))
        {
            return null;
        }

        var at = uses.LastIndexOf('@');
        var path = at < 0 ? uses : uses[..at];
        var gitRef = at < 0 ? null : uses[(at + 1)..];
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return null;
        }

        var repo = parts[0] + "/" + parts[1];
        var dir = (gitRef is not null ? _byKey.GetValueOrDefault(repo + "@" + gitRef) : null) ?? _byKey.GetValueOrDefault(repo);
        return dir is null ? null : parts.Length == 2 ? dir : System.IO.Path.Combine([dir, .. parts[2..]]);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(@[^\s@=]+)?$")]
    private static partial Regex KeyPattern();
}
