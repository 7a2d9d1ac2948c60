using System.Text.Json.Nodes;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Services;
using Catalytic.Runner.Shells;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

internal sealed partial class JobExecutor
{
    /// <summary>The job's container while the job runs (podman mode), else null: `run:` steps are exec'd in it.</summary>
    private JobContainer? _container;

    /// <summary>
    /// Reads `container:` (evaluated). In <see cref="JobContainerMode.Host"/> (opt-in) applies it at once: the steps
    /// run on the host with the container's `env` below the job's and the step's own (as `docker exec -e` overrides
    /// the container's environment on GitHub), and a warning names the image and what is not applied; returns null
    /// then. In podman mode returns the definition for <see cref="StartJobContainerAsync"/>.
    /// </summary>
    private ServiceDefinition? ReadJobContainer(out string? error)
    {
        error = null;
        if (Job.Container is not { } node)
        {
            return null;
        }

        ServiceDefinition container;
        try
        {
            var scope = BaseScope(_jobEnv);
            if (node is TemplateScalar whole && whole.Value.Contains("${{", StringComparison.Ordinal)
                && _session.Expressions.Evaluate(whole, scope) is JsonObject mapping)
            {
                // `container: ${{ fromJSON(…) }}` standing for the whole mapping (image, env, options…).
                node = ToTemplate(mapping, whole.Span);
            }

            container = ServiceDefinition.FromTemplate(Job.Id, node, s => _session.Expressions.EvaluateString(s, scope));
        }
        catch (FormatException e)
        {
            error = $"job '{Job.Id}': container: {e.Message}";
            return null;
        }

        if (Options.JobContainer == JobContainerMode.Podman)
        {
            return container;
        }

        var notApplied = new List<string>();
        if (container.Ports.Count > 0)
        {
            notApplied.Add("ports");
        }

        if (container.Volumes.Count > 0)
        {
            notApplied.Add("volumes");
        }

        if (!string.IsNullOrWhiteSpace(container.Options))
        {
            notApplied.Add("options");
        }

        Emit("", $"##[warning]job container {container.Image}: the steps run on the host, not in the image (--job-container host; its tools must be installed here)"
            + (container.Env.Count > 0 ? "; its env is set for every step" : "")
            + (notApplied.Count > 0 ? $"; {string.Join(", ", notApplied)} not applied" : "") + ".", LineKind.Runner);
        foreach (var (k, v) in container.Env)
        {
            _serviceEnv.TryAdd(k, v);
        }

        _jobContext["container"] = new JsonObject { ["id"] = "", ["network"] = "" };
        return null;
    }

    /// <summary>
    /// Starts the job's container through podman with the workspace, the job's temporary folder and the event file's
    /// folder mounted at the same paths, and the job's services reachable by id. Returns the error (naming the image,
    /// the reason and what to do) when it cannot start.
    /// </summary>
    private async Task<string?> StartJobContainerAsync(ServiceDefinition container, CancellationToken cancellationToken)
    {
        var mounts = new List<string> { Options.Workspace, _runnerTemp };
        if (Path.GetDirectoryName(_request.EventPath) is { Length: > 0 } eventDir && !IsUnder(eventDir, Options.Workspace))
        {
            mounts.Add(eventDir);
        }

        // Composite actions mapped from folders outside the workspace run their steps in the container too.
        foreach (var folder in Options.ActionDirectories?.Entries.Values ?? [])
        {
            if (Directory.Exists(folder) && !IsUnder(folder, Options.Workspace))
            {
                mounts.Add(folder);
            }
        }

        // As on GitHub, the container has a home of its own: HOME=/github/home (unless `env:` says otherwise), a folder
        // of the job's temporary one, so what tools keep there lasts from step to step and goes with the job.
        var home = Directory.CreateDirectory(Path.Combine(_runnerTemp, "_github_home")).FullName;
        var containerEnv = new Dictionary<string, string>(StringComparer.Ordinal) { ["HOME"] = "/github/home" };
        foreach (var (k, v) in container.Env)
        {
            containerEnv[k] = v;
        }

        container = container with { Env = containerEnv, Volumes = [.. container.Volumes, $"{home}:/github/home"] };
        var serviceIds = ((JsonObject)_jobContext["services"]!).Select(s => s.Key).ToList();
        var starter = new JobServiceStarter(new JobServiceOptions { Podman = Options.Podman });
        JobContainerStartResult started;
        try
        {
            started = await starter.StartJobContainerAsync(container, mounts, serviceIds, _session.HostEnvironment, line => Emit("container", line, LineKind.Output), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return $"job container {container.Image}: cancelled while starting";
        }

        if (started.Container is not { } running)
        {
            return $"job '{Job.Id}': {started.Error}";
        }

        _container = running;
        _jobContext["container"] = new JsonObject { ["id"] = running.Id, ["network"] = JobContainer.Network };
        return null;
    }

    /// <summary>
    /// A `run:` step inside the job container: `podman exec` with the step's environment (GitHub's variables, the
    /// contexts' env, the file-command files — not the runner's own environment, as on GitHub), the image's PATH
    /// with GITHUB_PATH additions in front, the working directory (the same path as on the host), and the shell from
    /// GitHub's table resolved in the image (an unspecified shell is `sh -e {0}` in a container, as on GitHub; `bash`
    /// falls back to sh when the image has no bash).
    /// </summary>
    /// <remarks><paramref name="variables"/>: the step's whole environment, from <c>ProcessEnvironment(env, stepId, container)</c>.</remarks>
    private async Task<StepOutcome> RunScriptInContainerAsync(JobContainer container, string script, string? shellName, string workingDirectory, Dictionary<string, string> variables, string name, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        // GitHub: "The default shell for run steps inside a container is sh instead of bash."
        var shell = ShellResolver.ResolveWith(string.IsNullOrWhiteSpace(shellName) ? "sh" : shellName, container.Find);
        if (shell.Command is null)
        {
            return StepOutcome.Fail($"{shell.Error} in the job container's image {container.Image}");
        }

        if (IsUnder(workingDirectory, Options.Workspace) && !Directory.Exists(workingDirectory))
        {
            return StepOutcome.Fail($"working-directory '{workingDirectory}' does not exist");
        }

        var scriptPath = Path.Combine(_runnerTemp, Guid.NewGuid().ToString("N") + shell.Command.Extension);
        await File.WriteAllTextAsync(scriptPath, shell.Command.WrapScript(script), CancellationToken.None);
        EmitScript(name, script, shell.Command.DisplayName + $" (in {container.Image})");

        // The file-command files are created per step inside RunProcessStepAsync with these names; their paths are
        // the same in the container, since the job's temporary folder is mounted there.
        var files = FileCommandSet.Create(_runnerTemp);
        files.Apply(variables);
        var groupFile = Path.Combine(_runnerTemp, "_container", Guid.NewGuid().ToString("N") + ".pgid");
        Directory.CreateDirectory(Path.GetDirectoryName(groupFile)!);
        var (args, podmanEnv) = container.ExecArguments(workingDirectory, variables, _session.HostEnvironment, groupFile, shell.Command.Program, shell.Command.ArgumentsFor(scriptPath));
        var spec = new ProcessSpec(container.PodmanExecutable, args, Options.Workspace, podmanEnv);
        try
        {
            return await RunProcessStepAsync(
                spec,
                name,
                podmanEnv,
                timeout,
                cancellationToken,
                files: files,
                afterExit: exit => exit.TimedOut || exit.Cancelled ? container.KillStepAsync(groupFile, Options.CancelGracePeriod) : Task.CompletedTask);
        }
        finally
        {
            File.Delete(groupFile);
        }
    }

    private static bool IsUnder(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }
}
