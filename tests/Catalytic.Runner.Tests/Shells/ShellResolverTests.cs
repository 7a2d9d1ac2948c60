using Catalytic.Runner.Shells;

namespace Catalytic.Runner.Tests.Shells;

public sealed class ShellResolverTests
{
    [Fact]
    public void Resolve_Unspecified_UsesBashDashE()
    {
        var r = ShellResolver.Resolve(null, null);
        Assert.Equal("bash -e {0}", r.Command!.DisplayName);
        Assert.Equal(["-e", "/t/s.sh"], r.Command.ArgumentsFor("/t/s.sh"));
    }

    [Fact]
    public void Resolve_Bash_UsesGitHubsExactFlags()
    {
        var r = ShellResolver.Resolve("bash", null);
        Assert.Equal(["--noprofile", "--norc", "-eo", "pipefail", "/s.sh"], r.Command!.ArgumentsFor("/s.sh"));
        Assert.Equal(".sh", r.Command.Extension);
    }

    [Fact]
    public void Resolve_Python_FallsBackToPython3()
    {
        var r = ShellResolver.Resolve("python", null);
        Assert.NotNull(r.Command);
        Assert.Equal(".py", r.Command.Extension);
        Assert.Equal(["/s.py"], r.Command.ArgumentsFor("/s.py"));
    }

    [Fact]
    public void Resolve_CustomWithoutPlaceholder_IsAnError()
    {
        var r = ShellResolver.Resolve("perl -w", null);
        Assert.Null(r.Command);
        Assert.Contains("{0}", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_CustomTemplate_SubstitutesScriptPath()
    {
        var r = ShellResolver.Resolve("bash -x {0} extra", null);
        Assert.Equal(["-x", "/s.sh", "extra"], r.Command!.ArgumentsFor("/s.sh"));
    }

    [Fact]
    public void Resolve_MissingProgram_NamesIt()
    {
        var r = ShellResolver.Resolve("nosuchshell-xyz {0}", null);
        Assert.Contains("nosuchshell-xyz", r.Error, StringComparison.Ordinal);
    }
}
