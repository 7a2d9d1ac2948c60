using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Triggers;

namespace Catalytic.Pipelines.Webhooks;

/// <summary>What a webhook delivery came to: the HTTP status to answer, a message saying why, and the runs it queued.</summary>
public sealed record WebhookOutcome(int Status, string Message)
{
    /// <summary>The runs queued (workflow file, run id, whether the run already existed).</summary>
    public ImmutableArray<QueuedRun> Runs { get; init; } = [];
}

/// <summary>A run a trigger queued.</summary>
public sealed record QueuedRun(string Workflow, long RunId, bool Duplicate);

/// <summary>
/// <c>POST /api/hooks/{repo}</c> as a function of (repository, headers, body): GitHub's, Gitea's and Forgejo's
/// <c>push</c> and <c>pull_request</c> deliveries, verified with the repository's <c>webhook-secret</c>. A bad or missing
/// signature is 401, a malformed payload 400 naming what is wrong, too large 413, and none of them changes anything.
/// A good delivery fetches the commit it names into the mirror, then queues the runs its workflows select, before the
/// answer (202): a delivery answered is a delivery recorded. The same delivery again (a redelivery, or the watcher
/// having seen the same push) is the same deduplication key, so one run.
/// </summary>
public sealed partial class WebhookHandler
{
    /// <summary>GitHub caps payloads at 25 MB; larger bodies are refused before they are read.</summary>
    public const int MaxBodyBytes = 25 * 1024 * 1024;

    /// <summary>Delivery ids remembered to answer a redelivery at once (the queue's keys are what guarantees one run).</summary>
    private const int RememberedDeliveries = 10_000;

    private static readonly string[] EventHeaders = ["X-GitHub-Event", "X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event"];
    private static readonly string[] DeliveryHeaders = ["X-GitHub-Delivery", "X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gogs-Delivery"];
    private static readonly string[] SignatureHeaders = ["X-Hub-Signature-256", "X-Gitea-Signature", "X-Forgejo-Signature"];

    private readonly PipelineTriggers _triggers;
    private readonly TriggerServices _services;
    private readonly ConcurrentDictionary<string, WebhookOutcome> _handled = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _handledOrder = new();

    internal WebhookHandler(PipelineTriggers triggers, TriggerServices services)
    {
        _triggers = triggers;
        _services = services;
    }

    /// <summary>Handles one delivery to repository <paramref name="repository"/>.</summary>
    public async Task<WebhookOutcome> HandleAsync(string repository, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var outcome = await DecideAsync(repository, headers, body, ct);
        if (outcome.Status >= 400)
        {
            TriggerLog.WebhookRefused(_services.Logger, repository, outcome.Status, outcome.Message);
        }

        return outcome;
    }

    private async Task<WebhookOutcome> DecideAsync(string repository, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        if (_triggers.Find(repository) is not { } repo)
        {
            return new WebhookOutcome(404, $"no repository '{repository}' on this server");
        }

        if (body.Length > MaxBodyBytes)
        {
            return new WebhookOutcome(413, $"the payload is {body.Length} bytes; the limit is {MaxBodyBytes}");
        }

        var h = headers.GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.OrdinalIgnoreCase);
        if (repo.Definition.WebhookSecret is not { } secretName)
        {
            return new WebhookOutcome(403, $"repository '{repository}' takes no webhooks: set repositories.{repository}.webhook-secret in catalytic.yml");
        }

        if (_services.Secrets.Get(repository, secretName) is not { Length: > 0 } secret)
        {
            return new WebhookOutcome(503, $"the webhook secret '{secretName}' of repository '{repository}' is not set on the server");
        }

        var signature = SignatureHeaders.Select(n => h.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        if (signature is null)
        {
            return new WebhookOutcome(401, "the delivery is not signed: X-Hub-Signature-256 is missing");
        }

        if (!WebhookSignature.Verify(secret, body.Span, signature.Trim()))
        {
            return new WebhookOutcome(401, "the signature does not match the payload (X-Hub-Signature-256 with the repository's webhook-secret)");
        }

        var eventName = EventHeaders.Select(n => h.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        if (eventName is null)
        {
            return new WebhookOutcome(400, "X-GitHub-Event (or X-Gitea-Event, X-Forgejo-Event) is missing: which event is this?");
        }

        if (eventName == "ping")
        {
            return new WebhookOutcome(200, "pong");
        }

        if (eventName is not ("push" or "pull_request"))
        {
            return new WebhookOutcome(202, $"'{eventName}' deliveries start nothing on this server (push and pull_request do)");
        }

        var delivery = DeliveryHeaders.Select(n => h.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrEmpty(v))
            ?? Convert.ToHexStringLower(SHA256.HashData(body.Span));
        var remembered = repository + "\n" + delivery;
        if (_handled.TryGetValue(remembered, out var earlier))
        {
            return earlier with { Message = $"delivery {delivery} was handled already: " + earlier.Message };
        }

        if (WebhookPayloads.ReadObject(body.Span, out var invalid) is not { } payload)
        {
            return new WebhookOutcome(400, invalid!);
        }

        var outcome = eventName == "push"
            ? await PushAsync(repo, payload, ct)
            : await PullRequestAsync(repo, payload, delivery, ct);
        if (outcome.Status < 300)
        {
            Remember(remembered, outcome);
        }

        return outcome;
    }

    private void Remember(string key, WebhookOutcome outcome)
    {
        if (_handled.TryAdd(key, outcome))
        {
            _handledOrder.Enqueue(key);
            while (_handledOrder.Count > RememberedDeliveries && _handledOrder.TryDequeue(out var old))
            {
                _handled.TryRemove(old, out _);
            }
        }
    }

    private async Task<WebhookOutcome> PushAsync(RepositoryTriggers repo, JsonObject payload, CancellationToken ct)
    {
        if (WebhookPayloads.ReadPush(payload, out var invalid) is not { } push)
        {
            return new WebhookOutcome(400, invalid!);
        }

        var (gitRef, before, after) = (push.Ref, push.Before, push.After);
        if (push.Deleted)
        {
            return new WebhookOutcome(202, $"{gitRef} was deleted; a deleted ref starts nothing");
        }

        var isTag = push.IsTag;
        if (!isTag && !repo.BranchAllowed(gitRef["refs/heads/".Length..]))
        {
            return new WebhookOutcome(202, $"{gitRef} is not among repositories.{repo.Definition.Name}.branches; nothing runs");
        }

        return await repo.RunExclusiveAsync(async c =>
        {
            var commit = await EnsureCommitAsync(repo, after, c);
            if (commit.Outcome is { } failed)
            {
                return failed;
            }

            var sha = commit.Sha!;
            var created = push.Created;
            payload["created"] ??= created;
            payload["deleted"] ??= false;
            payload["forced"] ??= !created && !isTag && await repo.Mirror.ResolveCommitAsync(before, c) is not null && !await repo.Mirror.IsAncestorAsync(before, sha, c);
            var actor = Payload.Text(payload, "sender", "login") ?? Payload.Text(payload, "pusher", "name") ?? Payload.Text(payload, "pusher", "login") ?? repo.Identity.Owner;
            Func<CancellationToken, Task<IReadOnlyList<string>?>>? changed = isTag ? null : async x =>
            {
                var seen = await repo.Mirror.SeenAsync(x);
                var others = seen.Refs.Where(r => r.Key != gitRef).Select(r => r.Value.Commit).Distinct().ToList();
                return await PushTrigger.ChangedFilesAsync(repo.Mirror, created ? null : before, sha, others, x);
            };
            var ev = new PushEvent(gitRef, before, after, sha, payload, changed, actor);
            var (requests, skipped) = await PushTrigger.RequestsAsync(repo.Mirror, repo.Definition.Name, ev, "webhook", c);
            if (await repo.EnqueueAsync(requests, c) is not { } runs)
            {
                return new WebhookOutcome(503, "the run queue refused the run; redeliver later");
            }

            // The watcher or poll must not start the same push again from its own diff.
            await repo.Mirror.SetRefAsync(gitRef, after, c);
            return Queued(runs, skipped.Length, $"push to {gitRef} at {sha[..7]}");
        });
    }

    /// <summary>Makes sure <paramref name="commit"/> is in the mirror, fetching when it is not; the commit (peeled) or a failed outcome.</summary>
    private static async Task<(string? Sha, WebhookOutcome? Outcome)> EnsureCommitAsync(RepositoryTriggers repo, string commit, CancellationToken ct, params string[] extra)
    {
        if (extra.Length == 0 && await repo.Mirror.ResolveCommitAsync(commit, ct) is { } present)
        {
            return (present, null);
        }

        var reason = await repo.FetchAsync(ct, extra);
        if (reason is not null && extra.Length > 0)
        {
            // The source may not publish refs/pull/*: the plain fetch may still bring the commit.
            reason = await repo.FetchAsync(ct);
        }

        if (reason is not null)
        {
            return (null, new WebhookOutcome(503, $"cannot fetch {repo.Definition.DisplaySource}: {reason}"));
        }

        return await repo.Mirror.ResolveCommitAsync(commit, ct) is { } sha
            ? (sha, null)
            : (null, new WebhookOutcome(422, $"commit {commit} is not in {repo.Definition.DisplaySource} (fetched just now)"));
    }

    private static WebhookOutcome Queued(ImmutableArray<QueuedRun> runs, int skipped, string what) => new(202,
        runs.IsEmpty ? $"{what}: no workflow listens to it ({skipped} file(s) do not)" : $"{what}: queued {runs.Length} run(s)")
    {
        Runs = runs,
    };
}
