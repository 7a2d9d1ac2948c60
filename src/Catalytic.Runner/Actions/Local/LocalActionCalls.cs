using System.Text.Json.Nodes;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Steps;
using Catalytic.Workflows.Actions;

namespace Catalytic.Runner.Actions.Local;

/// <summary>What composite and JavaScript actions (from <c>./path</c> or a mapped <c>owner/name@ref</c>) share: their inputs and identity.</summary>
internal static class LocalActionCalls
{
    /// <summary>
    /// The action's inputs: <c>with:</c> values, then defaults (evaluated now) for the rest, empty when there is none.
    /// Warns like GitHub about unexpected and deprecated inputs; a missing required input is only a warning because
    /// GitHub leaves that check to the action.
    /// </summary>
    public static Dictionary<string, string> ResolveInputs(StepCall call, ActionMetadata action)
    {
        var job = call.Job;
        var given = call.Inputs;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var defined = action.Inputs.Select(i => i.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unexpected = given.Keys.Where(k => !defined.Contains(k)).ToList();
        if (unexpected.Count > 0)
        {
            job.Emit(call.LogName, $"##[warning]Unexpected input(s) '{string.Join("', '", unexpected)}', valid inputs are ['{string.Join("', '", action.Inputs.Select(i => i.Name))}']", LineKind.Runner);
        }

        foreach (var (k, v) in given)
        {
            result[k] = v;
        }

        foreach (var input in action.Inputs)
        {
            if (given.ContainsKey(input.Name))
            {
                if (input.DeprecationMessage is { } message)
                {
                    job.Emit(call.LogName, $"##[warning]Input '{input.Name}' has been deprecated with message: {message}", LineKind.Runner);
                }

                result.Remove(input.Name);
                result[input.Name] = given[input.Name];
                continue;
            }

            if (input.Default is not null)
            {
                result[input.Name] = job.Expressions.EvaluateString(input.Default, call.Scope);
                continue;
            }

            result[input.Name] = "";
            if (input.Required)
            {
                job.Emit(call.LogName, $"##[warning]Input required and not supplied: {input.Name} ({call.Uses} declares it required; GitHub passes an empty value and leaves the check to the action)", LineKind.Runner);
            }
        }

        return result;
    }

    /// <summary>The repository and ref of a mapped action (<c>owner/name@ref</c>); nulls for a <c>./path</c> one.</summary>
    public static (string? Repository, string? Ref) RemoteParts(string uses)
    {
        if (ActionRegistry.IsLocal(uses))
        {
            return (null, null);
        }

        var at = uses.LastIndexOf('@');
        var parts = (at < 0 ? uses : uses[..at]).Split('/');
        return (parts.Length >= 2 ? parts[0] + "/" + parts[1] : null, at < 0 ? null : uses[(at + 1)..]);
    }

    /// <summary>GITHUB_ACTION_PATH, GITHUB_ACTION_REPOSITORY and GITHUB_ACTION_REF of an action's processes.</summary>
    public static void AddActionVariables(Dictionary<string, string> processEnv, string actionPath, string uses)
    {
        processEnv["GITHUB_ACTION_PATH"] = actionPath;
        var (repository, gitRef) = RemoteParts(uses);
        processEnv["GITHUB_ACTION_REPOSITORY"] = repository ?? "";
        processEnv["GITHUB_ACTION_REF"] = gitRef ?? "";
    }

    /// <summary>The <c>github</c> context an action's steps see: <c>action_path</c>, and for a mapped action its repository and ref.</summary>
    public static JsonObject ActionGithub(JsonObject github, string directory, string uses)
    {
        var g = (JsonObject)github.DeepClone();
        g["action_path"] = directory;
        var (repository, gitRef) = RemoteParts(uses);
        g["action_repository"] = repository ?? "";
        g["action_ref"] = gitRef ?? "";
        return g;
    }
}
