using Catalytic.Runner.Services;

namespace Catalytic.Runner.Tests.Services;

public sealed class PodmanErrorTests
{
    [Fact]
    public void PodmanError_SandboxRefusingRlimits_SaysHowToFixIt()
    {
        var text = ServiceSupport.PodmanError("Error: runc create failed: error setting rlimits for ready process: operation not permitted");

        Assert.StartsWith("Error: runc create failed", text, StringComparison.Ordinal);
        Assert.Contains("CONTAINERS_CONF", text, StringComparison.Ordinal);
        Assert.Contains("nofile=1024:1024", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PodmanError_AnyOtherFailure_IsPassedOnAsItIs()
    {
        Assert.Equal("Error: no such image", ServiceSupport.PodmanError("Error: no such image"));
    }
}
