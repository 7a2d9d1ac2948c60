using Catalytic.Cli.Commands.Demo;

namespace Catalytic.Cli.Tests.Commands.Demo;

/// <summary>
/// Issue 15: on a fresh machine (PostgreSQL, no Redis) the demo failed eight minutes in. It now checks first. The
/// machine's state is a PATH of the test's own folder, so Redis is hidden however this machine is set up; the one
/// fake is <c>apt-get</c> (a script that records its arguments and "installs" a redis-server there), because a test
/// must not install packages on the machine.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DemoPrerequisitesTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("catalytic-demo-path-").FullName;
    private readonly StringWriter _said = new();

    public DemoPrerequisitesTests() => Link("git");

    public void Dispose()
    {
        _said.Dispose();
        Directory.Delete(_bin, recursive: true);
    }

    private static string Sample
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "samples", "lattice", "catalytic.yml")))
                {
                    return Path.Combine(dir.FullName, "samples", "lattice");
                }
            }

            throw new InvalidOperationException("samples/lattice not found above the test's folder");
        }
    }

    private string Logs => Path.Combine(_bin, "logs");

    [Fact]
    public async Task Ensure_RedisMissingAndInstallingNotAllowed_StopsAtOnceWithTheCommand()
    {
        var lacking = await DemoPrerequisites.EnsureAsync(Sample, new DemoMachine(_bin, IsRoot: true, MayInstall: false), new Narrator(_said), Logs, TestContext.Current.CancellationToken);

        Assert.NotNull(lacking);
        Assert.Contains("redis-server (for integration-tests/redis (redis:7)", lacking, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y redis-server", lacking, StringComparison.Ordinal);
        Assert.Contains("CATALYTIC_INSTALL=never", lacking, StringComparison.Ordinal);
        Assert.DoesNotContain("installing", _said.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ensure_RedisMissingAndNotRoot_SaysToRunTheCommandWithSudo()
    {
        WriteFakeAptGet();

        var lacking = await DemoPrerequisites.EnsureAsync(Sample, new DemoMachine(_bin, IsRoot: false, MayInstall: true), new Narrator(_said), Logs, TestContext.Current.CancellationToken);

        Assert.NotNull(lacking);
        Assert.Contains("sudo apt-get install -y redis-server", lacking, StringComparison.Ordinal);
        Assert.Contains("not running as root", lacking, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_bin, "apt-get.calls")), "apt-get must not run when not root");
    }

    [Fact]
    public async Task Ensure_RedisMissingAsRoot_InstallsItSayingSoAndGoesOn()
    {
        WriteFakeAptGet();

        var lacking = await DemoPrerequisites.EnsureAsync(Sample, new DemoMachine(_bin, IsRoot: true, MayInstall: true), new Narrator(_said), Logs, TestContext.Current.CancellationToken);

        Assert.Null(lacking);
        Assert.Contains("installing what the pipeline needs and this machine lacks: redis-server (apt-get install -y redis-server)", _said.ToString(), StringComparison.Ordinal);
        Assert.Equal(["update -qq", "install -y -qq redis-server"], File.ReadAllLines(Path.Combine(_bin, "apt-get.calls")));
        Assert.True(File.Exists(Path.Combine(_bin, "redis-server")));
    }

    [Fact]
    public async Task Ensure_EverythingThere_SaysNothingAndInstallsNothing()
    {
        WriteFakeAptGet();
        WriteScript("redis-server", "exit 0");

        var lacking = await DemoPrerequisites.EnsureAsync(Sample, new DemoMachine(_bin, IsRoot: true, MayInstall: true), new Narrator(_said), Logs, TestContext.Current.CancellationToken);

        Assert.Null(lacking);
        Assert.Equal("", _said.ToString());
        Assert.False(File.Exists(Path.Combine(_bin, "apt-get.calls")));
    }

    private void Link(string program)
    {
        var real = new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, program)).First(File.Exists);
        File.CreateSymbolicLink(Path.Combine(_bin, program), real);
    }

    [Fact]
    public async Task Ensure_AptGetSucceedsButTheProgramIsNotOnPath_SaysSoInsteadOfAFailedInstall()
    {
        // apt-get answers 0 (the package was there already, elsewhere than this PATH) and puts nothing here.
        WriteScript("apt-get", $"echo \"$*\" >> '{_bin}/apt-get.calls'");

        var lacking = await DemoPrerequisites.EnsureAsync(Sample, new DemoMachine(_bin, IsRoot: true, MayInstall: true), new Narrator(_said), Logs, TestContext.Current.CancellationToken);

        Assert.NotNull(lacking);
        Assert.Contains("apt-get installed redis-server, yet redis-server is still not on PATH (" + _bin + ")", lacking, StringComparison.Ordinal);
        Assert.DoesNotContain("failed", lacking, StringComparison.Ordinal);
    }

    private void WriteFakeAptGet() => WriteScript("apt-get", $"""
        echo "$*" >> '{_bin}/apt-get.calls'
        if [ "$1" = install ]; then printf '#!/bin/sh\nexit 0\n' > '{_bin}/redis-server'; chmod +x '{_bin}/redis-server'; fi
        """);

    private void WriteScript(string name, string body)
    {
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
