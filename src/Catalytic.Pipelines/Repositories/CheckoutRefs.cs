using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Events;

namespace Catalytic.Pipelines.Repositories;

/// <summary>
/// The refs a job's workspace has once its commit is in it, as a GitHub runner's checkout has them after
/// <c>actions/checkout</c>, so the tools workflows use on GitHub work the same here (<c>dorny/paths-filter</c>,
/// <c>git diff ${{ github.event.before }}..$GITHUB_SHA</c>, <c>git rev-parse origin/HEAD</c>, release scripts that read
/// the branch): a push of a branch has that branch checked out at the run's commit, tracking
/// <c>origin/BRANCH</c>; a tag is present and checked out detached; a pull request's ref is
/// <c>refs/remotes/pull/N/merge</c>, checked out detached; <c>refs/remotes/origin/HEAD</c> names the repository's
/// default branch; no other local branch is left (a worker's reused workspace keeps none of an earlier job's). The
/// embedded worker and <c>catalytic worker</c> both end their checkout here.
/// </summary>
internal static class CheckoutRefs
{
    /// <summary>What the job's event says about refs: the ref it ran for, the default branch, and a push's <c>before</c> (null when none or zeros).</summary>
    public sealed record Target(string Sha, string? Ref, string? DefaultBranch, string? Before)
    {
        public static Target Of(JobAssignment job)
        {
            // The payload may come from a webhook: read through objects only (Events/Payload).
            var spec = job.Spec;
            var gitRef = Payload.Text(spec.Github, "ref") ?? spec.Run.Ref;
            var defaultBranch = Payload.Text(spec.EventPayload, "repository", "default_branch");
            var before = spec.EventName == "push" ? Payload.Text(spec.EventPayload, "before") : null;
            return new Target(job.Sha, gitRef, defaultBranch, before is null || before == Git.ZeroId || !Git.IsObjectId(before) ? null : before);
        }
    }

    /// <summary>The fetch refspecs that bring a source's branches and tags in as a clone of it has them.</summary>
    public static readonly string[] BranchesAndTags = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"];

    /// <summary>
    /// Checks <paramref name="target"/>'s commit out in <paramref name="workspace"/> (which has it and the source's
    /// branches as <c>refs/remotes/origin/*</c>) with the refs GitHub's checkout leaves; null, or why not.
    /// </summary>
    public static async Task<string?> ArrangeAsync(string workspace, Target target, CancellationToken ct)
    {
        var sha = target.Sha;
        var gitRef = target.Ref ?? "";
        string[] checkout;
        // Stale refs of an earlier job in a reused workspace go first (a pull request's merge ref, a moved tag below).
        await DeleteRefsAsync(workspace, "refs/remotes/pull/", ct);
        if (gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) && Safe(gitRef))
        {
            // GitHub fetches +SHA:refs/remotes/origin/BRANCH and checks out -B BRANCH from it: the branch is the run's commit
            // even when the source's branch has moved on since.
            var branch = gitRef["refs/heads/".Length..];
            if (await Git.RunAsync(workspace, ["update-ref", "--end-of-options", "refs/remotes/origin/" + branch, sha], ct) is { Ok: false } set)
            {
                return set.Reason;
            }

            checkout = ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "-B", branch, "refs/remotes/origin/" + branch];
        }
        else
        {
            if ((gitRef.StartsWith("refs/tags/", StringComparison.Ordinal) || gitRef.StartsWith("refs/pull/", StringComparison.Ordinal)) && Safe(gitRef)
                && !await PointsAtAsync(workspace, gitRef, sha, ct))
            {
                var name = gitRef.StartsWith("refs/pull/", StringComparison.Ordinal) ? "refs/remotes/pull/" + gitRef["refs/pull/".Length..] : gitRef;
                if (await Git.RunAsync(workspace, ["update-ref", "--end-of-options", name, sha], ct) is { Ok: false } set)
                {
                    return set.Reason;
                }
            }

            checkout = ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", sha];
        }

        if (await Git.RunAsync(workspace, checkout, ct) is { Ok: false } failed)
        {
            return $"could not check out {sha}: {failed.Reason}";
        }

        await DeleteOtherBranchesAsync(workspace, ct);
        return await SetOriginHeadAsync(workspace, target.DefaultBranch, ct);
    }

    /// <summary>Whether <paramref name="workspace"/> has <paramref name="commit"/> (a push's <c>before</c> must be there for a diff against it).</summary>
    public static async Task<bool> HasCommitAsync(string workspace, string commit, CancellationToken ct) =>
        (await Git.RunAsync(workspace, ["cat-file", "-e", "--end-of-options", commit + "^{commit}"], ct)).Ok;

    /// <summary>A ref from the job's event is checked before it reaches a git command line (a pull request's as a branch name would be).</summary>
    private static bool Safe(string gitRef) =>
        Git.IsSafeRef(gitRef.StartsWith("refs/pull/", StringComparison.Ordinal) ? "refs/heads/" + gitRef["refs/".Length..] : gitRef);

    private static async Task<bool> PointsAtAsync(string workspace, string gitRef, string sha, CancellationToken ct)
    {
        var resolved = await Git.RunAsync(workspace, ["rev-parse", "--verify", "--quiet", "--end-of-options", gitRef + "^{commit}"], ct);
        return resolved.Ok && resolved.Output.Trim() == sha;
    }

    /// <summary><c>origin/HEAD</c> → <c>origin/DEFAULT</c> (the event's default branch, else main or master when the source has it).</summary>
    private static async Task<string?> SetOriginHeadAsync(string workspace, string? defaultBranch, CancellationToken ct)
    {
        var candidates = defaultBranch is not null && Git.IsSafeRef("refs/heads/" + defaultBranch) ? [defaultBranch] : new[] { "main", "master" };
        foreach (var branch in candidates)
        {
            var remote = "refs/remotes/origin/" + branch;
            if ((await Git.RunAsync(workspace, ["show-ref", "--verify", "--quiet", remote], ct)).Ok)
            {
                var set = await Git.RunAsync(workspace, ["symbolic-ref", "refs/remotes/origin/HEAD", remote], ct);
                return set.Ok ? null : $"could not set origin/HEAD to {branch}: {set.Reason}";
            }
        }

        // The default branch is not in the source (an empty repository, a run of a tag only): as on GitHub, no origin/HEAD.
        await Git.RunAsync(workspace, ["symbolic-ref", "--delete", "refs/remotes/origin/HEAD"], ct);
        return null;
    }

    /// <summary>Local branches other than the checked-out one (a clone's HEAD branch, an earlier job's) are removed.</summary>
    private static async Task DeleteOtherBranchesAsync(string workspace, CancellationToken ct)
    {
        var current = (await Git.RunAsync(workspace, ["symbolic-ref", "--quiet", "HEAD"], ct)).Output.Trim();
        var heads = await Git.RunAsync(workspace, ["for-each-ref", "--format=%(refname)", "refs/heads/"], ct);
        var stale = heads.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(r => r != current).ToArray();
        if (stale.Length > 0)
        {
            await Git.RunAsync(workspace, ["update-ref", "--stdin"], ct, input: string.Concat(stale.Select(r => $"delete {r}\n")));
        }
    }

    private static async Task DeleteRefsAsync(string workspace, string prefix, CancellationToken ct)
    {
        var refs = await Git.RunAsync(workspace, ["for-each-ref", "--format=%(refname)", prefix], ct);
        var names = refs.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length > 0)
        {
            await Git.RunAsync(workspace, ["update-ref", "--stdin"], ct, input: string.Concat(names.Select(r => $"delete {r}\n")));
        }
    }
}
