using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Triggers;
using Catalytic.Pipelines.Webhooks;
using Catalytic.Runner.Execution;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Pipelines.Dispatch;

/// <summary>What a dispatch came to: 202 with the runs queued, or an error status with every problem (nothing queued then).</summary>
public sealed record DispatchOutcome(int Status, ImmutableArray<string> Errors, ImmutableArray<QueuedRun> Runs)
{
    public bool Ok => Status < 300;

    internal static DispatchOutcome Fail(int status, params string[] errors) => new(status, [.. errors], []);
}

/// <summary>A workflow a person may dispatch: its path, name and <c>workflow_dispatch</c> inputs as written.</summary>
public sealed record DispatchableWorkflow(string Path, string Name, ImmutableArray<DispatchInput> Inputs);

/// <summary>One <c>workflow_dispatch</c> input as written: its type (string, boolean, number, choice, environment), default and options.</summary>
public sealed record DispatchInput(string Name, string Type, string? Description, bool Required, string? Default, ImmutableArray<string> Options)
{
    internal static DispatchInput Of(InputDefinition i) =>
        new(i.Name, i.Type.ToString().ToLowerInvariant(), i.Description, i.Required, i.Default?.Value, i.Options);
}

/// <summary>What a dispatch form is built from: the workflows at <see cref="Ref"/> with a <c>workflow_dispatch</c> trigger, or the error status and why.</summary>
public sealed record DispatchForms(int Status, string? Error, string Ref, ImmutableArray<DispatchableWorkflow> Workflows);

/// <summary>
/// <c>workflow_dispatch</c> and <c>repository_dispatch</c>, for the API endpoint and the CLI verb the queue brings. The
/// ref is fetched fresh, the workflow read at it, and <c>workflow_dispatch</c> inputs typed and checked by the function
/// <c>catalytic run --input</c> uses (<see cref="WorkflowRunner.ResolveInputs"/>): a bad input is an error naming the
/// input, and nothing is queued.
/// </summary>
public sealed class DispatchHandler
{
    /// <summary>GitHub's limits on a repository_dispatch.</summary>
    public const int MaxEventTypeLength = 100;

    /// <summary>GitHub refuses a client_payload with more top-level properties than this.</summary>
    public const int MaxClientPayloadProperties = 10;

    private readonly PipelineTriggers _triggers;

    internal DispatchHandler(PipelineTriggers triggers) => _triggers = triggers;

    /// <summary>
    /// Starts <paramref name="workflow"/> (a file name such as <c>deploy.yml</c>, or its path) of
    /// <paramref name="repository"/> at <paramref name="gitRef"/> (a branch, a tag or a full ref; null: the default
    /// branch) with <paramref name="inputs"/> as given on a command line.
    /// </summary>
    public async Task<DispatchOutcome> WorkflowDispatchAsync(string repository, string workflow, string? gitRef, IReadOnlyDictionary<string, string> inputs, string actor, CancellationToken ct)
    {
        if (_triggers.Find(repository) is not { } repo)
        {
            return DispatchOutcome.Fail(404, $"no repository '{repository}' on this server");
        }

        var path = workflow.Contains('/', StringComparison.Ordinal) ? workflow : ".github/workflows/" + workflow;
        return await repo.RunExclusiveAsync(async c =>
        {
            await repo.FetchAsync(c);
            var (fullRef, commit) = await ResolveRefAsync(repo, gitRef ?? repo.Identity.DefaultBranch, c);
            if (commit is null)
            {
                return DispatchOutcome.Fail(404, $"no branch or tag '{gitRef ?? repo.Identity.DefaultBranch}' in repository '{repository}'");
            }

            var file = (await repo.Mirror.WorkflowFilesAsync(commit, c)).FirstOrDefault(f => f.Path == path);
            if (file?.Text is null)
            {
                return DispatchOutcome.Fail(404, file?.Error ?? $"no workflow file {path} at {fullRef}");
            }

            var parsed = WorkflowParser.Parse(file.Path, file.Text);
            if (parsed.Workflow is not { } w)
            {
                return new DispatchOutcome(422, [.. parsed.Errors.Select(d => d.ToString())], []);
            }

            if (!w.On.Any(t => t.Event == "workflow_dispatch"))
            {
                return DispatchOutcome.Fail(422, $"{path} does not have a 'workflow_dispatch' trigger (on: {string.Join(", ", w.On.Select(t => t.Event))})");
            }

            var (typed, errors) = WorkflowRunner.ResolveInputs(w, inputs);
            if (errors.Count > 0)
            {
                return new DispatchOutcome(400, [.. errors], []);
            }

            var eventInputs = new JsonObject();
            foreach (var (name, value) in typed)
            {
                // github.event.inputs holds strings (the inputs context keeps the types).
                eventInputs[name] = value switch
                {
                    JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
                    JsonValue v when v.TryGetValue<double>(out var d) => inputs.GetValueOrDefault(name) ?? d.ToString(CultureInfo.InvariantCulture),
                    JsonValue v when v.TryGetValue<string>(out var s) => s,
                    _ => "",
                };
            }

            var request = new RunRequest
            {
                Repository = repository,
                WorkflowPath = path,
                WorkflowText = file.Text,
                EventName = "workflow_dispatch",
                Payload = EventPayloads.WorkflowDispatch(repo.Identity, fullRef, path, eventInputs, actor),
                Ref = fullRef,
                Sha = commit,
                Actor = actor,
                Inputs = inputs.ToImmutableDictionary(StringComparer.Ordinal),
                Source = "api",
            };
            return await repo.EnqueueAsync([request], c) is { } runs
                ? new DispatchOutcome(202, [], runs)
                : DispatchOutcome.Fail(503, "the run queue refused the run");
        });
    }

    /// <summary>
    /// The workflows of <paramref name="repository"/> at <paramref name="gitRef"/> (null: the default branch), fetched
    /// fresh as a dispatch is, that have a <c>workflow_dispatch</c> trigger, with their inputs: the dashboard's dispatch
    /// form is built from these, and <see cref="WorkflowDispatchAsync"/> checks what it sends. A workflow that does not
    /// parse is left out (its dispatch would be refused with its errors).
    /// </summary>
    public async Task<DispatchForms> FormsAsync(string repository, string? gitRef, CancellationToken ct)
    {
        if (_triggers.Find(repository) is not { } repo)
        {
            return new DispatchForms(404, $"no repository '{repository}' on this server", "", []);
        }

        return await repo.RunExclusiveAsync(async c =>
        {
            await repo.FetchAsync(c);
            var name = gitRef ?? repo.Identity.DefaultBranch;
            var (fullRef, commit) = await ResolveRefAsync(repo, name, c);
            if (commit is null)
            {
                return new DispatchForms(404, $"no branch or tag '{name}' in repository '{repository}'", fullRef, []);
            }

            var workflows = ImmutableArray.CreateBuilder<DispatchableWorkflow>();
            foreach (var file in await repo.Mirror.WorkflowFilesAsync(commit, c))
            {
                if (file.Text is not null && WorkflowParser.Parse(file.Path, file.Text).Workflow is { } w && w.On.Any(t => t.Event == "workflow_dispatch"))
                {
                    workflows.Add(new DispatchableWorkflow(file.Path, w.Name, [.. w.DispatchInputs.Select(DispatchInput.Of)]));
                }
            }

            return new DispatchForms(200, null, fullRef, workflows.ToImmutable());
        });
    }

    /// <summary>
    /// A <c>repository_dispatch</c> of <paramref name="eventType"/>: every workflow of the default branch whose
    /// <c>on.repository_dispatch.types</c> accepts it (or that lists none) runs with <paramref name="clientPayload"/>.
    /// </summary>
    public async Task<DispatchOutcome> RepositoryDispatchAsync(string repository, string eventType, JsonObject? clientPayload, string actor, CancellationToken ct)
    {
        if (_triggers.Find(repository) is not { } repo)
        {
            return DispatchOutcome.Fail(404, $"no repository '{repository}' on this server");
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(eventType) || eventType.Length > MaxEventTypeLength)
        {
            errors.Add($"event_type must be 1 to {MaxEventTypeLength} characters");
        }

        if (clientPayload is { Count: > MaxClientPayloadProperties })
        {
            errors.Add($"client_payload has {clientPayload.Count} top-level properties; at most {MaxClientPayloadProperties} are allowed");
        }

        if (errors.Count > 0)
        {
            return new DispatchOutcome(400, [.. errors], []);
        }

        return await repo.RunExclusiveAsync(async c =>
        {
            await repo.FetchAsync(c);
            var branch = repo.Identity.DefaultBranch;
            var (fullRef, commit) = await ResolveRefAsync(repo, branch, c);
            if (commit is null)
            {
                return DispatchOutcome.Fail(404, $"repository '{repository}' has no default branch '{branch}' yet");
            }

            var files = await repo.Mirror.WorkflowFilesAsync(commit, c);
            var ev = new TriggerEvent("repository_dispatch") { Action = eventType };
            var (selected, _) = await WorkflowSelection.SelectAsync(files, ev, null, c);
            var requests = selected.Select(w => new RunRequest
            {
                Repository = repository,
                WorkflowPath = w.Path,
                WorkflowText = w.Text,
                EventName = "repository_dispatch",
                Payload = EventPayloads.RepositoryDispatch(repo.Identity, eventType, (JsonObject?)clientPayload?.DeepClone(), actor),
                Ref = fullRef,
                Sha = commit,
                Actor = actor,
                Source = "api",
                WorkflowErrors = w.Errors,
            }).ToList();
            return await repo.EnqueueAsync(requests, c) is { } runs
                ? new DispatchOutcome(202, [], runs)
                : DispatchOutcome.Fail(503, "the run queue refused the run");
        });
    }

    /// <summary>A branch, tag or full ref of the freshly fetched repository: the full ref and its commit (null when none).</summary>
    private static async Task<(string Ref, string? Commit)> ResolveRefAsync(RepositoryTriggers repo, string name, CancellationToken ct)
    {
        string[] candidates = name.StartsWith("refs/", StringComparison.Ordinal) ? [name] : ["refs/heads/" + name, "refs/tags/" + name];
        foreach (var candidate in candidates)
        {
            if (!Git.IsSafeRef(candidate))
            {
                continue;
            }

            var fetched = "refs/catalytic/incoming/" + candidate["refs/".Length..];
            if ((await repo.Mirror.ResolveCommitAsync(fetched, ct) ?? await repo.Mirror.ResolveCommitAsync(candidate, ct)) is { } commit)
            {
                return (candidate, commit);
            }
        }

        return (candidates[0], null);
    }
}
