using Lattice.Api;

namespace Lattice.Tests;

public sealed class LatticeSettingsTests
{
    [Fact]
    public void FromEnvironment_Nothing_DefaultsToMemoryOn8080()
    {
        var settings = LatticeSettings.FromEnvironment(_ => null);

        Assert.Equal(new LatticeSettings(8080, null, null, "lattice:"), settings);
    }

    [Fact]
    public void FromEnvironment_AllSet_ReadsThem()
    {
        var env = new Dictionary<string, string>
        {
            ["PORT"] = "18480",
            ["LATTICE_POSTGRES"] = "Host=127.0.0.1;Username=postgres",
            ["LATTICE_REDIS"] = " 127.0.0.1:6379 ",
        };

        var settings = LatticeSettings.FromEnvironment(env.GetValueOrDefault);

        Assert.Equal(18480, settings.Port);
        Assert.Equal("Host=127.0.0.1;Username=postgres", settings.Postgres);
        Assert.Equal("127.0.0.1:6379", settings.Redis);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("70000")]
    [InlineData("-1")]
    public void FromEnvironment_BadPort_NamesThePortVariable(string port)
    {
        var error = Assert.Throws<ArgumentException>(() => LatticeSettings.FromEnvironment(n => n == "PORT" ? port : null));

        Assert.StartsWith("PORT must be", error.Message, StringComparison.Ordinal);
    }
}
