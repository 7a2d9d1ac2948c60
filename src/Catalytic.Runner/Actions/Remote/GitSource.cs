using System.Text;
using Catalytic.Runner.Actions.BuiltIn.Processes;

namespace Catalytic.Runner.Actions.Remote;

/// <summary>How one git command against a source ended: its answer, or why it failed and whether the source said "no such thing".</summary>
internal sealed record GitAnswer(bool Ok, string Output, string Error, bool NotFound, bool RepositoryMissing);

/// <summary>
/// The git commands remote actions need (<c>ls-remote</c> of one ref, a shallow <c>fetch</c> of a ref or a commit, a
/// checkout), with an environment that never prompts and carries a token, if any, through git's own configuration
/// variables — never on a command line that <c>ps</c> shows.
/// </summary>
internal sealed class GitSource(IReadOnlyDictionary<string, string> hostEnvironment, string? token)
{
    private readonly Dictionary<string, string> _env = Environment(hostEnvironment, token);

    /// <summary>The commit <paramref name="gitRef"/> names at <paramref name="url"/> (a tag peeled to its commit, else a branch); null in <see cref="GitAnswer.Output"/> when it has none.</summary>
    public async Task<GitAnswer> LsRemoteAsync(string url, string gitRef, CancellationToken ct)
    {
        var outcome = await RunAsync(null, ct, "ls-remote", "--", url, gitRef);
        if (!outcome.Succeeded)
        {
            return Failed(outcome);
        }

        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in outcome.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t', 2);
            if (parts.Length == 2)
            {
                refs[parts[1].Trim()] = parts[0].Trim();
            }
        }

        // As git resolves a short name: a tag before a branch; an annotated tag's peeled entry is its commit.
        string[] order = [$"refs/tags/{gitRef}^{{}}", $"refs/tags/{gitRef}", $"refs/heads/{gitRef}", gitRef];
        var commit = order.Select(r => refs.GetValueOrDefault(r)).FirstOrDefault(c => c is not null);
        return commit is null ? new GitAnswer(false, "", $"no ref '{gitRef}'", NotFound: true, RepositoryMissing: false) : new GitAnswer(true, commit, "", false, false);
    }

    /// <summary>Fetches <paramref name="what"/> (a ref or a full SHA) from <paramref name="url"/> into the repository at <paramref name="gitDir"/>, one commit deep; answers the commit.</summary>
    public async Task<GitAnswer> FetchAsync(string gitDir, string url, string what, CancellationToken ct)
    {
        var fetch = await RunAsync(gitDir, ct, "fetch", "--quiet", "--no-tags", "--depth", "1", "--", url, what);
        if (!fetch.Succeeded)
        {
            return Failed(fetch);
        }

        var commit = await RunAsync(gitDir, ct, "rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}");
        return commit.Succeeded ? new GitAnswer(true, commit.StdOut.Trim(), "", false, false) : new GitAnswer(false, "", $"'{what}' is not a commit", true, false);
    }

    /// <summary>
    /// Fetches every branch and tag of <paramref name="url"/> (for a server that serves no unadvertised commit, as
    /// protocol v0 servers do) and answers whether <paramref name="sha"/> is among what came.
    /// </summary>
    public async Task<GitAnswer> FetchAllAndFindAsync(string gitDir, string url, string sha, CancellationToken ct)
    {
        var fetch = await RunAsync(gitDir, ct, "fetch", "--quiet", "--no-tags", "--", url, "+refs/heads/*:refs/remotes/source/*", "+refs/tags/*:refs/tags/*");
        if (!fetch.Succeeded)
        {
            return Failed(fetch);
        }

        var found = await RunAsync(gitDir, ct, "cat-file", "-e", sha + "^{commit}");
        return found.Succeeded ? new GitAnswer(true, sha, "", false, false) : new GitAnswer(false, "", $"no commit {sha}", true, false);
    }

    /// <summary>Makes an empty repository at <paramref name="dir"/>.</summary>
    public async Task<GitAnswer> InitAsync(string dir, CancellationToken ct)
    {
        var init = await RunAsync(null, ct, "init", "--quiet", "--", dir);
        return init.Succeeded ? new GitAnswer(true, "", "", false, false) : Failed(init);
    }

    /// <summary>Checks <paramref name="commit"/> out into the work tree of <paramref name="dir"/>.</summary>
    public async Task<GitAnswer> CheckoutAsync(string dir, string commit, CancellationToken ct)
    {
        var checkout = await RunAsync(dir, ct, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit);
        return checkout.Succeeded ? new GitAnswer(true, "", "", false, false) : Failed(checkout);
    }

    private Task<ProcessOutcome> RunAsync(string? directory, CancellationToken ct, params string[] args) =>
        ProcessRunner.RunAsync("git", args, directory, _env, ct);

    private static GitAnswer Failed(ProcessOutcome outcome)
    {
        var text = outcome.ErrorText;
        var repositoryMissing = text.Contains("not found", StringComparison.OrdinalIgnoreCase) && text.Contains("repository", StringComparison.OrdinalIgnoreCase)
            || text.Contains("does not appear to be a git repository", StringComparison.Ordinal)
            || text.Contains("No such file or directory", StringComparison.Ordinal) && text.Contains("repository", StringComparison.Ordinal)
            || text.Contains("access denied or repository not exported", StringComparison.Ordinal);
        var notFound = text.Contains("couldn't find remote ref", StringComparison.OrdinalIgnoreCase)
            || text.Contains("not our ref", StringComparison.Ordinal)
            || text.Contains("unadvertised object", StringComparison.Ordinal);
        return new GitAnswer(false, "", LastLines(text), notFound, repositoryMissing);
    }

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" / ", lines.TakeLast(3));
    }

    private static Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> host, string? token)
    {
        var env = new Dictionary<string, string>(host, StringComparer.Ordinal)
        {
            ["LC_ALL"] = "C",
            ["GIT_TERMINAL_PROMPT"] = "0",

            // Nothing may wait for a person: no password prompt, no host-key question.
            ["GIT_ASKPASS"] = "true",
            ["SSH_ASKPASS"] = "true",
        };
        env.Remove("GIT_DIR");
        env.Remove("GIT_WORK_TREE");
        env.Remove("GIT_INDEX_FILE");
        if (!env.ContainsKey("GIT_SSH_COMMAND"))
        {
            env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes";
        }

        if (!string.IsNullOrEmpty(token))
        {
            // An HTTP(S) source gets the token as GitHub's own runner sends it (basic auth, x-access-token), through
            // git's configuration variables: they reach git, and no command line.
            var index = int.TryParse(env.GetValueOrDefault("GIT_CONFIG_COUNT"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + token));
            env[$"GIT_CONFIG_KEY_{index}"] = "http.extraHeader";
            env[$"GIT_CONFIG_VALUE_{index}"] = "Authorization: Basic " + basic;
            env["GIT_CONFIG_COUNT"] = (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return env;
    }
}
