using Lattice.Api.Observability;

namespace Lattice.Tests.Observability;

public sealed class VersionInfoTests
{
    [Fact]
    public void Resolve_EnvironmentSet_WinsOverTheAssembly()
    {
        var info = VersionInfo.Resolve(name => name switch
        {
            "APP_VERSION" => "1.0.42",
            "APP_COMMIT" => "deadbee",
            _ => null,
        });

        Assert.Equal("1.0.42", info.Version);
        Assert.Equal("deadbee", info.Commit);
        Assert.Equal("lattice", info.Service);
    }

    [Fact]
    public void Resolve_NoEnvironment_UsesTheInformationalVersionWithoutTheCommit()
    {
        var info = VersionInfo.Resolve(_ => null);

        Assert.DoesNotContain('+', info.Version);
        Assert.Matches(@"^\d+\.\d+\.\d+", info.Version);
        Assert.False(string.IsNullOrEmpty(info.Commit));
    }
}
