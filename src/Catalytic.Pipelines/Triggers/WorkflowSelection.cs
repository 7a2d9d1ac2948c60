using System.Collections.Immutable;
using Catalytic.Pipelines.Repositories;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Pipelines.Triggers;

/// <summary>One workflow file the event starts: its text, the workflow (null when invalid) and its errors.</summary>
public sealed record SelectedWorkflow(string Path, string Text, Workflow? Workflow, ImmutableArray<string> Errors, string Reason);

/// <summary>A workflow file the event does not start, and why (for the server's log).</summary>
public sealed record SkippedWorkflow(string Path, string Reason);

/// <summary>
/// Decides which workflow files of a commit an event starts, with <see cref="TriggerMatcher"/> — the rules
/// <c>catalytic run</c> applies (branches, tags, paths and their <c>-ignore</c> forms, types). A file with errors still
/// starts a run when what could be read of its <c>on:</c> selects the event, or when its <c>on:</c> cannot be read at all
/// and the event is a push: that run fails at once and shows the errors, as GitHub's "Invalid workflow file" does.
/// </summary>
public static class WorkflowSelection
{
    /// <summary>
    /// Selects among <paramref name="files"/> for <paramref name="ev"/>. <paramref name="changedFiles"/> is asked (once)
    /// only when a workflow listening to the event has a <c>paths</c> or <c>paths-ignore</c> filter: a diff costs git
    /// processes that most pushes do not need.
    /// </summary>
    public static async Task<(ImmutableArray<SelectedWorkflow> Selected, ImmutableArray<SkippedWorkflow> Skipped)> SelectAsync(
        IEnumerable<TreeFile> files, TriggerEvent ev, Func<CancellationToken, Task<IReadOnlyList<string>?>>? changedFiles, CancellationToken ct)
    {
        var parsed = files.Select(f => (File: f, Result: f.Text is null ? null : WorkflowParser.Parse(f.Path, f.Text))).ToList();
        if (changedFiles is not null && parsed.Any(p => (p.Result?.Workflow ?? p.Result?.Draft)?.On.Any(t => t.Event == ev.Name && (t.Paths is not null || t.PathsIgnore is not null)) == true))
        {
            ev = ev with { ChangedFiles = await changedFiles(ct) };
        }

        return Select(parsed, ev);
    }

    /// <summary>Selects among <paramref name="files"/> for <paramref name="ev"/> (its changed files already known).</summary>
    public static (ImmutableArray<SelectedWorkflow> Selected, ImmutableArray<SkippedWorkflow> Skipped) Select(IEnumerable<TreeFile> files, TriggerEvent ev) =>
        Select(files.Select(f => (f, f.Text is null ? null : WorkflowParser.Parse(f.Path, f.Text))).ToList(), ev);

    private static (ImmutableArray<SelectedWorkflow> Selected, ImmutableArray<SkippedWorkflow> Skipped) Select(List<(TreeFile File, ParseResult? Result)> files, TriggerEvent ev)
    {
        var selected = ImmutableArray.CreateBuilder<SelectedWorkflow>();
        var skipped = ImmutableArray.CreateBuilder<SkippedWorkflow>();
        foreach (var (file, parsed) in files)
        {
            if (file.Text is null || parsed is null)
            {
                // Unreadable (too large): GitHub cannot read its on: either, and reports the file on push.
                if (ev.Name == "push")
                {
                    selected.Add(new SelectedWorkflow(file.Path, "", null, [$"{file.Path}:1:1: error: {file.Error}"], "the file cannot be read"));
                }
                else
                {
                    skipped.Add(new SkippedWorkflow(file.Path, file.Error ?? "cannot be read"));
                }

                continue;
            }

            if (parsed.Workflow is { } workflow)
            {
                var decision = TriggerMatcher.Match(workflow, ev);
                if (decision.Triggers)
                {
                    selected.Add(new SelectedWorkflow(file.Path, file.Text, workflow, [], decision.Reason));
                }
                else
                {
                    skipped.Add(new SkippedWorkflow(file.Path, decision.Reason));
                }

                continue;
            }

            var errors = parsed.Errors.Select(d => d.ToString()).ToImmutableArray();
            if (parsed.Draft is { On.IsEmpty: false } draft)
            {
                var decision = TriggerMatcher.Match(draft, ev);
                if (decision.Triggers)
                {
                    selected.Add(new SelectedWorkflow(file.Path, file.Text, null, errors, "invalid workflow file; " + decision.Reason));
                }
                else
                {
                    skipped.Add(new SkippedWorkflow(file.Path, "invalid workflow file; " + decision.Reason));
                }
            }
            else if (ev.Name == "push")
            {
                selected.Add(new SelectedWorkflow(file.Path, file.Text, null, errors, "invalid workflow file; its on: cannot be read"));
            }
            else
            {
                skipped.Add(new SkippedWorkflow(file.Path, "invalid workflow file; its on: cannot be read"));
            }
        }

        return (selected.ToImmutable(), skipped.ToImmutable());
    }
}
