using System.Diagnostics;
using Catalytic.Cli;
using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Runner.Tests.Actions.Local;

/// <summary>`catalytic run --action-dir` and the `actions:` mapping of catalytic.yml, through the real CLI.</summary>
public sealed class ActionDirOptionTests : IDisposable
{
    private const string Workflow = "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/stamp@v1\n        with:\n          text: stamped\n";

    private readonly TempRepo _repo = new();
    private readonly DirectoryInfo _action = Directory.CreateTempSubdirectory("catalytic-stamp-");

    public ActionDirOptionTests()
    {
        File.WriteAllText(Path.Combine(_action.FullName, "action.yml"), """
            name: stamp
            description: writes its input
            inputs:
              text:
                description: what to write
            runs:
              using: node20
              main: index.js
            """);
        File.WriteAllText(Path.Combine(_action.FullName, "index.js"), "require('fs').writeFileSync('stamp.txt', process.env.INPUT_TEXT);\n");
    }

    public void Dispose()
    {
        _repo.Dispose();
        _action.Delete(recursive: true);
    }

    private string Stamp => Path.Combine(_repo.Root, "stamp.txt");

    [Fact]
    public async Task Run_ActionDirOption_RunsTheMappedActionAndRejectsBadSyntax()
    {
        var wf = _repo.WriteWorkflow(Workflow);
        Assert.Equal(1, await CommandLine.RunAsync(["run", "-W", wf]));
        Assert.False(File.Exists(Stamp));

        Assert.Equal(0, await CommandLine.RunAsync(["run", "-W", wf, "--action-dir", "acme/stamp=" + _action.FullName]));
        Assert.Equal("stamped", File.ReadAllText(Stamp));

        Assert.Equal(2, await CommandLine.RunAsync(["run", "-W", wf, "--action-dir", "acme/stamp"]));
        Assert.Equal(2, await CommandLine.RunAsync(["run", "-W", wf, "--action-dir", "acme/stamp@v1=/no/such/folder"]));
    }

    [Fact]
    public async Task Run_CatalyticYmlActions_MapsRelativeToTheFileAndReportsBadEntriesWithLineAndColumn()
    {
        _repo.WriteWorkflow(Workflow);
        var relative = Path.GetRelativePath(_repo.Root, _action.FullName);
        File.WriteAllText(Path.Combine(_repo.Root, "catalytic.yml"), $"actions:\n  acme/stamp@v1: {relative}\n");
        var (code, _) = await RunCliAsync("run");
        Assert.Equal(0, code);
        Assert.Equal("stamped", File.ReadAllText(Stamp));

        File.WriteAllText(Path.Combine(_repo.Root, "catalytic.yml"), "apps: {}\nactions:\n  acme/stamp@v1: ./missing\n  just-a-name: .\n");
        (code, var stderr) = await RunCliAsync("run");
        Assert.Equal(2, code);
        Assert.Contains("catalytic.yml:3:18: actions: 'acme/stamp@v1' maps to './missing', which is not a folder", stderr, StringComparison.Ordinal);
        Assert.Contains("catalytic.yml:4:3: actions: 'just-a-name' is not an action name", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void DeliveryConfigParser_ActionsKey_IsNotAnUnknownKey()
    {
        var result = Catalytic.Delivery.Config.DeliveryConfigParser.Parse("apps: {}\nactions:\n  acme/stamp@v1: ../stamp\n");
        Assert.DoesNotContain(result.Errors, e => e.ToString().Contains("unknown key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MappedAction_WinsOverABuiltInOfTheSameName()
    {
        File.WriteAllText(Path.Combine(_action.FullName, "action.yml"), "name: fake checkout\nruns:\n  using: composite\n  steps:\n    - run: echo mapped > stamp.txt\n      shell: sh\n");
        var (map, errors) = Catalytic.Runner.Actions.Local.ActionDirectoryMap.Create([("actions/checkout", _action.FullName)], _repo.Root);
        Assert.Empty(errors);
        var r = await _repo.RunAsync(
            "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
            o => o with { Actions = Catalytic.Runner.Actions.BuiltIn.BuiltinActions.CreateDefault(), ActionDirectories = map },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Equal("mapped", File.ReadAllText(Stamp).Trim());
    }

    /// <summary>Runs the built catalytic in the repository (catalytic.yml is read from the current directory).</summary>
    private async Task<(int Code, string Stderr)> RunCliAsync(params string[] args)
    {
        var (code, _, stderr) = await _repo.RunCliAsync(args);
        return (code, stderr);
    }
}
