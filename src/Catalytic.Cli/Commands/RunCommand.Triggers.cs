using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Events;
using Catalytic.Runner.Context;
using Catalytic.Runner.Execution;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Planning;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Cli.Commands;

internal sealed partial class RunCommand
{
    /// <summary>The ref the event concerns: the payload's `ref` when given, else the checked-out branch or tag.</summary>
    private sealed record RefProbe(string Ref);

    private static RefProbe ProbeRef(string workspace)
    {
        var symbolic = GithubContextBuilder.RunGit(workspace, "symbolic-ref", "-q", "HEAD");
        if (symbolic is not null)
        {
            return new RefProbe(symbolic);
        }

        var tag = GithubContextBuilder.RunGit(workspace, "describe", "--exact-match", "--tags", "HEAD");
        return new RefProbe(tag is null ? "" : "refs/tags/" + tag);
    }

    /// <summary>
    /// The workflow_dispatch inputs: on GitHub the event payload's <c>inputs</c> are the inputs, so those of
    /// <c>--event-file</c> count, each an <c>--input</c> (a string, or a boolean or number as its JSON text), and an
    /// <c>--input</c> of the same name wins. They are then typed and checked against the workflow's definitions like any
    /// <c>--input</c>. A payload whose <c>inputs</c> is not an object of scalars is a usage error naming the input.
    /// </summary>
    private static Dictionary<string, string> DispatchInputs(string eventName, JsonObject? payload, Dictionary<string, string> given)
    {
        if (eventName != "workflow_dispatch" || payload?["inputs"] is not { } node)
        {
            return given;
        }

        if (node is not JsonObject fromPayload)
        {
            throw new UsageException($"--event-file: 'inputs' must be an object of input names to values, found {node.GetValueKind().ToString().ToLowerInvariant()}");
        }

        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in fromPayload)
        {
            var text = value?.GetValueKind() switch
            {
                null or JsonValueKind.Null => null,
                JsonValueKind.String => value!.GetValue<string>(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => value!.ToJsonString(),
                var kind => throw new UsageException($"--event-file: input '{name}' must be a string, boolean or number, found {kind?.ToString().ToLowerInvariant()}"),
            };
            if (text is not null)
            {
                inputs[name] = text;
            }
        }

        foreach (var (name, value) in given)
        {
            inputs[name] = value;
        }

        return inputs;
    }

    /// <summary>Files changed by the pushed commit (HEAD~1..HEAD), for `paths` filters.</summary>
    private static IReadOnlyList<string> ChangedFiles(string workspace)
    {
        var diff = GithubContextBuilder.RunGit(workspace, "diff", "--name-only", "HEAD~1", "HEAD")
            ?? GithubContextBuilder.RunGit(workspace, "ls-files");
        return diff?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];
    }

    /// <summary>
    /// Decides whether <paramref name="workflow"/> runs for <paramref name="eventName"/> with the workflow core's
    /// <see cref="TriggerMatcher"/>: the ref (the payload's, else the checked-out one; the base branch for pull
    /// requests), the files the pushed commit changed and the payload's activity type.
    /// </summary>
    private static WorkflowPlan Plan(Workflow workflow, string eventName, RefProbe probe, JsonObject? payload, Lazy<IReadOnlyList<string>> changedFiles)
    {
        string? gitRef = probe.Ref.Length == 0 ? null : probe.Ref;
        if (eventName is "pull_request" or "pull_request_target")
        {
            var baseRef = Payload.Text(payload, "pull_request", "base", "ref");
            gitRef = baseRef is null ? gitRef : "refs/heads/" + baseRef;
        }
        else if (Payload.Text(payload, "ref") is { } payloadRef)
        {
            gitRef = payloadRef;
        }

        var needsFiles = workflow.On.Any(t => t.Event == eventName && (t.Paths is not null || t.PathsIgnore is not null));
        var ev = new TriggerEvent(eventName)
        {
            Ref = gitRef,
            ChangedFiles = needsFiles ? changedFiles.Value : null,
            Action = Payload.Text(payload, "action"),
            WorkflowName = Payload.Text(payload, "workflow_run", "name"),
        };
        return WorkflowPlanner.Plan(workflow, TriggerMatcher.Match(workflow, ev));
    }
}
