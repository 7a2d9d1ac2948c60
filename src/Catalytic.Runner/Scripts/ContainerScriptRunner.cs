using Catalytic.Runner.FileCommands;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Shells;
using Catalytic.Runner.Steps;

namespace Catalytic.Runner.Scripts;

/// <summary>
/// A <c>run:</c> step inside the job container: <c>podman exec</c> with the step's environment (GitHub's variables, the
/// contexts' env, the file-command files — not the runner's own environment, as on GitHub), the image's PATH with
/// GITHUB_PATH additions in front, the working directory (the same path as on the host), and the shell from GitHub's
/// table resolved in the image (an unspecified shell is <c>sh -e {0}</c> in a container, as on GitHub; <c>bash</c>
/// falls back to sh when the image has no bash). A composite action's run steps run there too, as on GitHub.
/// </summary>
internal sealed class ContainerScriptRunner : IStepRunner
{
    public bool Accepts(StepCall call) => call.Step is { Run: not null, Uses: null } && call.Job.State.Container is not null;

    public async Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken)
    {
        var job = call.Job;
        var container = job.State.Container!;
        var script = job.Expressions.EvaluateString(call.Step.Run!, call.Scope);
        var shellName = ScriptStep.ShellName(call);
        var workingDirectory = ScriptStep.WorkingDirectory(call);
        var variables = ScriptStep.Environment(call, container);

        // GitHub: "The default shell for run steps inside a container is sh instead of bash."
        var shell = ShellResolver.ResolveWith(string.IsNullOrWhiteSpace(shellName) ? "sh" : shellName, container.Find);
        if (shell.Command is null)
        {
            return StepOutcome.Fail($"{shell.Error} in the job container's image {container.Image}");
        }

        if (ScriptStep.IsUnder(workingDirectory, job.Workspace) && !Directory.Exists(workingDirectory))
        {
            return StepOutcome.Fail($"working-directory '{workingDirectory}' does not exist");
        }

        var scriptPath = ScriptStep.WriteScript(job, shell.Command.Extension, shell.Command.WrapScript(script));
        ScriptStep.Show(job, call.LogName, script, shell.Command.DisplayName + $" (in {container.Image})");

        // The file-command files are created per step inside ProcessStep with these names; their paths are the same in
        // the container, since the job's temporary folder is mounted there.
        var files = FileCommandSet.Create(job.State.RunnerTemp);
        files.Apply(variables);
        var groupFile = Path.Combine(job.State.RunnerTemp, "_container", Guid.NewGuid().ToString("N") + ".pgid");
        Directory.CreateDirectory(Path.GetDirectoryName(groupFile)!);
        var (args, podmanEnv) = container.ExecArguments(workingDirectory, variables, job.Session.HostEnvironment, groupFile, shell.Command.Program, shell.Command.ArgumentsFor(scriptPath));
        var spec = new ProcessSpec(container.PodmanExecutable, args, job.Workspace, podmanEnv);
        try
        {
            return await ProcessStep.RunAsync(
                job,
                spec,
                call.LogName,
                podmanEnv,
                call.Timeout,
                cancellationToken,
                files: files,
                afterExit: exit => exit.TimedOut || exit.Cancelled ? container.KillStepAsync(groupFile, job.Options.CancelGracePeriod, job.Session.Log) : Task.CompletedTask);
        }
        finally
        {
            File.Delete(groupFile);
        }
    }
}
