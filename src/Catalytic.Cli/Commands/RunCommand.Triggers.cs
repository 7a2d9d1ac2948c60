using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Catalytic.Runner.Context;
using Catalytic.Runner.Execution;
using Catalytic.Workflows.Model;

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

    /// <summary>Files changed by the pushed commit (HEAD~1..HEAD), for `paths` filters.</summary>
    private static IReadOnlyList<string> ChangedFiles(string workspace)
    {
        var diff = GithubContextBuilder.RunGit(workspace, "diff", "--name-only", "HEAD~1", "HEAD")
            ?? GithubContextBuilder.RunGit(workspace, "ls-files");
        return diff?.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];
    }

    /// <summary>
    /// Decides whether <paramref name="workflow"/> runs for <paramref name="eventName"/>: it must listen to the event,
    /// and for push/pull_request its branch, tag and path filters must let the ref and the changed files through.
    /// </summary>
    private static PlannedWorkflow Plan(Workflow workflow, string eventName, RefProbe probe, JsonObject? payload, Lazy<IReadOnlyList<string>> changedFiles)
    {
        var trigger = workflow.On.FirstOrDefault(t => t.Event == eventName);
        if (trigger is null)
        {
            return new PlannedWorkflow(workflow, false, $"on: does not list '{eventName}' (listens to {string.Join(", ", workflow.On.Select(t => t.Event))})");
        }

        if (trigger.Types is { Length: > 0 } types && payload?["action"] is JsonValue action && action.TryGetValue<string>(out var a) && !types.Contains(a))
        {
            return new PlannedWorkflow(workflow, false, $"{eventName} type '{a}' is not in types [{string.Join(", ", types)}]");
        }

        if (eventName is not ("push" or "pull_request" or "pull_request_target"))
        {
            return new PlannedWorkflow(workflow, true);
        }

        string gitRef;
        if (eventName == "push")
        {
            gitRef = payload?["ref"] is JsonValue r && r.TryGetValue<string>(out var pr) ? pr : probe.Ref;
        }
        else
        {
            // Branch filters of pull_request events apply to the base branch.
            var baseRef = (payload?["pull_request"]?["base"]?["ref"] as JsonValue)?.GetValue<string>();
            gitRef = baseRef is null ? probe.Ref : "refs/heads/" + baseRef;
        }

        var isTag = gitRef.StartsWith("refs/tags/", StringComparison.Ordinal);
        var name = gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? gitRef[11..] : isTag ? gitRef[10..] : gitRef;
        var hasRefFilter = trigger.Branches is not null || trigger.BranchesIgnore is not null || trigger.Tags is not null || trigger.TagsIgnore is not null;
        if (hasRefFilter)
        {
            var (include, ignore, kind) = isTag ? (trigger.Tags, trigger.TagsIgnore, "tag") : (trigger.Branches, trigger.BranchesIgnore, "branch");
            if (include is null && ignore is null)
            {
                // Only the other kind is filtered: GitHub then does not run for this kind of ref.
                return new PlannedWorkflow(workflow, false, $"{eventName} filters only {(isTag ? "branches" : "tags")}; '{name}' is a {kind}");
            }

            if (include is { } inc && !Filter(inc, name))
            {
                return new PlannedWorkflow(workflow, false, $"{kind} '{name}' does not match {(kind == "tag" ? "tags" : "branches")} [{string.Join(", ", inc)}]");
            }

            if (ignore is { } ign && Filter(ign, name))
            {
                return new PlannedWorkflow(workflow, false, $"{kind} '{name}' matches {(kind == "tag" ? "tags" : "branches")}-ignore [{string.Join(", ", ign)}]");
            }
        }

        if (!isTag && (trigger.Paths is not null || trigger.PathsIgnore is not null))
        {
            var files = changedFiles.Value;
            if (trigger.Paths is { } paths && !files.Any(f => Filter(paths, f)))
            {
                return new PlannedWorkflow(workflow, false, $"no changed file matches paths [{string.Join(", ", paths)}]");
            }

            if (trigger.PathsIgnore is { } ignored && files.Count > 0 && files.All(f => Filter(ignored, f)))
            {
                return new PlannedWorkflow(workflow, false, $"every changed file matches paths-ignore [{string.Join(", ", ignored)}]");
            }
        }

        return new PlannedWorkflow(workflow, true);
    }

    /// <summary>GitHub filter semantics: patterns in order, the last matching decides, `!` excludes.</summary>
    private static bool Filter(IEnumerable<string> patterns, string value)
    {
        var included = false;
        foreach (var p in patterns)
        {
            var negated = p.StartsWith('!');
            if (Glob(negated ? p[1..] : p).IsMatch(value))
            {
                included = !negated;
            }
        }

        return included;
    }

    private static Regex Glob(string pattern)
    {
        var sb = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                if (i + 2 < pattern.Length && pattern[i + 2] == '/')
                {
                    // `**/x` matches `x` at any depth, the top included.
                    sb.Append("(?:.*/)?");
                    i += 2;
                }
                else
                {
                    sb.Append(".*");
                    i++;
                }
            }
            else
            {
                sb.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    '+' => "+",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
