using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Services;
using Catalytic.Runner.Steps;

namespace Catalytic.Runner.Scripts;

/// <summary>What a <c>run:</c> step is given wherever it runs (on the host or in the job's container), written once.</summary>
internal static class ScriptStep
{
    /// <summary>
    /// The shell a step names, else (for a job step) the job's and then the workflow's <c>defaults.run.shell</c>.
    /// Composite steps name their shell (the metadata parser insists), and job defaults do not apply inside.
    /// </summary>
    public static string? ShellName(StepCall call)
    {
        var step = call.Step;
        if (step.Shell is not null)
        {
            return call.Job.Expressions.EvaluateString(step.Shell, call.Scope);
        }

        return call.Frame is null ? call.Job.JobDefaults?.Shell ?? call.Job.Request.Workflow.Defaults?.Shell : null;
    }

    /// <summary>The step's working directory, else (for a job step) the defaults', relative to the workspace; else the workspace.</summary>
    public static string WorkingDirectory(StepCall call)
    {
        var job = call.Job;
        var wd = call.Step.WorkingDirectory is not null ? job.Expressions.EvaluateString(call.Step.WorkingDirectory, call.Scope)
            : call.Frame is null ? job.JobDefaults?.WorkingDirectory ?? job.Request.Workflow.Defaults?.WorkingDirectory : null;
        return string.IsNullOrEmpty(wd) ? job.Workspace : Path.GetFullPath(Path.Combine(job.Workspace, wd));
    }

    /// <summary>The step's process environment; inside a composite action also GITHUB_ACTION_PATH/REPOSITORY/REF.</summary>
    public static Dictionary<string, string> Environment(StepCall call, JobContainer? container)
    {
        var env = call.Job.ProcessEnvironment(call.Env, call.StepId, container);
        call.Frame?.AddActionVariables(env);
        return env;
    }

    /// <summary>GitHub prints the script (masked) in a group before running it.</summary>
    public static void Show(JobRun job, string name, string script, string shellDisplayName)
    {
        var lines = script.TrimEnd('\n').Split('\n');
        job.Emit(name, "Run " + lines[0], LineKind.GroupStart);
        foreach (var line in lines)
        {
            job.Emit(name, line, LineKind.InGroup);
        }

        job.Emit(name, "shell: " + shellDisplayName, LineKind.InGroup);
        job.Emit(name, "", LineKind.GroupEnd);
    }

    /// <summary>Writes the script to a fresh file in the job's temporary folder (the same path in the job's container).</summary>
    public static string WriteScript(JobRun job, string extension, string text)
    {
        var path = Path.Combine(job.State.RunnerTemp, Guid.NewGuid().ToString("N") + extension);
        File.WriteAllText(path, text); // small: a thread-pool round trip costs more
        return path;
    }

    public static bool IsUnder(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }
}
