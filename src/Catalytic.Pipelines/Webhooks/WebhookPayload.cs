using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Repositories;

namespace Catalytic.Pipelines.Webhooks;

/// <summary>What a <c>push</c> delivery names, validated: a ref git accepts and two full commit ids.</summary>
public sealed record PushPayload(string Ref, string Before, string After)
{
    public bool IsTag => Ref.StartsWith("refs/tags/", StringComparison.Ordinal);

    /// <summary>The ref was deleted (GitHub sends <c>after</c> as zeros).</summary>
    public bool Deleted => After.All(c => c == '0');

    /// <summary>The ref was created (<c>before</c> is zeros).</summary>
    public bool Created => Before.All(c => c == '0');
}

/// <summary>What a <c>pull_request</c> delivery names, validated; <see cref="Action"/> in GitHub's words.</summary>
public sealed record PullRequestPayload(string Action, long Number, string HeadSha, string BaseRef, JsonObject PullRequest);

/// <summary>
/// The pure half of a webhook delivery: the body as a JSON object and the fields a push or pull request must carry,
/// checked before anything touches git or the queue. Each reader returns the payload or says what is wrong (for the
/// 400 answer); none throws on any input (fuzzed as <c>webhook</c>).
/// </summary>
public static class WebhookPayloads
{
    /// <summary>Deeper JSON than this is refused (GitHub's payloads nest about 6 deep).</summary>
    public const int MaxDepth = 64;

    /// <summary>Gitea's and Forgejo's names of pull request activities that GitHub names otherwise.</summary>
    private static readonly Dictionary<string, string> GiteaActions = new(StringComparer.Ordinal)
    {
        ["synchronized"] = "synchronize",
        ["label_updated"] = "labeled",
        ["label_cleared"] = "unlabeled",
    };

    /// <summary>The body as a JSON object, or null with <paramref name="error"/> saying why not.</summary>
    public static JsonObject? ReadObject(ReadOnlySpan<byte> body, out string? error)
    {
        // The JSON reader checks UTF-8 only when a string is taken out, and then throws InvalidOperationException:
        // the whole body is checked first, so a bad byte is a 400 here, not an exception wherever a field is read.
        if (!Utf8.IsValid(body))
        {
            error = "the payload is not valid JSON: it is not UTF-8";
            return null;
        }

        try
        {
            if (JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false }) is JsonObject o)
            {
                error = null;
                return o;
            }

            error = "the payload is not valid JSON: the payload must be a JSON object";
        }
        catch (JsonException e)
        {
            error = "the payload is not valid JSON: " + e.Message;
        }

        return null;
    }

    /// <summary>A push delivery's ref, before and after, or null with <paramref name="error"/>.</summary>
    public static PushPayload? ReadPush(JsonObject payload, out string? error)
    {
        var problems = new List<string>();
        var gitRef = Field(payload, "ref", problems);
        var before = Field(payload, "before", problems);
        var after = Field(payload, "after", problems);
        if (problems.Count > 0)
        {
            error = "the push payload " + string.Join("; ", problems);
            return null;
        }

        if (!Git.IsSafeRef(gitRef))
        {
            error = $"the push payload's 'ref' is not a branch or tag git accepts: '{Printable(gitRef!)}'";
            return null;
        }

        if (!Git.IsObjectId(before) || !Git.IsObjectId(after))
        {
            error = "the push payload's 'before' and 'after' must be full commit ids (40 or 64 lower-case hex digits)";
            return null;
        }

        error = null;
        return new PushPayload(gitRef!, before!, after!);
    }

    /// <summary>A pull request delivery's activity, number, head and base, or null with <paramref name="error"/>.</summary>
    public static PullRequestPayload? ReadPullRequest(JsonObject payload, out string? error)
    {
        var problems = new List<string>();
        var action = Field(payload, "action", problems);
        var pr = payload["pull_request"] as JsonObject;
        if (pr is null)
        {
            problems.Add("has no 'pull_request' object");
        }

        var number = payload["number"] ?? pr?["number"];
        var headSha = Payload.Text(pr, "head", "sha");
        var baseRef = Payload.Text(pr, "base", "ref");
        if (number is not JsonValue nv || !nv.TryGetValue<long>(out var n) || n <= 0)
        {
            problems.Add("'number' must be a positive integer");
            n = 0;
        }

        if (pr is not null && !Git.IsObjectId(headSha))
        {
            problems.Add("'pull_request.head.sha' must be a full commit id");
        }

        if (pr is not null && (baseRef is null || !Git.IsSafeRef("refs/heads/" + baseRef)))
        {
            problems.Add("'pull_request.base.ref' must be a branch name");
        }

        if (problems.Count > 0)
        {
            error = "the pull_request payload " + string.Join("; ", problems);
            return null;
        }

        error = null;
        return new PullRequestPayload(GiteaActions.GetValueOrDefault(action!, action!), n, headSha!, baseRef!, pr!);
    }

    private static string? Field(JsonObject payload, string name, List<string> problems)
    {
        switch (payload[name])
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                return s;
            case null:
                problems.Add($"has no '{name}'");
                return null;
            default:
                problems.Add($"'{name}' must be a string");
                return null;
        }
    }

    private static string Printable(string s) => new([.. s.Take(200).Select(c => char.IsControl(c) ? '?' : c)]);
}
