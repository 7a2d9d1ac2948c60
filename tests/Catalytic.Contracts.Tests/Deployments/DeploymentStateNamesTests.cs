using Catalytic.Contracts.Deployments;

namespace Catalytic.Contracts.Tests.Deployments;

public sealed class DeploymentStateNamesTests
{
    [Theory]
    [InlineData(DeploymentStateNames.Succeeded, ExitCodes.Success, true)]
    [InlineData(DeploymentStateNames.WaitingForApproval, ExitCodes.WaitingForApproval, false)]
    [InlineData(DeploymentStateNames.Failed, ExitCodes.Failure, true)]
    [InlineData(DeploymentStateNames.RolledBack, ExitCodes.Failure, true)]
    [InlineData(DeploymentStateNames.Rejected, ExitCodes.Failure, true)]
    [InlineData(DeploymentStateNames.Cancelled, ExitCodes.Failure, true)]
    [InlineData(DeploymentStateNames.Superseded, ExitCodes.Failure, true)]
    [InlineData(DeploymentStateNames.Pending, ExitCodes.Failure, false)]
    [InlineData(DeploymentStateNames.InProgress, ExitCodes.Failure, false)]
    [InlineData(DeploymentStateNames.Analysing, ExitCodes.Failure, false)]
    public void EveryState_HasTheDocumentedExitCodeAndTerminality(string state, int exitCode, bool terminal)
    {
        var view = new DeploymentView("d-1", "web", "production", "v2", "v1", "blue-green", state, "why", default, default);

        Assert.Equal(exitCode, DeploymentStateNames.ExitCode(state));
        Assert.Equal(exitCode, view.ExitCode);
        // A client that did not know a terminal state (e.g. superseded) would wait for it forever.
        Assert.Equal(terminal, view.IsTerminal);
        Assert.Equal(state == DeploymentStateNames.WaitingForApproval, view.IsWaiting);
    }

    [Fact]
    public void All_ListsEachStateOnce_AndTheTheoryAboveCoversThemAll()
    {
        Assert.Equal(10, DeploymentStateNames.All.Count);
        Assert.Equal(DeploymentStateNames.All.Count, DeploymentStateNames.All.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void UnknownState_FromANewerServer_IsNotTerminalAndFailsTheWait()
    {
        Assert.False(DeploymentStateNames.IsTerminal("paused"));
        Assert.Equal(ExitCodes.Failure, DeploymentStateNames.ExitCode("paused"));
    }
}
