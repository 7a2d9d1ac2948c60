using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Scripts;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Services;

/// <summary>A job's <c>container:</c> — read (evaluated), then started through podman before the steps, or applied on the host.</summary>
internal static class JobContainerSetup
{
    /// <summary>
    /// Reads `container:` (evaluated). In <see cref="JobContainerMode.Host"/> (opt-in) applies it at once: the steps
    /// run on the host with the container's `env` below the job's and the step's own (as `docker exec -e` overrides
    /// the container's environment on GitHub), and a warning names the image and what is not applied; returns null
    /// then. In podman mode returns the definition for <see cref="StartAsync"/>.
    /// </summary>
    public static ServiceDefinition? Read(JobRun job, out string? error)
    {
        error = null;
        if (job.Job.Container is not { } node)
        {
            return null;
        }

        ServiceDefinition container;
        try
        {
            var scope = job.BaseScope(job.State.JobEnv);
            if (node is TemplateScalar whole && whole.Value.Contains("${{", StringComparison.Ordinal)
                && job.Expressions.Evaluate(whole, scope) is JsonObject mapping)
            {
                // `container: ${{ fromJSON(…) }}` standing for the whole mapping (image, env, options…).
                node = ContextValues.ToTemplate(mapping, whole.Span);
            }

            container = ServiceDefinition.FromTemplate(job.Job.Id, node, s => job.Expressions.EvaluateString(s, scope));
        }
        catch (FormatException e)
        {
            error = $"job '{job.Job.Id}': container: {e.Message}";
            return null;
        }

        if (job.Options.JobContainer == JobContainerMode.Podman)
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

        job.Emit("", $"##[warning]job container {container.Image}: the steps run on the host, not in the image (--job-container host; its tools must be installed here)"
            + (container.Env.Count > 0 ? "; its env is set for every step" : "")
            + (notApplied.Count > 0 ? $"; {string.Join(", ", notApplied)} not applied" : "") + ".", LineKind.Runner);
        foreach (var (k, v) in container.Env)
        {
            job.State.ServiceEnv.TryAdd(k, v);
        }

        job.State.JobContext["container"] = new JsonObject { ["id"] = "", ["network"] = "" };
        return null;
    }

    /// <summary>
    /// Starts the job's container through podman with the workspace, the job's temporary folder and the event file's
    /// folder mounted at the same paths, and the job's services reachable by id. Returns the error (naming the image,
    /// the reason and what to do) when it cannot start.
    /// </summary>
    public static async Task<string?> StartAsync(JobRun job, ServiceDefinition container, CancellationToken cancellationToken)
    {
        var workspace = job.Workspace;
        var mounts = new List<string> { workspace, job.State.RunnerTemp };
        if (Path.GetDirectoryName(job.Request.EventPath) is { Length: > 0 } eventDir && !ScriptStep.IsUnder(eventDir, workspace))
        {
            mounts.Add(eventDir);
        }

        // Composite actions mapped from folders outside the workspace run their steps in the container too.
        foreach (var folder in job.Options.ActionDirectories?.Entries.Values ?? [])
        {
            if (Directory.Exists(folder) && !ScriptStep.IsUnder(folder, workspace))
            {
                mounts.Add(folder);
            }
        }

        // As on GitHub, the container has a home of its own: HOME=/github/home (unless `env:` says otherwise), a folder
        // of the job's temporary one, so what tools keep there lasts from step to step and goes with the job.
        var home = Directory.CreateDirectory(Path.Combine(job.State.RunnerTemp, "_github_home")).FullName;
        var containerEnv = new Dictionary<string, string>(StringComparer.Ordinal) { ["HOME"] = "/github/home" };
        foreach (var (k, v) in container.Env)
        {
            containerEnv[k] = v;
        }

        container = container with { Env = containerEnv, Volumes = [.. container.Volumes, $"{home}:/github/home"] };
        var serviceIds = ((JsonObject)job.State.JobContext["services"]!).Select(s => s.Key).ToList();
        var starter = new JobServiceStarter(new JobServiceOptions { Podman = job.Options.Podman, Time = job.Time, Log = job.Options.Logger });
        JobContainerStartResult started;
        try
        {
            started = await starter.StartJobContainerAsync(container, mounts, serviceIds, job.Session.HostEnvironment, line => job.Emit("container", line, LineKind.Output), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return $"job container {container.Image}: cancelled while starting";
        }

        if (started.Container is not { } running)
        {
            return $"job '{job.Job.Id}': {started.Error}";
        }

        job.State.Container = running;
        job.State.JobContext["container"] = new JsonObject { ["id"] = running.Id, ["network"] = JobContainer.Network };
        return null;
    }
}
