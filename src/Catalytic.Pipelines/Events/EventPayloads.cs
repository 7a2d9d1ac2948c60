using System.Text.Json.Nodes;
using Catalytic.Pipelines.Repositories;

namespace Catalytic.Pipelines.Events;

/// <summary>
/// Who a repository is in payloads and the <c>github</c> context: <see cref="FullName"/> is <c>owner/name</c> as GitHub
/// spells it (from the remote's URL, or <c>local/FOLDER</c> as <c>catalytic run</c> says for a repository without one).
/// </summary>
public sealed record RepositoryIdentity(string Name, string FullName, string DefaultBranch, string CloneUrl)
{
    /// <summary>The owner part of <see cref="FullName"/>.</summary>
    public string Owner => FullName.Split('/')[0];

    /// <summary>The repository part of <see cref="FullName"/>.</summary>
    public string ShortName => FullName.Split('/')[^1];
}

/// <summary>
/// The event payloads (<c>github.event</c>) the server's own triggers make, shaped as GitHub's webhooks send them for
/// push, schedule, workflow_dispatch and repository_dispatch, so a workflow written for GitHub reads the same fields.
/// Fields GitHub fills from its own database (ids, URLs of its web pages) are 0 or empty.
/// </summary>
public static class EventPayloads
{
    /// <summary>GitHub lists at most this many commits in a push payload.</summary>
    public const int MaxPushCommits = 2048;

    /// <summary>The <c>repository</c> object.</summary>
    public static JsonObject Repository(RepositoryIdentity repo) => new()
    {
        ["id"] = 0,
        ["name"] = repo.ShortName,
        ["full_name"] = repo.FullName,
        ["private"] = true,
        ["owner"] = new JsonObject { ["login"] = repo.Owner, ["name"] = repo.Owner, ["id"] = 0, ["type"] = "User" },
        ["default_branch"] = repo.DefaultBranch,
        ["master_branch"] = repo.DefaultBranch,
        ["clone_url"] = repo.CloneUrl,
        ["url"] = repo.CloneUrl,
        ["html_url"] = repo.CloneUrl,
    };

    /// <summary>A <c>sender</c> object for <paramref name="login"/>.</summary>
    public static JsonObject Sender(string login) => new() { ["login"] = login, ["id"] = 0, ["type"] = "User" };

    /// <summary>One commit of a push payload (<c>commits[]</c>, <c>head_commit</c>).</summary>
    public static JsonObject Commit(CommitInfo c) => new()
    {
        ["id"] = c.Id,
        ["tree_id"] = c.TreeId,
        ["distinct"] = true,
        ["message"] = c.Message,
        ["timestamp"] = c.Timestamp,
        ["url"] = "",
        ["author"] = new JsonObject { ["name"] = c.AuthorName, ["email"] = c.AuthorEmail, ["username"] = c.AuthorName },
        ["committer"] = new JsonObject { ["name"] = c.CommitterName, ["email"] = c.CommitterEmail, ["username"] = c.CommitterName },
        ["added"] = Strings(c.Added),
        ["removed"] = Strings(c.Removed),
        ["modified"] = Strings(c.Modified),
    };

    /// <summary>
    /// A push: <paramref name="before"/>/<paramref name="after"/> as the ref held them (zeros for a created ref),
    /// <paramref name="commits"/> oldest first, the head commit, and the pusher.
    /// </summary>
    public static JsonObject Push(
        RepositoryIdentity repo,
        string gitRef,
        string before,
        string after,
        bool forced,
        string? baseRef,
        IReadOnlyList<CommitInfo> commits,
        CommitInfo? head,
        string pusherName,
        string pusherEmail) => new()
        {
            ["ref"] = gitRef,
            ["before"] = before,
            ["after"] = after,
            ["created"] = before == Git.ZeroId,
            ["deleted"] = after == Git.ZeroId,
            ["forced"] = forced,
            ["base_ref"] = baseRef,
            ["compare"] = "",
            ["commits"] = new JsonArray([.. commits.Select(c => (JsonNode)Commit(c))]),
            ["head_commit"] = head is null ? null : Commit(head),
            ["repository"] = Repository(repo),
            ["pusher"] = new JsonObject { ["name"] = pusherName, ["email"] = pusherEmail },
            ["sender"] = Sender(pusherName),
        };

    /// <summary>A schedule: the cron that fired (<c>github.event.schedule</c>) and the workflow file it is in.</summary>
    public static JsonObject Schedule(RepositoryIdentity repo, string cron, string workflowPath) => new()
    {
        ["schedule"] = cron,
        ["workflow"] = workflowPath,
        ["repository"] = Repository(repo),
        ["sender"] = Sender(repo.Owner),
    };

    /// <summary>A workflow_dispatch: the inputs (as strings, GitHub's <c>github.event.inputs</c>), ref and workflow file.</summary>
    public static JsonObject WorkflowDispatch(RepositoryIdentity repo, string gitRef, string workflowPath, JsonObject inputs, string actor) => new()
    {
        ["inputs"] = inputs.Count == 0 ? null : inputs,
        ["ref"] = gitRef,
        ["workflow"] = workflowPath,
        ["repository"] = Repository(repo),
        ["sender"] = Sender(actor),
    };

    /// <summary>A repository_dispatch: the event type as <c>action</c>, the branch it runs on, and the client's payload.</summary>
    public static JsonObject RepositoryDispatch(RepositoryIdentity repo, string eventType, JsonObject? clientPayload, string actor) => new()
    {
        ["action"] = eventType,
        ["branch"] = repo.DefaultBranch,
        ["client_payload"] = clientPayload ?? new JsonObject(),
        ["repository"] = Repository(repo),
        ["sender"] = Sender(actor),
    };

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode)JsonValue.Create(i))]);
}
