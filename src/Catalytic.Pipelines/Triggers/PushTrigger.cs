using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Repositories;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Pipelines.Triggers;

/// <summary>A push found (a ref change of the mirror, or a webhook's), ready to be matched against the workflows.</summary>
/// <param name="ChangedFiles">The files for <c>paths</c> filters, computed only when a workflow has such a filter.</param>
internal sealed record PushEvent(string Ref, string Before, string After, string Sha, JsonObject Payload, Func<CancellationToken, Task<IReadOnlyList<string>?>>? ChangedFiles, string Actor);

/// <summary>
/// Turns a ref change into a push: its payload (GitHub's shape: before/after, created/forced, the commits, the head
/// commit, the pusher) and the changed files <c>paths</c> filters see, by GitHub's rules: a two-dot diff of before and
/// after for an existing branch (also after a forced push); for a new branch, a two-dot diff against the parent of the
/// oldest commit the push brought that no other ref had (none: no file changed, so a workflow with <c>paths</c> does not
/// run); unknown (filters pass) past 1,000 commits; only the first 300 files count; not evaluated for tags.
/// </summary>
internal static class PushTrigger
{
    /// <summary>GitHub runs path-filtered workflows regardless when a push holds more commits than this.</summary>
    public const int MaxDiffCommits = 1000;

    /// <summary>GitHub evaluates path filters against at most this many changed files.</summary>
    public const int MaxDiffFiles = 300;

    /// <summary>The push of <paramref name="change"/> (not a deletion), with <paramref name="seen"/> the refs before it.</summary>
    public static async Task<PushEvent> BuildAsync(RepositoryMirror mirror, RepositoryIdentity repo, RefChange change, RefSnapshot seen, CancellationToken ct)
    {
        var after = change.After ?? throw new ArgumentException("a deleted ref is no push", nameof(change));
        var before = change.Before;
        var others = seen.Refs.Where(r => r.Key != change.Ref).Select(r => r.Value.Commit).Distinct().ToList();
        ImmutableArray<CommitInfo> commits;
        var forced = false;
        if (change.IsTag)
        {
            commits = [];
        }
        else if (before is { } b)
        {
            forced = !await mirror.IsAncestorAsync(b.Commit, after.Commit, ct);
            commits = await mirror.CommitsAsync(after.Commit, [b.Commit], EventPayloads.MaxPushCommits, ct);
        }
        else
        {
            commits = await mirror.CommitsAsync(after.Commit, others, EventPayloads.MaxPushCommits, ct);
        }

        var head = commits.LastOrDefault(c => c.Id == after.Commit) ?? await mirror.CommitAsync(after.Commit, ct);
        string? baseRef = null;
        if (change.IsTag)
        {
            baseRef = seen.Refs.Where(r => r.Key.StartsWith("refs/heads/", StringComparison.Ordinal) && r.Value.Commit == after.Commit)
                .Select(r => r.Key).FirstOrDefault();
        }

        Func<CancellationToken, Task<IReadOnlyList<string>?>>? changed = change.IsTag ? null : c => ChangedFilesAsync(mirror, before?.Commit, after.Commit, others, c);
        var pusher = head?.CommitterName ?? repo.Owner;
        var payload = EventPayloads.Push(repo, change.Ref, before?.Object ?? Git.ZeroId, after.Object, forced, baseRef, commits, head, pusher, head?.CommitterEmail ?? "");
        return new PushEvent(change.Ref, before?.Object ?? Git.ZeroId, after.Object, after.Commit, payload, changed, pusher);
    }

    /// <summary>The files a push changed for <c>paths</c> filters (null: unknown, filters pass).</summary>
    public static async Task<IReadOnlyList<string>?> ChangedFilesAsync(RepositoryMirror mirror, string? before, string after, IReadOnlyCollection<string> others, CancellationToken ct)
    {
        ImmutableArray<string>? names;
        if (before is not null && await mirror.ResolveCommitAsync(before, ct) is not null)
        {
            if (await mirror.CountAsync(before, after, MaxDiffCommits, ct) > MaxDiffCommits)
            {
                return null;
            }

            names = await mirror.DiffNamesAsync(before, after, ct);
        }
        else if (before is not null)
        {
            // The webhook's before is not in the mirror (history rewritten before the server saw it): unknown.
            return null;
        }
        else
        {
            var fresh = await mirror.CommitsAsync(after, others, MaxDiffCommits + 1, ct);
            if (fresh.Length > MaxDiffCommits)
            {
                return null;
            }

            if (fresh.IsEmpty)
            {
                return [];
            }

            var parent = await mirror.ResolveCommitAsync(fresh[0].Id + "^", ct);
            names = await mirror.DiffNamesAsync(parent, after, ct);
        }

        return names is { } n ? [.. n.Take(MaxDiffFiles)] : null;
    }

    /// <summary>
    /// The run requests of <paramref name="push"/>: every workflow file at the pushed commit whose <c>on.push</c> selects
    /// it, each with a deduplication key of the ref's transition, so the same push seen twice (the watcher and a
    /// webhook, a redelivery, a restart between queueing and recording) is one run.
    /// </summary>
    public static async Task<(ImmutableArray<RunRequest> Requests, ImmutableArray<SkippedWorkflow> Skipped)> RequestsAsync(
        RepositoryMirror mirror, string repository, PushEvent push, string source, CancellationToken ct)
    {
        var files = await mirror.WorkflowFilesAsync(push.Sha, ct);
        var (selected, skipped) = await WorkflowSelection.SelectAsync(files, new TriggerEvent("push") { Ref = push.Ref }, push.ChangedFiles, ct);
        var requests = selected.Select(w => new RunRequest
        {
            Repository = repository,
            WorkflowPath = w.Path,
            WorkflowText = w.Text,
            EventName = "push",
            Payload = (JsonObject)push.Payload.DeepClone(),
            Ref = push.Ref,
            Sha = push.Sha,
            Actor = push.Actor,
            Source = source,
            WorkflowErrors = w.Errors,
            DeduplicationKey = $"push:{repository}:{push.Ref}:{push.Before}:{push.After}:{w.Path}",
        }).ToImmutableArray();
        return (requests, skipped);
    }
}
