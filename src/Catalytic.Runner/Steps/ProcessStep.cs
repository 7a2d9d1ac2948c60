using Catalytic.Runner.Execution;
using Catalytic.Runner.FileCommands;
using Catalytic.Runner.Processes;
using Catalytic.Runner.WorkflowCommands;

namespace Catalytic.Runner.Steps;

/// <summary>
/// A step that is a process (a script on the host or in the job's container, a JavaScript action's node): runs it
/// with fresh file-command files, interprets its output, and applies what it wrote to the files afterwards.
/// </summary>
internal static class ProcessStep
{
    /// <remarks><paramref name="files"/>: the step's files when the caller needed their names first (a container step);
    /// <paramref name="afterExit"/>: runs as soon as the process has ended (a container step kills what a cancelled step left inside).</remarks>
    public static async Task<StepOutcome> RunAsync(
        JobRun job,
        ProcessSpec spec,
        string name,
        Dictionary<string, string> processEnv,
        TimeSpan? timeout,
        CancellationToken cancellationToken,
        Dictionary<string, string>? state = null,
        FileCommandSet? files = null,
        Func<ProcessExit, Task>? afterExit = null)
    {
        files ??= FileCommandSet.Create(job.State.RunnerTemp);
        files.Apply(processEnv);
        spec = spec with { Environment = processEnv };
        var output = new OutputProcessor(job, name, state, processEnv);
        var exit = await HostProcess.RunAsync(
            spec,
            output.OnLine,
            new ProcessLimits(timeout, job.Options.CancelGracePeriod, job.Time) { Log = job.Session.Log },
            job.TrackProcessGroup,
            cancellationToken);
        if (afterExit is not null)
        {
            await afterExit(exit);
        }

        var outputs = new Dictionary<string, string>(output.Outputs, StringComparer.Ordinal);
        var error = ApplyFileCommands(job.State, files, outputs, state);
        var tail = output.Tail.ToList();
        if (exit.TimedOut)
        {
            return new StepOutcome(Results.Failure, exit.ExitCode, $"the step exceeded its timeout of {timeout!.Value.TotalMinutes:0.##} minutes and was ended", outputs, tail);
        }

        if (exit.Cancelled)
        {
            return new StepOutcome(Results.Cancelled, exit.ExitCode, "the step was cancelled", outputs, tail);
        }

        if ((error ?? output.CommandFailure) is { } failure)
        {
            return new StepOutcome(Results.Failure, exit.ExitCode, failure, outputs, tail);
        }

        return exit.ExitCode == 0
            ? new StepOutcome(Results.Success, 0, null, outputs, tail)
            : new StepOutcome(Results.Failure, exit.ExitCode, $"Process completed with exit code {exit.ExitCode}.", outputs, tail);
    }

    /// <summary>Reads GITHUB_ENV/OUTPUT/PATH/STATE/STEP_SUMMARY after a step; returns an error for a malformed file.</summary>
    private static string? ApplyFileCommands(JobState job, FileCommandSet files, Dictionary<string, string> outputs, Dictionary<string, string>? state)
    {
        var (envPairs, envError) = FileCommandParser.ParseKeyValues(FileCommandSet.Read(files.Env), "GITHUB_ENV");
        foreach (var (k, v) in envPairs)
        {
            job.ExportedEnv[k] = v;
        }

        var (outPairs, outError) = FileCommandParser.ParseKeyValues(FileCommandSet.Read(files.Output), "GITHUB_OUTPUT");
        foreach (var (k, v) in outPairs)
        {
            outputs[k] = v;
        }

        // State matters only for actions with a post part (STATE_* of their later phases); run steps' state is dropped.
        var (statePairs, stateError) = FileCommandParser.ParseKeyValues(FileCommandSet.Read(files.State), "GITHUB_STATE");
        foreach (var (k, v) in statePairs)
        {
            if (state is not null)
            {
                state[k] = v;
            }
        }

        foreach (var p in FileCommandParser.ParsePaths(FileCommandSet.Read(files.Path)))
        {
            job.PathPrepends.Add(p);
        }

        var summary = FileCommandSet.Read(files.Summary);
        if (summary.Length > 0)
        {
            job.Summary.Append(summary);
            if (!summary.EndsWith('\n'))
            {
                job.Summary.Append('\n');
            }
        }

        return envError ?? outError ?? stateError;
    }
}
