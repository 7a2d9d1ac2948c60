using System.Text.Json.Nodes;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Services;

namespace Catalytic.Runner.Execution;

internal sealed partial class JobExecutor
{
    /// <summary>
    /// A job's `container:` on this runner: the steps run on the host, in the repository, like every other job here
    /// (a job container's image is a toolbox, and the host is expected to have the tools). So that nobody is misled,
    /// a warning names the image and what is not applied; the container's `env` is given to the steps (below the
    /// job's and the step's own, as on GitHub, where `docker exec -e` overrides the container's environment).
    /// Returns an error naming the job when `container:` cannot be read.
    /// </summary>
    private string? ApplyJobContainer()
    {
        if (Job.Container is not { } node)
        {
            return null;
        }

        ServiceDefinition container;
        try
        {
            var scope = BaseScope(_jobEnv);
            container = ServiceDefinition.FromTemplate("container", node, s => _session.Expressions.EvaluateString(s, scope));
        }
        catch (FormatException e)
        {
            return $"job '{Job.Id}': container: {e.Message}";
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

        Emit("", $"##[warning]job container {container.Image}: the steps run on the host, not in the image (its tools must be installed here)"
            + (container.Env.Count > 0 ? "; its env is set for every step" : "")
            + (notApplied.Count > 0 ? $"; {string.Join(", ", notApplied)} not applied" : "") + ".", LineKind.Runner);
        foreach (var (k, v) in container.Env)
        {
            _serviceEnv.TryAdd(k, v);
        }

        _jobContext["container"] = new JsonObject { ["id"] = "", ["network"] = "" };
        return null;
    }
}
