using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Runner.FileCommands;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Services;

namespace Catalytic.Runner.Actions.Container;

/// <summary>
/// The <c>podman run</c> of one container action phase, with GitHub's layout: the workspace at /github/workspace (the
/// working directory), a home at /github/home kept for the job (the job container's), the event at
/// /github/workflow/event.json, the step's file-command files in /github/file_commands, and the variables naming them
/// rewritten to those paths. The container joins the host's network as the job container does (services at 127.0.0.1
/// and by id). Values reach podman through its environment (<c>-e NAME</c>), never its command line, except the
/// file-command paths, which podman itself does not read and which the step's own files would otherwise shadow.
/// </summary>
internal sealed record ContainerActionInvocation(string Name, List<string> Args, Dictionary<string, string> PodmanEnvironment, string Display)
{
    public const string Workspace = "/github/workspace";
    public const string Home = "/github/home";
    public const string Workflow = "/github/workflow";
    public const string FileCommands = "/github/file_commands";

    /// <summary>The podman to use: <c>CATALYTIC_PODMAN</c> (<see cref="RunOptions.Podman"/>) when set, else the first on PATH; null when there is none.</summary>
    public static string? FindPodman(JobRun job) =>
        job.Options.Podman is { } configured
            ? File.Exists(configured) ? configured : null
            : Programs.FindOnPath("podman", job.Session.HostEnvironment.GetValueOrDefault("PATH"));

    public static ContainerActionInvocation Create(
        JobRun job, Podman podman, string image, string? entrypoint, IReadOnlyList<string> args, Dictionary<string, string> variables, FileCommandSet files)
    {
        var name = Podman.NewName("action", job.Job.Id);
        var temp = job.State.RunnerTemp;
        var home = Directory.CreateDirectory(Path.Combine(temp, "_github_home")).FullName;
        var workflow = Directory.CreateDirectory(Path.Combine(temp, "_github_workflow")).FullName;
        var eventFile = Path.Combine(workflow, "event.json");
        if (!File.Exists(eventFile) && File.Exists(job.Request.EventPath))
        {
            File.Copy(job.Request.EventPath, eventFile);
        }

        variables["GITHUB_WORKSPACE"] = Workspace;
        variables["GITHUB_EVENT_PATH"] = Workflow + "/event.json";
        variables["HOME"] = Home;
        var literal = new List<string>();
        foreach (var (key, path) in new[] { ("GITHUB_ENV", files.Env), ("GITHUB_OUTPUT", files.Output), ("GITHUB_PATH", files.Path), ("GITHUB_STATE", files.State), ("GITHUB_STEP_SUMMARY", files.Summary) })
        {
            variables.Remove(key);
            literal.AddRange(["-e", $"{key}={FileCommands}/{Path.GetFileName(path)}"]);
        }

        var runArgs = new List<string> { "run", "--rm", "--pull=never", "--name", name };
        runArgs.AddRange(Podman.Labels("action", job.Job.Id));
        runArgs.AddRange(["--network", "host"]);
        foreach (var (id, _) in (JsonObject?)job.State.JobContext["services"] ?? [])
        {
            runArgs.AddRange(["--add-host", $"{id}:127.0.0.1"]);
        }

        runArgs.AddRange([
            "--workdir", Workspace,
            "--volume", $"{job.Workspace}:{Workspace}",
            "--volume", $"{home}:{Home}",
            "--volume", $"{workflow}:{Workflow}",
            "--volume", $"{Path.GetDirectoryName(files.Env)}:{FileCommands}",
            // RUNNER_TEMP keeps its host path (GitHub's too); mounted there, so what a step leaves in it is readable.
            "--volume", $"{temp}:{temp}",
        ]);
        var (envArgs, podmanEnv) = Podman.EnvironmentArguments(variables, job.Session.HostEnvironment);
        runArgs.AddRange(envArgs);
        runArgs.AddRange(literal);
        if (entrypoint is not null)
        {
            runArgs.AddRange(["--entrypoint", entrypoint]);
        }

        runArgs.Add(image);
        runArgs.AddRange(args);
        var display = $"podman run {image}" + (entrypoint is null ? "" : $" (entrypoint {entrypoint})") + (args.Count == 0 ? "" : " " + string.Join(' ', args.Select(Quote)));
        return new ContainerActionInvocation(name, runArgs, podmanEnv, display);
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ':' or ',') ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
