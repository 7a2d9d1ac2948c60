using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Runner.Actions.Remote;

/// <summary>
/// How a remote action was found: its repository's folder at the commit (the action is <see cref="ActionReference.Path"/>
/// inside it), the commit, the source it came from, whether it was fetched now, and a note for the log (offline use…);
/// or the error that stops the step.
/// </summary>
internal sealed record RemoteActionResolution(string? Root, string? Commit, string? Source, bool Fetched, string? Note, string? Error)
{
    public static RemoteActionResolution Fail(string error) => new(null, null, null, false, null, error);
}

/// <summary>
/// The cache of remote actions under the state folder (<c>STATE/actions/</c>; on a worker, the worker's state folder):
/// one folder per repository and commit (<c>OWNER/REPO/COMMIT/</c>, the tree as checked out, without <c>.git</c>),
/// written under a temporary name and renamed into place, so a folder that exists is whole and no lock is needed;
/// and what each tag or branch was last resolved to (<c>refs/OWNER/REPO/REF.json</c>: commit, source, when).
/// A full SHA in the cache is used without asking anyone; a tag or branch resolved less than
/// <see cref="RefreshAfter"/> ago likewise; an older one is asked of the sources (<c>git ls-remote</c>, one round trip)
/// and fetched again only when it moved. With no source reachable, the last commit it was resolved to is used.
/// A temporary folder that cannot be removed is said to <paramref name="log"/>.
/// </summary>
internal sealed class RemoteActionStore(string stateDirectory, IReadOnlyList<string> sources, TimeSpan refreshAfter, TimeProvider time, ILogger? log = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;

    public string Root { get; } = Path.Combine(stateDirectory, "actions");

    public IReadOnlyList<string> Sources { get; } = sources;

    public TimeSpan RefreshAfter { get; } = refreshAfter;

    /// <summary>Finds or fetches <paramref name="reference"/>'s repository at the commit its ref names.</summary>
    public async Task<RemoteActionResolution> ResolveAsync(ActionReference reference, GitSource git, CancellationToken ct)
    {
        return reference.IsCommitSha ? await ResolveShaAsync(reference, git, ct) : await ResolveRefAsync(reference, git, ct);
    }

    /// <summary>The folder of a repository at a commit (lower-case names: GitHub's are case-insensitive).</summary>
    public string CommitFolder(ActionReference reference, string commit) =>
        Path.Combine(Root, reference.Owner.ToLowerInvariant(), reference.Repo.ToLowerInvariant(), commit.ToLowerInvariant());

    private async Task<RemoteActionResolution> ResolveShaAsync(ActionReference reference, GitSource git, CancellationToken ct)
    {
        var sha = reference.Ref.ToLowerInvariant();
        var folder = CommitFolder(reference, sha);
        if (Directory.Exists(folder))
        {
            return new RemoteActionResolution(folder, sha, null, false, null, null);
        }

        var problems = new List<string>();
        var answeredNo = 0;
        foreach (var source in Sources)
        {
            var url = ActionSources.RepositoryUrl(source, reference.Owner, reference.Repo);
            var fetched = await FetchIntoCacheAsync(reference, git, url, sha, verifySha: sha, ct);
            if (fetched.Error is null)
            {
                return fetched with { Source = source };
            }

            answeredNo += fetched.Note == "not-found" ? 1 : 0;
            problems.Add($"{ActionSources.Display(url)}: {fetched.Error}");
        }

        return RemoteActionResolution.Fail(answeredNo == Sources.Count
            ? $"Unable to resolve action `{reference.Key}`: commit {sha} does not exist in {reference.Repository} ({string.Join("; ", problems)})"
            : $"Unable to resolve action `{reference.Key}`: {string.Join("; ", problems)}");
    }

    private async Task<RemoteActionResolution> ResolveRefAsync(ActionReference reference, GitSource git, CancellationToken ct)
    {
        var recordFile = RecordFile(reference);
        var record = ReadRecord(recordFile);
        var cached = record is { } r && Directory.Exists(CommitFolder(reference, r.Commit)) ? r : null;
        if (cached is { } fresh && time.GetUtcNow() - fresh.ResolvedAt < RefreshAfter)
        {
            return new RemoteActionResolution(CommitFolder(reference, fresh.Commit), fresh.Commit, fresh.Source, false, null, null);
        }

        var problems = new List<string>();
        var missing = 0;
        var refMissing = 0;
        foreach (var source in Sources)
        {
            var url = ActionSources.RepositoryUrl(source, reference.Owner, reference.Repo);
            if (cached is not null)
            {
                // One round trip says whether the tag moved; an unmoved one is not fetched again.
                var current = await git.LsRemoteAsync(url, reference.Ref, ct);
                if (current.Ok && string.Equals(current.Output, cached.Commit, StringComparison.OrdinalIgnoreCase))
                {
                    WriteRecord(recordFile, cached with { Source = ActionSources.Display(source), ResolvedAt = time.GetUtcNow() });
                    return new RemoteActionResolution(CommitFolder(reference, cached.Commit), cached.Commit, source, false, null, null);
                }

                if (!current.Ok)
                {
                    Count(current, ref missing, ref refMissing);
                    problems.Add($"{ActionSources.Display(url)}: {current.Error}");
                    continue;
                }
            }

            var fetched = await FetchIntoCacheAsync(reference, git, url, reference.Ref, verifySha: null, ct);
            if (fetched.Error is null)
            {
                WriteRecord(recordFile, new RefRecord(fetched.Commit!, ActionSources.Display(source), time.GetUtcNow()));
                var moved = cached is not null ? $"{reference.Ref} moved from {cached.Commit[..12]} to {fetched.Commit![..12]}" : null;
                return fetched with { Source = source, Note = moved };
            }

            missing += fetched.Note == "repository-missing" ? 1 : 0;
            refMissing += fetched.Note == "not-found" ? 1 : 0;
            problems.Add($"{ActionSources.Display(url)}: {fetched.Error}");
        }

        if (missing + refMissing == Sources.Count)
        {
            // Every source answered: this ref or repository does not exist (GitHub's wording).
            return RemoteActionResolution.Fail(missing == Sources.Count
                ? $"Unable to resolve action `{reference.Key}`, repository not found ({string.Join("; ", problems)})"
                : $"Unable to resolve action `{reference.Key}`, unable to find version `{reference.Ref}` ({string.Join("; ", problems)})");
        }

        if (cached is not null)
        {
            // Offline: the last commit this ref was resolved to.
            return new RemoteActionResolution(
                CommitFolder(reference, cached.Commit),
                cached.Commit,
                cached.Source,
                false,
                $"no source could be reached ({string.Join("; ", problems)}); using the cached commit {cached.Commit[..12]}, resolved {cached.ResolvedAt.ToString("u", CultureInfo.InvariantCulture)}",
                null);
        }

        return RemoteActionResolution.Fail($"Unable to resolve action `{reference.Key}`: {string.Join("; ", problems)}");
    }

    private static void Count(GitAnswer answer, ref int missing, ref int refMissing)
    {
        missing += answer.RepositoryMissing ? 1 : 0;
        refMissing += answer.NotFound && !answer.RepositoryMissing ? 1 : 0;
    }

    /// <summary>
    /// Fetches <paramref name="what"/> from <paramref name="url"/> into a fresh repository, checks the commit out and
    /// moves the tree into the cache. <see cref="RemoteActionResolution.Note"/> carries "not-found" or
    /// "repository-missing" when the source said so.
    /// </summary>
    private async Task<RemoteActionResolution> FetchIntoCacheAsync(ActionReference reference, GitSource git, string url, string what, string? verifySha, CancellationToken ct)
    {
        var temp = Path.Combine(Root, ".tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            var init = await git.InitAsync(temp, ct);
            if (!init.Ok)
            {
                return RemoteActionResolution.Fail("git init failed: " + init.Error);
            }

            var fetched = await git.FetchAsync(temp, url, what, ct);
            if (!fetched.Ok && verifySha is not null && fetched.NotFound && !fetched.RepositoryMissing)
            {
                // A server that serves only advertised refs (protocol v0): take its branches and tags and look there.
                fetched = await git.FetchAllAndFindAsync(temp, url, verifySha, ct);
            }

            if (!fetched.Ok)
            {
                var why = fetched.RepositoryMissing ? "repository-missing" : fetched.NotFound ? "not-found" : null;
                return new RemoteActionResolution(null, null, null, false, why, fetched.Error);
            }

            var commit = fetched.Output.ToLowerInvariant();
            if (verifySha is not null && commit != verifySha)
            {
                return RemoteActionResolution.Fail($"the source answered commit {commit} for {verifySha}");
            }

            var folder = CommitFolder(reference, commit);
            if (!Directory.Exists(folder))
            {
                var checkout = await git.CheckoutAsync(temp, commit, ct);
                if (!checkout.Ok)
                {
                    return RemoteActionResolution.Fail("git checkout failed: " + checkout.Error);
                }

                Directory.Delete(Path.Combine(temp, ".git"), recursive: true);
                Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
                try
                {
                    Directory.Move(temp, folder);
                }
                catch (IOException) when (Directory.Exists(folder))
                {
                    // Another run put the same commit there first: the same content.
                }
            }

            return new RemoteActionResolution(folder, commit, null, true, null, null);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private string RecordFile(ActionReference reference)
    {
        // A ref may hold '/' (feature/x): escaped, so each ref is one file.
        var name = Uri.EscapeDataString(reference.Ref) + ".json";
        return Path.Combine(Root, "refs", reference.Owner.ToLowerInvariant(), reference.Repo.ToLowerInvariant(), name);
    }

    private static RefRecord? ReadRecord(string file)
    {
        try
        {
            if (!File.Exists(file) || JsonNode.Parse(File.ReadAllText(file)) is not JsonObject json)
            {
                return null;
            }

            var commit = (string?)json["commit"];
            var source = (string?)json["source"] ?? "";
            return commit is not null && ActionReference.IsFullSha(commit)
                && DateTimeOffset.TryParse((string?)json["resolvedAt"], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                ? new RefRecord(commit.ToLowerInvariant(), source, at)
                : null;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or UnauthorizedAccessException)
        {
            // A damaged record is as good as none: the ref is resolved again.
            return null;
        }
    }

    private static void WriteRecord(string file, RefRecord record)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var json = new JsonObject
        {
            ["commit"] = record.Commit,
            ["source"] = record.Source,
            ["resolvedAt"] = record.ResolvedAt.ToString("O", CultureInfo.InvariantCulture),
        };
        var temp = file + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllText(temp, json.ToJsonString());
        File.Move(temp, file, overwrite: true);
    }

    private void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temporary folder left behind costs disk only; the next fetch uses a new name.
            RunnerLog.FolderKept(_log, dir, "an action's download", e);
        }
    }

    private sealed record RefRecord(string Commit, string Source, DateTimeOffset ResolvedAt);
}
