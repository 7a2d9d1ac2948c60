using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Triggers;

namespace Catalytic.Pipelines.Events;

/// <summary>What the queue adds to a run's <c>github</c> context: the run's identity on this server.</summary>
/// <param name="RunId">The run's id (unique on the server).</param>
/// <param name="RunNumber">The run's number within its workflow (1, 2, … per workflow file, as on GitHub).</param>
/// <param name="RunAttempt">1, then 2… for each re-run.</param>
/// <param name="ServerUrl">This server's address (<c>github.server_url</c>).</param>
public sealed record RunIdentity(long RunId, int RunNumber, int RunAttempt, Uri ServerUrl);

/// <summary>
/// The <c>github</c> context of a run the server starts, as a hosted runner gives it for the event: the fields that come
/// from the event (<c>event_name</c>, <c>event</c>, <c>ref</c>, <c>ref_name</c>, <c>ref_type</c>, <c>sha</c>,
/// <c>actor</c>, <c>repository</c>, <c>head_ref</c>/<c>base_ref</c> of a pull request, <c>workflow_ref</c>…) from the
/// <see cref="RunRequest"/>, and the run's identity from the queue. The runner adds <c>workspace</c>, <c>job</c>,
/// <c>action</c> and the rest it knows while running.
/// </summary>
public static class GithubContextFields
{
    /// <summary>The context for <paramref name="request"/> run as <paramref name="run"/>.</summary>
    public static JsonObject Build(RunRequest request, RunIdentity run)
    {
        var payload = request.Payload;
        var fullName = Payload.Text(payload, "repository", "full_name") ?? "local/" + request.Repository;
        var owner = fullName.Split('/')[0];
        var (refName, refType) = request.Ref switch
        {
            var r when r.StartsWith("refs/heads/", StringComparison.Ordinal) => (r["refs/heads/".Length..], "branch"),
            var r when r.StartsWith("refs/tags/", StringComparison.Ordinal) => (r["refs/tags/".Length..], "tag"),
            var r when r.StartsWith("refs/pull/", StringComparison.Ordinal) => (r["refs/pull/".Length..], "branch"),
            var r => (r, "branch"),
        };
        var isPullRequest = request.EventName is "pull_request" or "pull_request_target";
        var server = run.ServerUrl.ToString().TrimEnd('/');
        var workflowRef = $"{fullName}/{request.WorkflowPath}@{request.Ref}";
        return new JsonObject
        {
            ["event_name"] = request.EventName,
            ["event"] = payload.DeepClone(),
            ["ref"] = request.Ref,
            ["ref_name"] = refName,
            ["ref_type"] = refType,
            ["ref_protected"] = false,
            ["sha"] = request.Sha,
            ["head_ref"] = isPullRequest ? Text(payload, "pull_request", "head", "ref") : "",
            ["base_ref"] = isPullRequest ? Text(payload, "pull_request", "base", "ref") : Text(payload, "base_ref"),
            ["actor"] = request.Actor,
            ["actor_id"] = "0",
            ["triggering_actor"] = request.Actor,
            ["repository"] = fullName,
            ["repository_id"] = "0",
            ["repository_owner"] = owner,
            ["repository_owner_id"] = "0",
            ["repositoryUrl"] = Text(payload, "repository", "clone_url"),
            ["workflow"] = request.WorkflowPath,
            ["workflow_ref"] = workflowRef,
            ["workflow_sha"] = request.Sha,
            ["run_id"] = run.RunId.ToString(CultureInfo.InvariantCulture),
            ["run_number"] = run.RunNumber.ToString(CultureInfo.InvariantCulture),
            ["run_attempt"] = run.RunAttempt.ToString(CultureInfo.InvariantCulture),
            ["server_url"] = server,
            ["api_url"] = server + "/api",
            ["graphql_url"] = "",
            ["retention_days"] = "90",
            ["secret_source"] = "Actions",
        };
    }

    private static string Text(JsonNode? node, params ReadOnlySpan<string> path) => Payload.Text(node, path) ?? "";
}
