using Catalytic.Runner.Services;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Runner.Tests.Services;

/// <summary>
/// The preflight of a run: what the machine lacks for the workflow, each where it is needed. The machine is described
/// (a PATH of an empty folder, a podman path that does not exist) rather than changed.
/// </summary>
public sealed class HostPrerequisitesRunTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("catalytic-prereq-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Workspace => _root.FullName;

    /// <summary>An empty folder as PATH: no node, no podman, no redis-server.</summary>
    private string EmptyPath => _root.CreateSubdirectory("empty-bin").FullName;

    private void Action(string folder, string yaml)
    {
        var dir = Path.Combine(Workspace, folder);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "action.yml"), yaml);
    }

    private static IEnumerable<Catalytic.Workflows.Model.Job> Jobs(string yaml)
    {
        var parsed = WorkflowParser.Parse(".github/workflows/ci.yml", yaml);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Diagnostics));
        return parsed.Workflow!.Jobs;
    }

    private const string Workflow = """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            container: alpine:3
            steps:
              - run: echo hi
              - uses: docker://alpine:3
              - uses: ./dock
              - uses: ./wrap
              - uses: ./js
              - uses: acme/remote@v1
        """;

    private void Actions()
    {
        Action("dock", "name: d\nruns:\n  using: docker\n  image: Dockerfile\n");
        Action("js", "name: j\nruns:\n  using: node20\n  main: index.js\n");
        Action("wrap", "name: w\nruns:\n  using: composite\n  steps:\n    - uses: ./dock\n");
    }

    [Fact]
    public void CheckRun_NoPodmanNoNode_NamesEveryPlaceWithFileLineColumn()
    {
        Actions();
        var missing = HostPrerequisites.CheckRun(Jobs(Workflow), new RunHost { Workspace = Workspace, Path = EmptyPath, Podman = "/nonexistent/podman" });

        var lines = missing.Select(m => m.ToString()).ToList();
        Assert.Collection(
            lines,
            l => Assert.StartsWith(".github/workflows/ci.yml:5:16: job 'build' (container: alpine:3) needs podman, not found on this machine: install it (Debian: apt-get install podman), or run the steps on the host", l),
            l => Assert.StartsWith(".github/workflows/ci.yml:8:9: step 2 of job 'build' (uses: docker://alpine:3, a container action) needs podman", l),
            l => Assert.StartsWith(".github/workflows/ci.yml:9:9: step 3 of job 'build' (uses: ./dock, a container action: runs.using docker) needs podman", l),
            l => Assert.StartsWith(".github/workflows/ci.yml:10:9: step 4 of job 'build' (uses: ./wrap, its step 1) (uses: ./dock, a container action: runs.using docker) needs podman", l),
            l => Assert.StartsWith(".github/workflows/ci.yml:11:9: step 5 of job 'build' (uses: ./js, a JavaScript action: runs.using node20) needs node, not found on this machine: install it (Debian: apt-get install nodejs), or set one up first with actions/setup-node", l));
    }

    [Fact]
    public void CheckRun_EverythingThere_NothingMissing()
    {
        Actions();
        var bin = _root.CreateSubdirectory("bin").FullName;
        File.WriteAllText(Path.Combine(bin, "node"), "");
        var podman = Path.Combine(bin, "podman");
        File.WriteAllText(podman, "");

        Assert.Empty(HostPrerequisites.CheckRun(Jobs(Workflow), new RunHost { Workspace = Workspace, Path = bin, Podman = podman }));
    }

    [Fact]
    public void CheckRun_JobContainerOnTheHost_SetupNodeFirst_OrNodeInToolCache_AreNotMissing()
    {
        Actions();
        var jobs = Jobs("""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                container: alpine:3
                steps:
                  - uses: actions/setup-node@v4
                    with:
                      node-version: 22
                  - uses: ./js
              other:
                runs-on: ubuntu-latest
                steps:
                  - uses: ./js
            """);
        var toolCache = _root.CreateSubdirectory("tool-cache").FullName;
        var withoutCache = HostPrerequisites.CheckRun(jobs, new RunHost { Workspace = Workspace, Path = EmptyPath, Podman = "/nonexistent/podman", JobContainersInPodman = false, ToolCache = toolCache });
        Assert.Equal(["node"], withoutCache.Select(m => m.Program));
        Assert.Contains("job 'other'", withoutCache[0].NeededFor);

        // A node that actions/setup-node left in the tool cache (RUNNER_TOOL_CACHE/node/VERSION/ARCH) counts.
        var cached = Directory.CreateDirectory(Path.Combine(toolCache, "node", "22.1.0", Catalytic.Runner.Actions.BuiltIn.Setup.ToolCache.Arch, "bin")).FullName;
        File.WriteAllText(Path.Combine(cached, "node"), "");
        File.WriteAllText(Path.Combine(toolCache, "node", "22.1.0", Catalytic.Runner.Actions.BuiltIn.Setup.ToolCache.Arch + ".complete"), "");
        Assert.Empty(HostPrerequisites.CheckRun(jobs, new RunHost { Workspace = Workspace, Path = EmptyPath, Podman = "/nonexistent/podman", JobContainersInPodman = false, ToolCache = toolCache }));
    }

    [Fact]
    public void CheckRun_ServicesAndMappedActions_AreChecked_ExpressionsAndRemoteActionsAreNot()
    {
        Action("mapped-dock", "name: d\nruns:\n  using: docker\n  image: docker://alpine:3\n");
        var jobs = Jobs("""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                container: ${{ matrix.image }}
                services:
                  cache:
                    image: redis:7
                  web: nginx:1.27
                steps:
                  - uses: acme/dock@v1
                  - uses: acme/unknown@v1
            """);
        var missing = HostPrerequisites.CheckRun(jobs, new RunHost
        {
            Workspace = Workspace,
            Path = EmptyPath,
            Podman = "/nonexistent/podman",
            MappedAction = uses => uses == "acme/dock@v1" ? Path.Combine(Workspace, "mapped-dock") : null,
            PostgresBinaries = () => null,
        });

        Assert.Equal(["redis-server", "podman", "podman"], missing.Select(m => m.Program));
        Assert.Equal(".github/workflows/ci.yml:8:16", missing[0].Where.ToString());
        Assert.Contains("service 'web' of job 'build' (nginx:1.27)", missing[1].NeededFor);
        Assert.Contains("uses: acme/dock@v1", missing[2].NeededFor);
    }
}
