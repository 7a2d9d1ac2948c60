using Catalytic.Delivery.Client;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Tests.Client;

public sealed class DeploymentViewTests
{
    [Fact]
    public void IsTerminal_EveryState_AgreesWithTheServer()
    {
        // A client that did not know a terminal state (e.g. superseded) would wait for it forever.
        foreach (var state in Enum.GetValues<DeploymentState>())
        {
            var view = new DeploymentView("d-1", "web", "production", "v2", "v1", "blue-green", state.Name(), "why", default, default, null, null);
            Assert.True(view.IsTerminal == state.IsTerminal(), $"{state.Name()}: client says terminal={view.IsTerminal}");
            Assert.Equal(state == DeploymentState.Succeeded ? 0 : state == DeploymentState.WaitingForApproval ? 3 : 1, DeliveryClient.ExitCode(view));
        }
    }
}
