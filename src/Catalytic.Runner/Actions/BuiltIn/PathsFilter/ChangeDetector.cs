using Catalytic.Runner.Actions.BuiltIn.Processes;

namespace Catalytic.Runner.Actions.BuiltIn.PathsFilter;

/// <summary>
/// Finds the changed files the way dorny/paths-filter does without a token, with git processes: for pull
/// requests against the merge base with the base branch; for pushes against the event's `before` (the last
/// commit alone when `before` is missing, every file as added when it is the zero SHA of a first push), or
/// against the merge base with `base` when that names another branch; `base: HEAD` lists uncommitted changes.
/// </summary>
internal static class ChangeDetector
{
    private const string NullSha = "0000000000000000000000000000000000000000";

    private static readonly string[] PullRequestEvents = ["pull_request", "pull_request_review", "pull_request_review_comment", "pull_request_target"];

    public sealed record Detection(IReadOnlyList<ChangedFile> Files, string Description);

    public static async Task<Detection> DetectAsync(ActionContext context, string directory, string baseInput, string refInput, CancellationToken ct)
    {
        if (baseInput == "HEAD")
        {
            return new Detection(await DiffAsync(directory, ct, "diff", "--no-renames", "--name-status", "-z", "HEAD"), "uncommitted changes against HEAD");
        }

        var eventName = context.GithubValue("event_name");
        var currentRef = await CurrentRefAsync(directory, ct);
        var defaultBranch = await DefaultBranchAsync(context, directory, ct);
        if (PullRequestEvents.Contains(eventName))
        {
            if (eventName == "pull_request_target")
            {
                throw new InvalidOperationException("'token' input parameter is required if action is triggered by 'pull_request_target' event (it cannot be answered offline)");
            }

            var prBase = FirstNonEmpty(context.GithubValue("base_ref"), baseInput, defaultBranch)
                ?? throw new InvalidOperationException("pull_request: no base branch (github.base_ref) to compare with");
            var head = FirstNonEmpty(refInput, "HEAD")!;
            return await SinceMergeBaseAsync(directory, prBase, head, ct);
        }

        var headRef = ShortName(FirstNonEmpty(refInput, context.GithubValue("ref"), currentRef)
            ?? throw new InvalidOperationException("This action requires 'ref' to be set, github.ref in the event, or a branch checked out"));
        var baseRef = ShortName(FirstNonEmpty(baseInput, defaultBranch)
            ?? throw new InvalidOperationException("This action requires the 'base' input or a default branch (origin/HEAD, main or master)"));
        var isBaseSha = IsSha(baseRef);
        if (isBaseSha || baseRef == headRef)
        {
            var before = isBaseSha ? baseRef : FirstNonEmpty(context.GithubValue("event.before"), context.GithubValue("before"));
            if (before is null)
            {
                return new Detection(
                    await DiffAsync(directory, ct, "log", "--format=", "--no-renames", "--name-status", "-z", "-n", "1", "HEAD"),
                    "changes in the last commit ('before' is missing from the event)");
            }

            if (before == NullSha)
            {
                if (defaultBranch is not null && baseRef != defaultBranch)
                {
                    return await SinceMergeBaseAsync(directory, defaultBranch, headRef, ct);
                }

                var all = await ProcessRunner.GitAsync(directory, ct, "ls-files", "-z");
                return new Detection(
                    all.StdOut.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(p => new ChangedFile(p, "added")).ToArray(),
                    "initial push: all files listed as added");
            }

            var head = await ResolveAsync(directory, headRef, ct) ?? "HEAD";
            return new Detection(await DiffAsync(directory, ct, "diff", "--no-renames", "--name-status", "-z", $"{before}..{head}"), $"changes between {before} and {headRef}");
        }

        return await SinceMergeBaseAsync(directory, baseRef, headRef, ct);
    }

    private static async Task<Detection> SinceMergeBaseAsync(string directory, string baseRef, string head, CancellationToken ct)
    {
        var baseCommit = await ResolveAsync(directory, baseRef, ct) ?? await ResolveAsync(directory, "origin/" + baseRef, ct)
            ?? throw new InvalidOperationException($"base '{baseRef}' is not a branch, tag or commit of the local repository");
        var headCommit = await ResolveAsync(directory, head, ct) ?? "HEAD";
        return new Detection(
            await DiffAsync(directory, ct, "diff", "--no-renames", "--name-status", "-z", $"{baseCommit}...{headCommit}"),
            $"changes since the merge base of {baseRef} and {head}");
    }

    private static async Task<IReadOnlyList<ChangedFile>> DiffAsync(string directory, CancellationToken ct, params string[] arguments)
    {
        var outcome = await ProcessRunner.GitAsync(directory, ct, arguments);
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {outcome.ErrorText}");
        }

        // -z output: STATUS\0PATH\0STATUS\0PATH\0…
        var parts = outcome.StdOut.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var files = new List<ChangedFile>();
        for (var i = 0; i + 1 < parts.Length; i += 2)
        {
            var status = parts[i].Trim() switch
            {
                var s when s.StartsWith('A') => "added",
                var s when s.StartsWith('D') => "deleted",
                var s when s.StartsWith('R') => "renamed",
                var s when s.StartsWith('C') => "copied",
                var s when s.StartsWith('U') => "unmerged",
                _ => "modified",
            };
            files.Add(new ChangedFile(parts[i + 1], status));
        }

        return files;
    }

    private static async Task<string?> CurrentRefAsync(string directory, CancellationToken ct)
    {
        var branch = await ProcessRunner.GitAsync(directory, ct, "branch", "--show-current");
        if (branch.Succeeded && branch.StdOut.Trim().Length > 0)
        {
            return branch.StdOut.Trim();
        }

        var sha = await ProcessRunner.GitAsync(directory, ct, "rev-parse", "HEAD");
        return sha.Succeeded ? sha.StdOut.Trim() : null;
    }

    private static async Task<string?> DefaultBranchAsync(ActionContext context, string directory, CancellationToken ct)
    {
        if (FirstNonEmpty(context.GithubValue("event.repository.default_branch"), context.GithubValue("default_branch")) is { } known)
        {
            return known;
        }

        var origin = await ProcessRunner.GitAsync(directory, ct, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD");
        if (origin.Succeeded && origin.StdOut.Trim().Length > 0)
        {
            return origin.StdOut.Trim().Replace("origin/", string.Empty, StringComparison.Ordinal);
        }

        foreach (var candidate in new[] { "main", "master" })
        {
            if ((await ProcessRunner.GitAsync(directory, ct, "show-ref", "--verify", "--quiet", "refs/heads/" + candidate)).Succeeded)
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<string?> ResolveAsync(string directory, string reference, CancellationToken ct)
    {
        var outcome = await ProcessRunner.GitAsync(directory, ct, "rev-parse", "--verify", "--quiet", reference + "^{commit}");
        return outcome.Succeeded ? outcome.StdOut.Trim() : null;
    }

    private static string ShortName(string reference)
    {
        foreach (var prefix in new[] { "refs/heads/", "refs/tags/" })
        {
            if (reference.StartsWith(prefix, StringComparison.Ordinal))
            {
                return reference[prefix.Length..];
            }
        }

        return reference;
    }

    private static bool IsSha(string text) => text.Length == 40 && text.All(char.IsAsciiHexDigit);

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
