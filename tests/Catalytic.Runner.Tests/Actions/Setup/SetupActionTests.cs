using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.BuiltIn.Setup;

namespace Catalytic.Runner.Tests.Actions.Setup;

public sealed class SetupActionTests
{
    private static readonly Dictionary<string, string> HostEnv = new() { ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin" };

    private static async Task<(ActionResult Result, ActionProbe Probe)> RunAsync(IBuiltinAction action, string ws, Dictionary<string, string> inputs)
    {
        var probe = new ActionProbe();
        var result = await action.RunAsync(probe.Context(ws, inputs, environment: HostEnv), CancellationToken.None);
        return (result, probe);
    }

    [Fact]
    public async Task SetupDotnet_HostSdkMatchesWildcard_SetsVersionAndPath()
    {
        using var dir = new TempDir();
        var (result, probe) = await RunAsync(new SetupDotnetAction(), dir.Path, new() { ["dotnet-version"] = $"{Environment.Version.Major}.0.x" });

        Assert.True(result.Succeeded, result.Message);
        Assert.StartsWith($"{Environment.Version.Major}.0.", probe.Outputs["dotnet-version"]);
        Assert.True(Directory.Exists(probe.Exported["DOTNET_ROOT"]));
        Assert.Contains(probe.Exported["DOTNET_ROOT"], probe.Paths);
    }

    [Fact]
    public async Task SetupDotnet_GlobalJsonRollForward_IsHonoured()
    {
        using var dir = new TempDir();
        dir.Write("global.json", $$"""{ "sdk": { "version": "{{Environment.Version.Major}}.0.100", "rollForward": "latestFeature" } }""");

        var (result, probe) = await RunAsync(new SetupDotnetAction(), dir.Path, new());

        Assert.True(result.Succeeded, result.Message);
        Assert.StartsWith($"{Environment.Version.Major}.0.", probe.Outputs["dotnet-version"]);
    }

    [Fact]
    public async Task SetupNode_UnsatisfiableVersionWithAnUnreachableMirror_FailsNamingWantedFoundAndTheMirrorSetting()
    {
        using var dir = new TempDir();
        var probe = new ActionProbe();
        var mirror = $"http://127.0.0.1:{Catalytic.Testing.Network.Ports.FreeTcpPort()}";
        var result = await new SetupNodeAction().RunAsync(
            probe.Context(dir.Path, new Dictionary<string, string> { ["node-version"] = "4.x" }, environment: HostEnv, toolchainMirror: mirror),
            CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("wanted node 4.x", result.Message);
        Assert.Matches(@"found \d+\.\d+\.\d+ \(/", result.Message);
        Assert.Contains($"cannot read {mirror}/node/versions-manifest.json", result.Message);
        Assert.Contains("--toolchain-mirror", result.Message);
    }

    [Fact]
    public async Task SetupNode_RangeAndLtsAlias_UseHostNode()
    {
        using var dir = new TempDir();
        var (range, rangeProbe) = await RunAsync(new SetupNodeAction(), dir.Path, new() { ["node-version"] = ">=18" });
        dir.Write(".nvmrc", "lts/*\n");
        var (lts, ltsProbe) = await RunAsync(new SetupNodeAction(), dir.Path, new() { ["node-version-file"] = ".nvmrc" });

        Assert.True(range.Succeeded, range.Message);
        Assert.Matches(@"^v\d+\.\d+\.\d+$", rangeProbe.Outputs["node-version"]);
        Assert.True(lts.Succeeded, lts.Message);
        Assert.Equal(rangeProbe.Outputs["node-version"], ltsProbe.Outputs["node-version"]);
    }

    [Fact]
    public async Task SetupPython_MajorWildcard_SetsVersionAndPythonPath()
    {
        using var dir = new TempDir();
        var (result, probe) = await RunAsync(new SetupPythonAction(), dir.Path, new() { ["python-version"] = "3.x" });

        Assert.True(result.Succeeded, result.Message);
        Assert.StartsWith("3.", probe.Outputs["python-version"]);
        Assert.True(File.Exists(probe.Outputs["python-path"]));
        Assert.Equal("false", probe.Outputs["cache-hit"]);
    }

    [Fact]
    public async Task SetupPython_VersionFileAskingForMissingVersion_Fails()
    {
        using var dir = new TempDir();
        dir.Write(".python-version", "3.99\n");
        var probe = new ActionProbe();

        // Debian's own interpreters only: pyenv shims on a developer's PATH are slow to ask one by one.
        var result = await new SetupPythonAction().RunAsync(
            probe.Context(dir.Path, new Dictionary<string, string>(), environment: new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }),
            CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("wanted python 3.99", result.Message);
    }

    [Fact]
    public async Task SetupGo_NoGoOnPath_FailsSayingNoneFound()
    {
        using var dir = new TempDir();
        var probe = new ActionProbe();
        var result = await new SetupGoAction().RunAsync(
            probe.Context(dir.Path, new Dictionary<string, string> { ["go-version"] = "1.22" }, environment: new Dictionary<string, string> { ["PATH"] = dir.Path }),
            CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("found none: no go on PATH", result.Message);
    }
}

public sealed class VersionRangeTests
{
    [Theory]
    [InlineData("20", "20.11.1", true)]
    [InlineData("20.x", "21.0.0", false)]
    [InlineData("3.11", "3.11.7", true)]
    [InlineData("3.11", "3.12.0", false)]
    [InlineData("8.0.x", "8.0.404", true)]
    [InlineData(">=18", "20.1.0", true)]
    [InlineData(">=18 <20", "20.1.0", false)]
    [InlineData("^1.2.3", "1.9.0", true)]
    [InlineData("^1.2.3", "2.0.0", false)]
    [InlineData("~1.2.3", "1.2.9", true)]
    [InlineData("~1.2.3", "1.3.0", false)]
    [InlineData("1.2 - 1.4", "1.4.9", true)]
    [InlineData("16 || 18", "18.2.0", true)]
    [InlineData("*", "0.1.0", true)]
    [InlineData("1.2.3", "1.2.4", false)]
    [InlineData(">1.2", "1.2.9", false)]
    [InlineData("<=1.2", "1.2.9", true)]
    public void IsSatisfiedBy_NpmRange_Matches(string range, string version, bool expected) =>
        Assert.Equal(expected, VersionRange.Parse(range)!.IsSatisfiedBy(ToolVersion.Parse(version)!));

    [Fact]
    public void Parse_Garbage_IsNull() => Assert.Null(VersionRange.Parse("banana"));
}
