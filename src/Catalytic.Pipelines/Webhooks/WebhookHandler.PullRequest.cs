using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Triggers;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Pipelines.Webhooks;

public sealed partial class WebhookHandler
{
    /// <summary>
    /// A pull request activity: the head commit is fetched (with <c>refs/pull/N/head</c> where the forge publishes it),
    /// merged into the base branch as GitHub's <c>refs/pull/N/merge</c> (a conflict runs nothing, as on GitHub), and
    /// the <c>pull_request</c> workflows of the merge commit and the <c>pull_request_target</c> workflows of the base
    /// branch are matched with the base branch, the three-dot diff's files and the activity type.
    /// </summary>
    private async Task<WebhookOutcome> PullRequestAsync(RepositoryTriggers repo, JsonObject payload, string delivery, CancellationToken ct)
    {
        if (WebhookPayloads.ReadPullRequest(payload, out var invalid) is not { } read)
        {
            return new WebhookOutcome(400, invalid!);
        }

        var (action, n, headSha, baseRef, pr) = (read.Action, read.Number, read.HeadSha, read.BaseRef, read.PullRequest);
        payload["action"] = action;
        payload["number"] ??= n;
        if (!repo.BranchAllowed(baseRef))
        {
            return new WebhookOutcome(202, $"pull request #{n} targets {baseRef}, not among repositories.{repo.Definition.Name}.branches; nothing runs");
        }

        var actor = Payload.Text(payload, "sender", "login") ?? Payload.Text(pr, "user", "login") ?? repo.Identity.Owner;
        return await repo.RunExclusiveAsync(async c =>
        {
            var head = await EnsureCommitAsync(repo, headSha, c, $"+refs/pull/{n}/head:refs/catalytic/pull/{n}/head");
            if (head.Outcome is { } failed)
            {
                return failed;
            }

            var baseCommit = await repo.Mirror.ResolveCommitAsync($"refs/catalytic/incoming/heads/{baseRef}", c)
                ?? (Payload.Text(pr, "base", "sha") is { } bs && Git.IsObjectId(bs) ? await repo.Mirror.ResolveCommitAsync(bs, c) : null);
            if (baseCommit is null)
            {
                return new WebhookOutcome(422, $"the base branch '{baseRef}' is not in {repo.Definition.DisplaySource}");
            }

            var mergeRef = $"refs/pull/{n}/merge";
            var (merge, conflict) = await repo.Mirror.MergeAsync(baseCommit, head.Sha!, $"Merge {head.Sha} into {baseCommit}", mergeRef, _services.Time.GetUtcNow(), c);
            // A pull_request run checks out the merge commit, whose subject only names two commits: the runs page shows
            // the pull request's head commit's subject instead (pull_request_target's is its base commit's, read at enqueue).
            var headMessage = (await repo.Mirror.CommitAsync(head.Sha!, c))?.Message;
            var runs = ImmutableArray.CreateBuilder<RunRequest>();
            var skippedCount = 0;
            var ev = new TriggerEvent("pull_request") { Ref = "refs/heads/" + baseRef, Action = action };
            Func<CancellationToken, Task<IReadOnlyList<string>?>> changed = async x =>
                await repo.Mirror.DiffNamesAsync(baseCommit, head.Sha!, x, mergeBase: true) is { } names ? [.. names.Take(PushTrigger.MaxDiffFiles)] : null;
            foreach (var (eventName, commit, gitRef) in new[] { ("pull_request", merge, mergeRef), ("pull_request_target", baseCommit, "refs/heads/" + baseRef) })
            {
                if (commit is null)
                {
                    continue;
                }

                var files = await repo.Mirror.WorkflowFilesAsync(commit, c);
                var (selected, skipped) = await WorkflowSelection.SelectAsync(files, ev with { Name = eventName }, changed, c);
                skippedCount += skipped.Length;
                runs.AddRange(selected.Select(w => new RunRequest
                {
                    Repository = repo.Definition.Name,
                    WorkflowPath = w.Path,
                    WorkflowText = w.Text,
                    EventName = eventName,
                    Payload = (JsonObject)payload.DeepClone(),
                    Ref = gitRef,
                    Sha = commit,
                    Actor = actor,
                    Source = "webhook",
                    CommitMessage = eventName == "pull_request" ? headMessage : null,
                    WorkflowErrors = w.Errors,
                    DeduplicationKey = $"{eventName}:{repo.Definition.Name}:{delivery}:{w.Path}",
                }));
            }

            if (await repo.EnqueueAsync(runs, c) is not { } queued)
            {
                return new WebhookOutcome(503, "the run queue refused the run; redeliver later");
            }

            var what = $"pull request #{n} {action}";
            return conflict is not null && queued.IsEmpty
                ? new WebhookOutcome(202, $"{what}: {conflict}; pull_request workflows do not run until it merges cleanly")
                : Queued(queued, skippedCount, what);
        });
    }
}
