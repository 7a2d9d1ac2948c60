using Catalytic.Testing.Files;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Tests.Processes;

public sealed class CatalyticProcessTests
{
    [Fact]
    public async Task Run_AVerb_ReturnsItsExitCodeAndOutput()
    {
        using var dir = new TempFolder("cli");

        var version = await CatalyticProcess.RunAsync(dir.Path, ["version"]);
        var unknown = await CatalyticProcess.RunAsync(dir.Path, ["frobnicate"]);

        Assert.True(version.Code == 0, version.ToString());
        Assert.Contains("catalytic", version.Out + version.Err, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, unknown.Code);
    }

    [Fact]
    public async Task Start_ALongRunningVerb_CollectsItsOutputAndIsKilledOnDispose()
    {
        using var dir = new TempFolder("cli");
        dir.Write("catalytic.yml", "apps:\n  web:\n    bogus: 1\n");

        var serve = CatalyticProcess.Start(dir.Path, ["serve"]);
        await using (serve)
        {
            // An invalid configuration: serve prints every error with its position and exits 2.
            await Eventually.CompletesAsync(serve.Process.WaitForExitAsync(TestContext.Current.CancellationToken), "serve to refuse the invalid configuration");
            await Eventually.UntilAsync(() => serve.ErrorLines.Any(l => l.Contains("catalytic.yml:3:5", StringComparison.Ordinal)), () => "the error's position in: " + serve.Output, ct: TestContext.Current.CancellationToken);
            Assert.Equal(2, serve.Process.ExitCode);
        }
    }
}
