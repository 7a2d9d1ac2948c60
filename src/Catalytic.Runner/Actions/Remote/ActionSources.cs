using System.Text.RegularExpressions;

namespace Catalytic.Runner.Actions.Remote;

/// <summary>
/// Where remote actions come from: base URLs tried in order (<c>catalytic run --actions-url</c>, catalytic.yml
/// <c>actions-url:</c>; default <c>https://github.com</c>), the repository of <c>owner/repo</c> being
/// <c>URL/owner/repo</c> — as Gitea's <c>DEFAULT_ACTIONS_URL</c>. Any URL git clones works: https, http, git, ssh,
/// file, and scp-like <c>user@host:path</c>.
/// </summary>
public static partial class ActionSources
{
    /// <summary>GitHub, where <c>uses: owner/repo@ref</c> points on GitHub itself.</summary>
    public const string DefaultUrl = "https://github.com";

    /// <summary>Checks one configured URL; null when git can use it, else why not (naming the value).</summary>
    public static string? Validate(string url)
    {
        var u = url.Trim();
        if (u.Length == 0)
        {
            return "an actions URL is empty";
        }

        if (u.StartsWith('-') || u.Any(char.IsControl) || u.Contains(' ', StringComparison.Ordinal))
        {
            return $"'{Display(u)}' is not a URL git can clone from";
        }

        if (SchemePattern().Match(u) is { Success: true } m)
        {
            return m.Groups["scheme"].Value.ToLowerInvariant() is "https" or "http" or "git" or "ssh" or "file" or "git+ssh" or "ssh+git"
                ? null
                : $"'{Display(u)}': git does not clone over {m.Groups["scheme"].Value}:// (use https, http, git, ssh or file)";
        }

        return ScpPattern().IsMatch(u) ? null : $"'{Display(u)}' is not a URL git can clone from (https://host, git://host, ssh://host, file:///path or user@host:path)";
    }

    /// <summary>The repository of <paramref name="owner"/>/<paramref name="repo"/> under the base URL.</summary>
    public static string RepositoryUrl(string baseUrl, string owner, string repo)
    {
        var b = baseUrl.Trim().TrimEnd('/');
        return ScpPattern().IsMatch(b) && b.EndsWith(':') ? $"{b}{owner}/{repo}" : $"{b}/{owner}/{repo}";
    }

    /// <summary>The URL for messages: a password in it shows as <c>***</c>.</summary>
    public static string Display(string url) => UserInfoPattern().Replace(url, m => m.Groups["scheme"].Value + m.Groups["user"].Value + ":***@");

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")]
    private static partial Regex SchemePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:")]
    private static partial Regex ScpPattern();

    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?<user>[^:/@]*):[^@/]*@")]
    private static partial Regex UserInfoPattern();
}
