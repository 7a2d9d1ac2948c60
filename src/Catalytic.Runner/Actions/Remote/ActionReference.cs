using System.Text.RegularExpressions;

namespace Catalytic.Runner.Actions.Remote;

/// <summary>
/// A step's <c>uses: owner/repo[/path]@ref</c> as GitHub reads it: the repository, the folder of the action inside it
/// (empty for the root), and the ref (a tag, a branch or a full commit SHA).
/// </summary>
public sealed partial record ActionReference(string Owner, string Repo, string Path, string Ref)
{
    /// <summary><c>owner/repo</c>, as written.</summary>
    public string Repository => Owner + "/" + Repo;

    /// <summary><c>owner/repo@ref</c>: what is fetched (the path is a folder inside it).</summary>
    public string Key => Repository + "@" + Ref;

    /// <summary>True when the ref is a full 40-hex commit SHA: it names content that never changes.</summary>
    public bool IsCommitSha => IsFullSha(Ref);

    /// <summary>Reads <paramref name="uses"/>; null for anything that is not <c>owner/repo[/path]@ref</c> (./path, docker://, no ref).</summary>
    public static ActionReference? Parse(string uses)
    {
        var match = Pattern().Match(uses.Trim());
        if (!match.Success)
        {
            return null;
        }

        var path = match.Groups["path"].Value.Trim('/');
        var owner = match.Groups["owner"].Value;
        var repo = match.Groups["repo"].Value;
        var gitRef = match.Groups["ref"].Value;

        // Names become folders of the cache and arguments of git: nothing that climbs out or reads as an option.
        if (owner is "." or ".." || repo is "." or ".." || path.Split('/').Any(p => p is "." or "..") || !IsSafeRef(gitRef))
        {
            return null;
        }

        return new ActionReference(owner, repo, path, gitRef);
    }

    /// <summary>True for a full commit SHA (40 hex digits, as GitHub requires for pinning).</summary>
    public static bool IsFullSha(string value) => value.Length == 40 && value.All(char.IsAsciiHexDigit);

    /// <summary>A ref git accepts and cannot mistake for an option: git's ref-name rules, and no leading '-'.</summary>
    public static bool IsSafeRef(string value) =>
        RefPattern().IsMatch(value) && !value.Contains("..", StringComparison.Ordinal) && !value.Contains("//", StringComparison.Ordinal)
        && !value.EndsWith(".lock", StringComparison.Ordinal) && !value.EndsWith('/') && !value.EndsWith('.');

    public override string ToString() => Repository + (Path.Length > 0 ? "/" + Path : "") + "@" + Ref;

    // GitHub's owner and repository names: letters, digits, '-', '_' and '.'; a ref has no spaces and no '@'.
    [GeneratedRegex(@"^(?<owner>[A-Za-z0-9_.-]+)/(?<repo>[A-Za-z0-9_.-]+)(?<path>(/[^@\s/]+)*)/?@(?<ref>[^@\s]+)$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.+/-]*$")]
    private static partial Regex RefPattern();
}
