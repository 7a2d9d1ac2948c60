using Catalytic.Contracts.Deployments;
using Catalytic.Delivery.Model;

namespace Catalytic.Server.Tests.Api;

/// <summary>The server writes the delivery core's states as the contracts name them: both sides must agree on every one.</summary>
public sealed class StateNamesTests
{
    [Fact]
    public void EveryDeliveryState_HasItsContractName_AndTheSameTerminality()
    {
        var states = Enum.GetValues<DeploymentState>();

        Assert.Equal(DeploymentStateNames.All, states.Select(s => s.Name()));
        Assert.All(states, s => Assert.Equal(s.IsTerminal(), DeploymentStateNames.IsTerminal(s.Name())));
        Assert.All(states, s => Assert.Equal(s, DeploymentStates.Parse(s.Name())));
    }
}
