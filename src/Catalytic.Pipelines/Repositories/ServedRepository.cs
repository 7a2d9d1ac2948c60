namespace Catalytic.Pipelines.Repositories;

/// <summary>The embedded default: <c>catalytic serve</c> in a git repository with no <c>repositories:</c> serves that repository.</summary>
public static class ServedRepository
{
    /// <summary>
    /// The repository whose work tree (or bare folder) holds <paramref name="directory"/>, named after its folder; null
    /// outside git.
    /// </summary>
    public static RepositoryDefinition? Find(string directory)
    {
        var top = Runner.Context.GithubContextBuilder.RunGit(directory, "rev-parse", "--show-toplevel");
        if (top is null && Runner.Context.GithubContextBuilder.RunGit(directory, "rev-parse", "--is-bare-repository") == "true")
        {
            top = Runner.Context.GithubContextBuilder.RunGit(directory, "rev-parse", "--absolute-git-dir");
        }

        if (string.IsNullOrEmpty(top))
        {
            return null;
        }

        var folder = new DirectoryInfo(top).Name;
        if (folder.EndsWith(".git", StringComparison.Ordinal) && folder.Length > 4)
        {
            folder = folder[..^4];
        }

        return new RepositoryDefinition { Name = Sanitize(folder), Path = top };
    }

    /// <summary>A repository name usable in URLs and folder names: letters, digits, '-', '_', '.'; others become '-'.</summary>
    public static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        var s = new string(chars).Trim('.');
        return s.Length == 0 ? "repository" : s;
    }
}
