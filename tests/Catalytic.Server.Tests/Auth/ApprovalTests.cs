using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Time;

namespace Catalytic.Server.Tests.Auth;

/// <summary>
/// Who may decide for a protected environment, with a real deployment held at its gate (real instances, the engine on
/// the fake clock): catalytic.yml's approvers instead of the default roles, and prevent-self-review.
/// </summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    /// <summary>production: approvers by role, prevent-self-review; staging: one named approver.</summary>
    internal const string Config = """
        apps:
          web:
            run: python3 app.py
            health: { path: /healthz, interval: 100ms }
            drain: 100ms
            environments:
              production:
                listen: 127.0.0.1:{port}
                strategy: blue-green
                scale-down-delay: 1s
                approval: { roles: [approver], prevent-self-review: true }
              staging:
                listen: 127.0.0.1:{port2}
                approval: { users: [carol] }
        """;

    private AuthHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await AuthHarness.StartAsync(Config);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task PreventSelfReview_TheRequesterMayNotApprove_AnotherApproverMay_AndBothAreRecorded()
    {
        var alice = await _h.AsAsync("alice", "approver");
        var bob = await _h.AsAsync("bob", "approver");
        var dev = await _h.AsAsync("dev", "developer");
        var body = new DeployBody("web", "production", TestApp.Write(_h.Dir.Path, "v1"), "v1");
        using var deploy = await alice.PostAsJsonAsync("api/deployments", body, ApiJson.Default.DeployBody, Ct);
        Assert.Equal(HttpStatusCode.Accepted, deploy.StatusCode);
        var id = (await deploy.Content.ReadFromJsonAsync(ApiJson.Default.DeploymentView, Ct))!.Id;
        await _h.Clock.AdvanceUntilAsync(() => _h.Local.GetFromJsonAsync($"api/deployments/{id}", ApiJson.Default.DeploymentView, Ct), d => d!.IsWaiting,
            d => $"the deployment waiting for approval (it is {d?.State}: {d?.Reason})", step: TimeSpan.FromMilliseconds(50));

        using (var self = await alice.PostAsync("api/apps/web/environments/production/approve", AuthHarness.Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
            Assert.Contains("prevents self-review", await self.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var developer = await dev.PostAsync("api/apps/web/environments/production/approve", AuthHarness.Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, developer.StatusCode); // a protected environment: approvers only
        }

        var approve = bob.PostAsync("api/apps/web/environments/production/approve", AuthHarness.Json("""{"comment":"looks good","by":"alice"}"""), Ct);
        using var approved = await _h.Clock.AdvanceWhileAsync(approve, "bob's approval answered", step: TimeSpan.FromMilliseconds(50));
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var view = (await approved.Content.ReadFromJsonAsync(ApiJson.Default.DeploymentView, Ct))!;
        Assert.Equal("alice", view.RequestedBy);
        var decision = Assert.Single(view.Approvals!);
        Assert.Equal(("bob", true, "looks good"), (decision.By, decision.Approved, decision.Comment));

        var audit = await _h.AuditAsync();
        Assert.Contains(audit, e => (e.Action, e.Actor, e.Target, e.Outcome) == ("approve", "alice", id, "denied"));
        Assert.Contains(audit, e => (e.Action, e.Actor, e.Target, e.Outcome) == ("approve", "bob", id, "ok"));
        Assert.Contains(audit, e => (e.Action, e.Actor, e.Target) == ("deploy", "alice", id));
    }

    [Fact]
    public async Task NamedApprovers_ReplaceTheDefaultRoles()
    {
        var carol = await _h.AsAsync("carol", "viewer");
        var bob = await _h.AsAsync("bob", "approver");

        using (var byRole = await bob.PostAsync("api/apps/web/environments/staging/approve", AuthHarness.Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byRole.StatusCode);
            Assert.Contains("allowed: user carol", await byRole.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var local = await _h.Local.PostAsync("api/apps/web/environments/staging/reject", AuthHarness.Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, local.StatusCode); // the local admin is no named user either
        }

        using var named = await carol.PostAsync("api/apps/web/environments/staging/approve", AuthHarness.Json("{}"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, named.StatusCode); // allowed; there is just nothing waiting
        Assert.Contains("waiting for approval", await named.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
