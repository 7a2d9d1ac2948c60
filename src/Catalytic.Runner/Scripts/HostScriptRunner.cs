using Catalytic.Runner.Processes;
using Catalytic.Runner.Shells;
using Catalytic.Runner.Steps;

namespace Catalytic.Runner.Scripts;

/// <summary>
/// A <c>run:</c> step on the host: the shell from GitHub's table on the step's PATH, the script in a file of the job's
/// temporary folder — or, for a job step that is one plain command, that command exec'd directly (<see cref="PlainCommand"/>).
/// </summary>
internal sealed class HostScriptRunner : IStepRunner
{
    public bool Accepts(StepCall call) => call.Step is { Run: not null, Uses: null } && call.Job.State.Container is null;

    public async Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken)
    {
        var job = call.Job;
        var script = job.Expressions.EvaluateString(call.Step.Run!, call.Scope);
        var shellName = ScriptStep.ShellName(call);
        var processEnv = ScriptStep.Environment(call, container: null);
        var shell = ShellResolver.Resolve(shellName, processEnv.GetValueOrDefault("PATH"));
        if (shell.Command is null)
        {
            return StepOutcome.Fail(shell.Error!);
        }

        var workingDirectory = ScriptStep.WorkingDirectory(call);
        if (!Directory.Exists(workingDirectory))
        {
            return StepOutcome.Fail($"working-directory '{workingDirectory}' does not exist");
        }

        if (call.Frame is null)
        {
            ScriptStep.Show(job, call.LogName, script, shell.Command.DisplayName);
            if (PlainCommand.TryDirect(shell.Command, script, workingDirectory, processEnv) is { } direct)
            {
                return await ProcessStep.RunAsync(job, direct, call.LogName, processEnv, call.Timeout, cancellationToken);
            }
        }

        var scriptPath = ScriptStep.WriteScript(job, shell.Command.Extension, shell.Command.WrapScript(script));
        if (call.Frame is not null)
        {
            ScriptStep.Show(job, call.LogName, script, shell.Command.DisplayName);
        }

        var spec = new ProcessSpec(shell.Command.Program, shell.Command.ArgumentsFor(scriptPath), workingDirectory, processEnv);
        return await ProcessStep.RunAsync(job, spec, call.LogName, processEnv, call.Timeout, cancellationToken);
    }
}
