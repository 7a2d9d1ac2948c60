using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Tests.Support;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Time;

namespace Catalytic.Server.Tests.Auth;

/// <summary>
/// Prevent-self-review in the moment between a deployment recording that it waits for approval and its gate opening:
/// the engine makes a decision in that moment wait for the gate, so the API's check must not depend on the gate being
/// open already. The server's store holds the run right after the waiting state is recorded, to stage that moment.
/// </summary>
public sealed class SelfReviewRaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheRequester_ApprovingWithoutAnId_BeforeTheGateOpens_IsRefused_NotLetThroughOnceItOpens()
    {
        HeldTransitionStore? held = null;
        await using var h = await AuthHarness.StartAsync(ApprovalTests.Config, wrapDeliveryStore: s => held = new HeldTransitionStore(s, DeploymentState.WaitingForApproval));
        var alice = await h.AsAsync("alice", "approver");
        var bob = await h.AsAsync("bob", "approver");
        using var deploy = await alice.PostAsJsonAsync("api/deployments", new DeployBody("web", "production", TestApp.Write(h.Dir.Path, "v1"), "v1"), ApiJson.Default.DeployBody, Ct);
        Assert.Equal(HttpStatusCode.Accepted, deploy.StatusCode);
        var id = (await deploy.Content.ReadFromJsonAsync(ApiJson.Default.DeploymentView, Ct))!.Id;
        await h.Clock.AdvanceUntilAsync(() => h.Local.GetFromJsonAsync($"api/deployments/{id}", ApiJson.Default.DeploymentView, Ct), d => d!.IsWaiting,
            d => $"the deployment recorded as waiting for approval (it is {d?.State}: {d?.Reason})", step: TimeSpan.FromMilliseconds(50));
        Assert.False(h.Server.Engine.State("web", "production").Active!.GateOpen); // held: recorded, its gate not open yet

        // Answered while the gate is still closed. Were the check skipped, this would wait for the gate and then approve.
        using (var self = await h.Clock.AdvanceWhileAsync(alice.PostAsync("api/apps/web/environments/production/approve", AuthHarness.Json("{}"), Ct), "alice's approval answered"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
            Assert.Contains("prevents self-review", await self.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // Another approver's decision in the same moment waits for the gate and is taken once it opens.
        var approve = bob.PostAsync("api/apps/web/environments/production/approve", AuthHarness.Json("{}"), Ct);
        held!.Release();
        using var approved = await h.Clock.AdvanceWhileAsync(approve, "bob's approval answered", step: TimeSpan.FromMilliseconds(50));
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var decision = Assert.Single((await approved.Content.ReadFromJsonAsync(ApiJson.Default.DeploymentView, Ct))!.Approvals!);
        Assert.Equal(("bob", true), (decision.By, decision.Approved));
        var audit = await h.AuditAsync();
        Assert.Contains(audit, e => (e.Action, e.Actor, e.Target, e.Outcome) == ("approve", "alice", id, "denied"));
        Assert.DoesNotContain(audit, e => (e.Action, e.Actor, e.Outcome) == ("approve", "alice", "ok"));
    }
}
