using Catalytic.Workflows.Globbing;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Triggers;

/// <summary>
/// An event to match workflows against.
/// </summary>
/// <param name="Name">The event name: push, pull_request, workflow_dispatch…</param>
public sealed record TriggerEvent(string Name)
{
    /// <summary>
    /// The git ref the event is about: `refs/heads/x` or `refs/tags/y` (a bare name is a branch). For
    /// pull_request/pull_request_target the base branch, for workflow_run the head branch of the run. Null = unknown:
    /// branch and tag filters pass.
    /// </summary>
    public string? Ref { get; init; }

    /// <summary>Paths changed by the event, relative to the repository root with `/`. Null = unknown: paths filters pass.</summary>
    public IReadOnlyList<string>? ChangedFiles { get; init; }

    /// <summary>The activity type (`opened`, `completed`…). Null = unknown: `types` passes.</summary>
    public string? Action { get; init; }

    /// <summary>For workflow_run: the name of the workflow whose run triggered the event.</summary>
    public string? WorkflowName { get; init; }
}

/// <summary>Whether a workflow runs for an event, with a reason a person can read either way.</summary>
public sealed record TriggerDecision(bool Triggers, string Reason, Trigger? Trigger = null)
{
    public override string ToString() => (Triggers ? "triggers: " : "does not trigger: ") + Reason;
}

/// <summary>Decides whether a workflow's `on:` accepts an event, applying GitHub's filter rules.</summary>
public static class TriggerMatcher
{
    /// <summary>Whether <paramref name="workflow"/> runs for <paramref name="ev"/>.</summary>
    public static TriggerDecision Match(Workflow workflow, TriggerEvent ev)
    {
        var trigger = workflow.On.FirstOrDefault(t => t.Event == ev.Name);
        if (trigger is null)
        {
            var events = workflow.On.IsEmpty ? "nothing" : string.Join(", ", workflow.On.Select(t => t.Event));
            return new TriggerDecision(false, $"the workflow does not listen to '{ev.Name}' (on: {events})");
        }

        return Match(trigger, ev);
    }

    /// <summary>Whether the filters of one `on.&lt;event&gt;` accept <paramref name="ev"/> (the event names must already agree).</summary>
    public static TriggerDecision Match(Trigger trigger, TriggerEvent ev)
    {
        if (trigger.Event != ev.Name)
        {
            return new TriggerDecision(false, $"on.{trigger.Event} does not apply to '{ev.Name}'", trigger);
        }

        var on = "on." + trigger.Event;
        if (TypesReason(trigger, ev, on) is { } typesReason)
        {
            return new TriggerDecision(false, typesReason, trigger);
        }

        if (trigger.Workflows is { } workflows && ev.WorkflowName is { } name && !GlobFilter.Parse(workflows).Matches(name))
        {
            return new TriggerDecision(false, $"{on}.workflows {List(workflows)} does not include '{name}'", trigger);
        }

        var isTag = false;
        if (ev.Ref is { } gitRef)
        {
            isTag = gitRef.StartsWith("refs/tags/", StringComparison.Ordinal);
            var refName = isTag ? gitRef["refs/tags/".Length..] : gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? gitRef["refs/heads/".Length..] : gitRef;
            if (RefReason(trigger, on, refName, isTag) is { } refReason)
            {
                return new TriggerDecision(false, refReason, trigger);
            }
        }

        // GitHub does not evaluate path filters for tag pushes.
        if (!isTag && ev.ChangedFiles is { } files && PathsReason(trigger, on, files) is { } pathsReason)
        {
            return new TriggerDecision(false, pathsReason, trigger);
        }

        return new TriggerDecision(true, $"{on} matches" + (ev.Ref is null ? "" : $" '{ev.Ref}'"), trigger);
    }

    private static string? TypesReason(Trigger trigger, TriggerEvent ev, string on)
    {
        if (ev.Action is not { } action)
        {
            return null;
        }

        if (trigger.Types is { } types)
        {
            return types.Contains(action) ? null : $"{on}.types {List(types)} does not include '{action}'";
        }

        if (trigger.Event is "pull_request" or "pull_request_target" && !WorkflowSchema.DefaultPullRequestTypes.Contains(action))
        {
            return $"{on} without 'types' runs only for {List(WorkflowSchema.DefaultPullRequestTypes)}, not '{action}'";
        }

        return null;
    }

    private static string? RefReason(Trigger trigger, string on, string name, bool isTag)
    {
        var (include, ignore, kind) = isTag
            ? (trigger.Tags, trigger.TagsIgnore, "tags")
            : (trigger.Branches, trigger.BranchesIgnore, "branches");
        var (otherInclude, otherIgnore, otherKind) = isTag
            ? (trigger.Branches, trigger.BranchesIgnore, "branches")
            : (trigger.Tags, trigger.TagsIgnore, "tags");

        if (include is { } patterns)
        {
            return GlobFilter.Parse(patterns).Matches(name) ? null : $"{on}.{kind} {List(patterns)} does not match '{name}'";
        }

        if (ignore is { } ignored)
        {
            return GlobFilter.Parse(ignored).Matches(name) ? $"{on}.{kind}-ignore {List(ignored)} matches '{name}'" : null;
        }

        // Only the other kind of ref is filtered: GitHub then does not run for this kind at all.
        if (trigger.Event == "push" && (otherInclude is not null || otherIgnore is not null))
        {
            return $"{on} filters only {otherKind}, so pushes of {kind} ('{name}') do not trigger it";
        }

        return null;
    }

    private static string? PathsReason(Trigger trigger, string on, IReadOnlyList<string> files)
    {
        if (trigger.Paths is { } paths)
        {
            return GlobFilter.Parse(paths).FirstMatch(files) is null
                ? $"{on}.paths {List(paths)} matches none of the {files.Count} changed file(s)"
                : null;
        }

        if (trigger.PathsIgnore is { } ignored)
        {
            var filter = GlobFilter.Parse(ignored);
            return files.All(filter.Matches)
                ? $"{on}.paths-ignore {List(ignored)} matches all of the {files.Count} changed file(s)"
                : null;
        }

        return null;
    }

    private static string List(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";
}
