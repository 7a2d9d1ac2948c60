using System.Collections.Immutable;
using System.Text;

namespace Catalytic.Pipelines.Repositories;

/// <summary>One commit as a push payload lists it.</summary>
public sealed record CommitInfo(
    string Id,
    string TreeId,
    string Message,
    string Timestamp,
    string AuthorName,
    string AuthorEmail,
    string CommitterName,
    string CommitterEmail)
{
    public ImmutableArray<string> Added { get; init; } = [];
    public ImmutableArray<string> Removed { get; init; } = [];
    public ImmutableArray<string> Modified { get; init; } = [];
}

/// <summary>A file of a commit's tree: its path and text (null with <see cref="Error"/> when it cannot be read).</summary>
public sealed record TreeFile(string Path, string? Text, string? Error = null);

/// <summary>
/// The server's own clone of a repository: a bare repository under the state folder, never the user's work tree.
/// Fetches land in <c>refs/catalytic/incoming/…</c>; <c>refs/heads</c> and <c>refs/tags</c> are what the triggers have
/// already turned into runs. A change is "seen" only after its runs are queued (<see cref="AcceptAsync"/>), so a server
/// killed in between finds the change again on start (and the queue's deduplication keys make it one run).
/// </summary>
internal sealed class RepositoryMirror(string directory, RepositoryDefinition definition, ISecretSource secrets)
{
    private const string Incoming = "refs/catalytic/incoming/";
    private const string EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    /// <summary>Workflow files larger than this are not read (the run fails with the reason instead).</summary>
    public const int MaxWorkflowBytes = 1024 * 1024;

    /// <summary>The bare repository's folder.</summary>
    public string Directory { get; } = directory;

    /// <summary>Creates the bare repository when missing. True when it was created now (its first fetch is adopted, not run).</summary>
    public async Task<bool> EnsureAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(Directory, "HEAD")))
        {
            return !await IsInitializedAsync(ct);
        }

        System.IO.Directory.CreateDirectory(Directory);
        var init = await Git.RunAsync(Directory, ["init", "--quiet", "--bare"], ct);
        if (!init.Ok)
        {
            throw new IOException($"cannot create the mirror {Directory}: {init.Reason}");
        }

        // Reflogs would only grow; gc of objects no ref names waits its default two weeks, long enough for queued runs.
        await Git.RunAsync(Directory, ["config", "core.logAllRefUpdates", "false"], ct);
        return true;
    }

    private async Task<bool> IsInitializedAsync(CancellationToken ct) =>
        (await Git.RunAsync(Directory, ["config", "--get", "catalytic.initialized"], ct)).Output.Trim() == "true";

    /// <summary>Records that the first fetch was adopted: from now on every change of a ref starts runs.</summary>
    public Task MarkInitializedAsync(CancellationToken ct) => Git.RunAsync(Directory, ["config", "catalytic.initialized", "true"], ct);

    /// <summary>
    /// Fetches every branch and tag of the source into the incoming namespace (pruning what the source deleted), plus
    /// <paramref name="extra"/> refspecs. Null on success, else the reason (credentials never in it).
    /// </summary>
    public async Task<string?> FetchAsync(CancellationToken ct, params string[] extra)
    {
        var (environment, cleanup) = CredentialEnvironment();
        try
        {
            string[] args =
            [
                "fetch", "--quiet", "--prune", "--no-tags", "--no-write-fetch-head", "--no-auto-gc", "--no-recurse-submodules",
                "--end-of-options", definition.Source,
                $"+refs/heads/*:{Incoming}heads/*", $"+refs/tags/*:{Incoming}tags/*", .. extra,
            ];
            var result = await Git.RunAsync(Directory, args, ct, environment);
            return result.Ok ? null : Scrub(result.Reason);
        }
        finally
        {
            cleanup();
        }
    }

    /// <summary>Fetches single refspecs (a pull request's head); null on success, else the reason.</summary>
    public async Task<string?> FetchRefsAsync(IEnumerable<string> refspecs, CancellationToken ct)
    {
        var (environment, cleanup) = CredentialEnvironment();
        try
        {
            string[] args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-auto-gc", "--end-of-options", definition.Source, .. refspecs];
            var result = await Git.RunAsync(Directory, args, ct, environment);
            return result.Ok ? null : Scrub(result.Reason);
        }
        finally
        {
            cleanup();
        }
    }

    /// <summary>The fetched state of the source.</summary>
    public Task<RefSnapshot> IncomingAsync(CancellationToken ct) => ReadRefsAsync(Incoming, ct);

    /// <summary>What the triggers have already turned into runs.</summary>
    public async Task<RefSnapshot> SeenAsync(CancellationToken ct)
    {
        var heads = await ReadRefsAsync("refs/heads/", ct);
        var tags = await ReadRefsAsync("refs/tags/", ct);
        return new RefSnapshot(heads.Refs.AddRange(tags.Refs));
    }

    private async Task<RefSnapshot> ReadRefsAsync(string prefix, CancellationToken ct)
    {
        var result = await Git.RunAsync(Directory, ["for-each-ref", "--format=%(refname) %(objectname) %(*objectname)", prefix], ct);
        if (!result.Ok)
        {
            throw new IOException($"cannot read the refs of {Directory}: {result.Reason}");
        }

        // For the seen namespaces the names are already refs/heads/… or refs/tags/…: keep them whole.
        return prefix == Incoming ? RefSnapshot.Parse(result.Output, Incoming) : RefSnapshot.Parse(result.Output);
    }

    /// <summary>Makes <paramref name="change"/> seen: its runs are queued. Atomic; fails if the ref moved meanwhile.</summary>
    public async Task AcceptAsync(RefChange change, CancellationToken ct)
    {
        var old = change.Before?.Object ?? Git.ZeroId;
        var line = change.After is { } after ? $"update {change.Ref} {after.Object} {old}\n" : $"delete {change.Ref} {old}\n";
        var result = await Git.RunAsync(Directory, ["update-ref", "--stdin"], ct, input: line);
        if (!result.Ok)
        {
            throw new IOException($"cannot record {change} as seen: {result.Reason}");
        }
    }

    /// <summary>Sets <paramref name="refName"/> to <paramref name="target"/> whatever it was (a webhook's push is news even when the poll was ahead).</summary>
    public async Task SetRefAsync(string refName, string target, CancellationToken ct)
    {
        var result = await Git.RunAsync(Directory, ["update-ref", "--end-of-options", refName, target], ct);
        if (!result.Ok)
        {
            throw new IOException($"cannot set {refName}: {result.Reason}");
        }
    }

    /// <summary>The commit <paramref name="revision"/> names in the mirror (a sha, a ref), or null when it has none.</summary>
    public async Task<string?> ResolveCommitAsync(string revision, CancellationToken ct)
    {
        var result = await Git.RunAsync(Directory, ["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"], ct);
        return result.Ok ? result.Output.Trim() : null;
    }

    /// <summary>
    /// The default branch: the configured one; for a remote repository its HEAD (what a clone of it checks out); for a
    /// local one what git says of it (<see cref="LocalDefaultBranchAsync"/>), never merely the branch checked out now;
    /// else main or master, else the first branch.
    /// </summary>
    public async Task<string?> DefaultBranchAsync(RefSnapshot seen, CancellationToken ct)
    {
        if (definition.DefaultBranch is { } configured)
        {
            return configured;
        }

        if (definition.Path is { } local)
        {
            return await LocalDefaultBranchAsync(local, seen, ct);
        }

        var (environment, cleanup) = CredentialEnvironment();
        try
        {
            var remote = await Git.RunAsync(Directory, ["ls-remote", "--symref", "--end-of-options", definition.Source, "HEAD"], ct, environment);
            foreach (var line in remote.Output.Split('\n'))
            {
                if (line.StartsWith("ref: refs/heads/", StringComparison.Ordinal) && line.EndsWith("\tHEAD", StringComparison.Ordinal))
                {
                    return line["ref: refs/heads/".Length..^"\tHEAD".Length];
                }
            }
        }
        finally
        {
            cleanup();
        }

        foreach (var name in (string[])["main", "master"])
        {
            if (seen.Refs.ContainsKey("refs/heads/" + name))
            {
                return name;
            }
        }

        return seen.Refs.Keys.FirstOrDefault(r => r.StartsWith("refs/heads/", StringComparison.Ordinal))?["refs/heads/".Length..];
    }

    /// <summary>
    /// A local repository's default branch, by what git says of it and only among the branches it has: a clone's
    /// <c>origin/HEAD</c> (the default branch of where it was cloned from); a bare repository's <c>HEAD</c> (what a clone
    /// of it checks out); <c>init.defaultBranch</c> of its git config; <c>main</c> or <c>master</c>; the branch its
    /// <c>HEAD</c> names (a work tree's current branch, the last resort: a developer on a feature branch does not make
    /// that branch the default); else the first branch.
    /// </summary>
    private static async Task<string?> LocalDefaultBranchAsync(string path, RefSnapshot seen, CancellationToken ct)
    {
        bool Has(string? branch) => branch is { Length: > 0 } && seen.Refs.ContainsKey("refs/heads/" + branch);

        async Task<string?> SymbolicAsync(string name, string prefix)
        {
            var r = await Git.RunAsync(path, ["symbolic-ref", "--quiet", name], ct);
            var target = r.Output.Trim();
            return r.Ok && target.StartsWith(prefix, StringComparison.Ordinal) ? target[prefix.Length..] : null;
        }

        if (await SymbolicAsync("refs/remotes/origin/HEAD", "refs/remotes/origin/") is { } origin && Has(origin))
        {
            return origin;
        }

        var head = await SymbolicAsync("HEAD", "refs/heads/");
        if ((await Git.RunAsync(path, ["rev-parse", "--is-bare-repository"], ct)).Output.Trim() == "true" && Has(head))
        {
            return head;
        }

        var configured = (await Git.RunAsync(path, ["config", "--get", "init.defaultBranch"], ct)).Output.Trim();
        foreach (var candidate in (string?[])[configured, "main", "master", head])
        {
            if (Has(candidate))
            {
                return candidate;
            }
        }

        return seen.Refs.Keys.FirstOrDefault(r => r.StartsWith("refs/heads/", StringComparison.Ordinal))?["refs/heads/".Length..];
    }

    /// <summary>The workflow files (<c>.github/workflows/*.yml|yaml</c>, not in subfolders) of <paramref name="commit"/>, in name order.</summary>
    public async Task<ImmutableArray<TreeFile>> WorkflowFilesAsync(string commit, CancellationToken ct)
    {
        var list = await Git.RunAsync(Directory, ["ls-tree", "-z", "-l", "--end-of-options", commit, "--", ".github/workflows/"], ct);
        if (!list.Ok)
        {
            return [];
        }

        var files = ImmutableArray.CreateBuilder<TreeFile>();
        foreach (var entry in list.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))
        {
            // "<mode> <type> <object> <size>\t<path>"
            var tab = entry.IndexOf('\t', StringComparison.Ordinal);
            var meta = entry[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var path = entry[(tab + 1)..];
            if (meta[1] != "blob" || path.Count(c => c == '/') != 2 || !(path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (long.TryParse(meta[3], out var size) && size > MaxWorkflowBytes)
            {
                files.Add(new TreeFile(path, null, $"the workflow file is {size} bytes; the server reads workflow files up to {MaxWorkflowBytes} bytes"));
                continue;
            }

            var blob = await Git.RunAsync(Directory, ["cat-file", "blob", meta[2]], ct);
            files.Add(blob.Ok ? new TreeFile(path, blob.Output) : new TreeFile(path, null, "cannot read the file: " + blob.Reason));
        }

        return files.OrderBy(f => f.Path, StringComparer.Ordinal).ToImmutableArray();
    }

    /// <summary>The commits reachable from <paramref name="include"/> but not from <paramref name="exclude"/>, oldest first, at most <paramref name="max"/> (the newest ones).</summary>
    public async Task<ImmutableArray<CommitInfo>> CommitsAsync(string include, IEnumerable<string> exclude, int max, CancellationToken ct)
    {
        string[] args =
        [
            "log", "-z", "--no-renames", "--name-status", "--no-color", $"--max-count={max}",
            "--format=%x1e%H%x1f%T%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%B%x1f", "--end-of-options", include, .. exclude.Select(e => "^" + e),
        ];
        var result = await Git.RunAsync(Directory, args, ct);
        if (!result.Ok)
        {
            return [];
        }

        var commits = new List<CommitInfo>();
        foreach (var record in result.Output.Split('\x1e', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = record.Split('\x1f');
            if (f.Length < 9)
            {
                continue;
            }

            var added = ImmutableArray.CreateBuilder<string>();
            var removed = ImmutableArray.CreateBuilder<string>();
            var modified = ImmutableArray.CreateBuilder<string>();
            var names = f[8].TrimStart('\0', '\n').Split('\0', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < names.Length; i += 2)
            {
                (names[i].Trim() switch { "A" => added, "D" => removed, _ => modified }).Add(names[i + 1]);
            }

            commits.Add(new CommitInfo(f[0], f[1], f[7].TrimEnd(), f[4], f[2], f[3], f[5], f[6])
            {
                Added = added.ToImmutable(),
                Removed = removed.ToImmutable(),
                Modified = modified.ToImmutable(),
            });
        }

        commits.Reverse();
        return [.. commits];
    }

    /// <summary>One commit's details (no file lists), or null.</summary>
    public async Task<CommitInfo?> CommitAsync(string commit, CancellationToken ct) =>
        (await CommitsAsync(commit, [], 1, ct)) is [var only] ? only with { Added = [], Removed = [], Modified = [] } : null;

    /// <summary>How many commits <c>from..to</c> holds (up to <paramref name="cap"/> + 1).</summary>
    public async Task<int> CountAsync(string from, string to, int cap, CancellationToken ct)
    {
        var result = await Git.RunAsync(Directory, ["rev-list", "--count", $"--max-count={cap + 1}", "--end-of-options", to, "^" + from], ct);
        return result.Ok && int.TryParse(result.Output.Trim(), out var n) ? n : cap + 1;
    }

    /// <summary>The paths that differ between two commits (two-dot: the trees compared directly), or with <paramref name="from"/> null against an empty tree.</summary>
    public async Task<ImmutableArray<string>?> DiffNamesAsync(string? from, string to, CancellationToken ct, bool mergeBase = false)
    {
        string[] args = mergeBase
            ? ["diff", "--name-only", "-z", "--no-renames", "--end-of-options", $"{from}...{to}"]
            : ["diff", "--name-only", "-z", "--no-renames", "--end-of-options", from ?? EmptyTree, to];
        var result = await Git.RunAsync(Directory, args, ct);
        return result.Ok ? [.. result.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries)] : null;
    }

    /// <summary>Whether <paramref name="ancestor"/> is an ancestor of <paramref name="descendant"/>.</summary>
    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken ct) =>
        (await Git.RunAsync(Directory, ["merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant], ct)).ExitCode == 0;

    /// <summary>
    /// The test merge commit of a pull request, as GitHub makes <c>refs/pull/N/merge</c>: <paramref name="head"/> merged
    /// into <paramref name="baseCommit"/>, written to <paramref name="refName"/>. Null with the reason when they conflict.
    /// </summary>
    public async Task<(string? Commit, string? Conflict)> MergeAsync(string baseCommit, string head, string message, string refName, DateTimeOffset at, CancellationToken ct)
    {
        var tree = await Git.RunAsync(Directory, ["merge-tree", "--write-tree", "--no-messages", "--end-of-options", baseCommit, head], ct);
        if (!tree.Ok)
        {
            var conflicted = tree.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t').Last()).Distinct().Take(10);
            return (null, tree.ExitCode == 1 ? "the pull request has merge conflicts (" + string.Join(", ", conflicted) + ")" : tree.Reason);
        }

        var date = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + " +0000";
        var environment = new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = "catalytic", ["GIT_AUTHOR_EMAIL"] = "catalytic@localhost", ["GIT_AUTHOR_DATE"] = date,
            ["GIT_COMMITTER_NAME"] = "catalytic", ["GIT_COMMITTER_EMAIL"] = "catalytic@localhost", ["GIT_COMMITTER_DATE"] = date,
        };
        var commit = await Git.RunAsync(Directory, ["commit-tree", tree.Output.Split('\n')[0].Trim(), "-p", baseCommit, "-p", head, "-m", message], ct, environment);
        if (!commit.Ok)
        {
            return (null, commit.Reason);
        }

        var sha = commit.Output.Trim();
        await SetRefAsync(refName, sha, ct);
        return (sha, null);
    }

    /// <summary>Git's environment for this repository's credentials (config through GIT_CONFIG_*: never on a command line), and what to delete after.</summary>
    private (Dictionary<string, string>? Environment, Action Cleanup) CredentialEnvironment()
    {
        if (definition.Credentials is not { } credentials)
        {
            return (null, () => { });
        }

        var environment = new Dictionary<string, string>();
        Action cleanup = () => { };
        if (credentials.PasswordSecret is { } passwordSecret && secrets.Get(definition.Name, passwordSecret) is { } password)
        {
            var user = credentials.Username ?? "x-access-token";
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
            environment["GIT_CONFIG_COUNT"] = "1";
            environment["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            environment["GIT_CONFIG_VALUE_0"] = "Authorization: Basic " + basic;
        }

        if (credentials.SshKeySecret is { } keySecret && secrets.Get(definition.Name, keySecret) is { } key)
        {
            var file = Path.Combine(Path.GetTempPath(), "catalytic-key-" + Guid.NewGuid().ToString("n"));
            // Created 0600 (ssh refuses a key others can read), never world-readable even for a moment.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(file, options))
            {
                writer.Write(key.EndsWith('\n') ? key : key + "\n");
            }

            environment["GIT_SSH_COMMAND"] = $"ssh -i '{file}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new";
            cleanup = () => File.Delete(file);
        }

        return (environment, cleanup);
    }

    /// <summary>A git message with the source URL's credentials and any configured secret value removed.</summary>
    private string Scrub(string reason)
    {
        if (definition.Url is { } url)
        {
            reason = reason.Replace(url, Git.Redact(url), StringComparison.Ordinal);
        }

        foreach (var name in new[] { definition.Credentials?.PasswordSecret, definition.Credentials?.SshKeySecret })
        {
            if (name is not null && secrets.Get(definition.Name, name) is { Length: >= 3 } value)
            {
                reason = reason.Replace(value, "***", StringComparison.Ordinal);
            }
        }

        return reason;
    }
}
