using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.BuiltIn.Setup;
using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Processes;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Services;

/// <summary>One thing the host lacks, where the workflow needs it (file:line:column), and how to get it.</summary>
public sealed record MissingPrerequisite(SourceSpan Where, string Program, string Install, string NeededFor)
{
    public override string ToString() => $"{Where}: {NeededFor} needs {Program}, not found on this machine: {Install}";
}

/// <summary>What the machine offers a run, for <see cref="HostPrerequisites.CheckRun"/>.</summary>
public sealed record RunHost
{
    /// <summary>PATH to search; null: the process's own.</summary>
    public string? Path { get; init; }

    /// <summary>The podman executable configured (<c>CATALYTIC_PODMAN</c>); null: the one on PATH.</summary>
    public string? Podman { get; init; }

    /// <summary>Job containers run through podman, or (opt-in) their steps on the host.</summary>
    public bool JobContainersInPodman { get; init; } = true;

    /// <summary>The workspace <c>./path</c> actions are relative to.</summary>
    public required string Workspace { get; init; }

    /// <summary>The folder <c>--action-dir</c> maps an <c>owner/repo@ref</c> to; null when none.</summary>
    public Func<string, string?> MappedAction { get; init; } = _ => null;

    /// <summary>The tool cache (RUNNER_TOOL_CACHE), where a node may be.</summary>
    public string? ToolCache { get; init; }

    /// <summary>Finds PostgreSQL's bin folder; null: <see cref="PostgresService.FindBinaries"/>.</summary>
    public Func<string?>? PostgresBinaries { get; init; }
}

public static partial class HostPrerequisites
{
    private const string InstallPodman = "install it (Debian: apt-get install podman)";

    /// <summary>
    /// Everything the host lacks for <paramref name="jobs"/>, each where it is needed, so a run can stop at once
    /// instead of failing a job midway: podman for a job container, a non-database service, a <c>docker://</c> step or a
    /// container action; node for a JavaScript action (unless the job sets one up with actions/setup-node first); the
    /// services' own programs. Actions are read from <c>./path</c> and <c>--action-dir</c> folders (and the composite
    /// actions among them, recursively); remote actions not fetched yet, and images written as expressions, are known
    /// only at run time and are not checked here.
    /// </summary>
    public static IReadOnlyList<MissingPrerequisite> CheckRun(IEnumerable<Job> jobs, RunHost host)
    {
        var missing = new List<MissingPrerequisite>();
        var podman = new Lazy<bool>(() => host.Podman is { } configured ? File.Exists(configured) : Programs.FindOnPath("podman", host.Path) is not null);
        var node = new Lazy<bool>(() => Programs.FindOnPath("node", host.Path) is not null
            || (host.ToolCache is { } cache && ToolCache.Find(cache, "node").Count > 0));
        var loader = new LocalActionLoader();
        foreach (var job in jobs)
        {
            if (host.JobContainersInPodman && job.Container is { } container && LiteralImage(container) is { } image && !podman.Value)
            {
                missing.Add(new(container.Span, "podman", InstallPodman + ", or run the steps on the host with `catalytic run --job-container host`", $"job '{job.Id}' (container: {image})"));
            }

            foreach (var (id, serviceImage, span) in LiteralServiceImages(job))
            {
                // Images that are not run from host binaries need podman: the configured one (CATALYTIC_PODMAN) when set.
                var name = ImageName(serviceImage);
                var r = name is "postgres" or "redis" or "valkey"
                    ? Requirement(name, host.Path, host.PostgresBinaries ?? PostgresService.FindBinaries)
                    : podman.Value ? null : ("podman", "podman");
                if (r is not null)
                {
                    missing.Add(new(span, r.Value.Program, $"install it (Debian: apt-get install {r.Value.Package})", $"service '{id}' of job '{job.Id}' ({serviceImage})"));
                }
            }

            var setsUpNode = job.Steps.Any(s => s.Uses?.Trim().StartsWith("actions/setup-node@", StringComparison.OrdinalIgnoreCase) == true);
            var context = new StepCheck(host, loader, podman, setsUpNode ? new Lazy<bool>(() => true) : node, missing);
            foreach (var step in job.Steps)
            {
                context.Check(step, step.Span, $"step {step.Index + 1} of job '{job.Id}'", 0);
            }
        }

        return missing;
    }

    private static string? LiteralImage(TemplateNode container)
    {
        var image = container switch
        {
            TemplateScalar s => s,
            TemplateMapping m => m["image"] as TemplateScalar,
            _ => null,
        };
        return image is { Value.Length: > 0 } i && !i.Value.Contains("${{", StringComparison.Ordinal) ? i.Value : null;
    }

    private static IEnumerable<(string Id, string Image, SourceSpan Span)> LiteralServiceImages(Job job)
    {
        foreach (var (key, value) in job.Services?.Entries ?? [])
        {
            var image = value switch
            {
                TemplateScalar s => s,
                TemplateMapping m => m["image"] as TemplateScalar,
                _ => null,
            };
            if (image is { Value.Length: > 0 } i && !i.Value.Contains("${{", StringComparison.Ordinal))
            {
                yield return (key.Value, i.Value, i.Span);
            }
        }
    }

    /// <summary>The checks of one job's steps, and of the composite actions they use (as deep as GitHub lets them nest).</summary>
    private sealed class StepCheck(RunHost host, LocalActionLoader loader, Lazy<bool> podman, Lazy<bool> node, List<MissingPrerequisite> missing)
    {
        private const int MaxDepth = 10;

        public void Check(Step step, SourceSpan where, string what, int depth)
        {
            if (step.Uses?.Trim() is not { Length: > 0 } uses || uses.Contains("${{", StringComparison.Ordinal))
            {
                return;
            }

            if (uses.StartsWith("docker://", StringComparison.Ordinal))
            {
                if (!podman.Value)
                {
                    missing.Add(new(where, "podman", InstallPodman, $"{what} (uses: {uses}, a container action)"));
                }

                return;
            }

            var directory = ActionRegistry.IsLocal(uses) ? Path.GetFullPath(Path.Combine(host.Workspace, uses)) : host.MappedAction(uses);
            if (directory is null || depth > MaxDepth || loader.Load(directory, host.Workspace).Action is not { } action)
            {
                // A remote action is fetched when the job starts; a bad action.yml fails its step with its own errors.
                return;
            }

            switch (action.Runs)
            {
                case DockerRuns when !podman.Value:
                    missing.Add(new(where, "podman", InstallPodman, $"{what} (uses: {uses}, a container action: runs.using docker)"));
                    break;
                case NodeRuns runs when !node.Value:
                    missing.Add(new(where, "node", $"install it (Debian: apt-get install nodejs), or set one up first with actions/setup-node", $"{what} (uses: {uses}, a JavaScript action: runs.using {runs.Using})"));
                    break;
                case CompositeRuns composite:
                    foreach (var inner in composite.Steps)
                    {
                        Check(inner, where, $"{what} (uses: {uses}, its step {inner.Index + 1})", depth + 1);
                    }

                    break;
            }
        }
    }
}
