using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;

namespace Catalytic.Server.Tests.Auth;

/// <summary>API tokens against the real server: printed once, stored as a hash, scoped by role, dead at once when revoked, expired or orphaned.</summary>
public sealed class TokenTests : IAsyncLifetime
{
    private AuthHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await AuthHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Token_ActsAsItsUser_ListsWithoutItsSecret_AndIsStoredOnlyAsAHash()
    {
        await _h.AddUserAsync("alice", "developer");
        var created = await _h.TokenAsync("alice");
        Assert.StartsWith("ctk_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(("alice", "developer"), (created.Token.User, created.Token.Role));

        var alice = _h.Client(created.Secret);
        var me = await alice.GetFromJsonAsync("api/session", AccessJson.Default.WhoAmIView, Ct);
        Assert.Equal(("alice", "developer", "token"), (me!.User, me.Role, me.Kind));
        var list = await _h.Local.GetStringAsync("api/tokens", Ct);
        Assert.Contains(created.Token.Id, list, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Secret, list, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Secret[^43..], File.ReadAllText(Path.Combine(_h.State, "catalytic.db")) + ReadWal(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_RoleIsNeverAboveItsUsers_AndFollowsADemotionAtOnce()
    {
        await _h.AddUserAsync("bob", "developer");
        using var above = await _h.Local.PostAsJsonAsync("api/tokens", new CreateTokenBody("bob", null, "admin"), AccessJson.Default.CreateTokenBody, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, above.StatusCode);
        Assert.Contains("never above its user's", await above.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var bob = _h.Client((await _h.TokenAsync("bob")).Secret);
        using (var deploy = await bob.PostAsync("api/deployments", AuthHarness.Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, deploy.StatusCode); // allowed, and refused for its body
        }

        using (var demote = await _h.Local.PatchAsJsonAsync("api/users/bob", new UpdateUserBody("viewer"), AccessJson.Default.UpdateUserBody, Ct))
        {
            demote.EnsureSuccessStatusCode();
        }

        using var after = await bob.PostAsync("api/deployments", AuthHarness.Json("{}"), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Contains("needs the developer role", await after.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedToken_IsRefusedOnTheNextRequest()
    {
        await _h.AddUserAsync("carol", "viewer");
        var created = await _h.TokenAsync("carol");
        var carol = _h.Client(created.Secret);
        (await carol.GetAsync("api/status", Ct)).EnsureSuccessStatusCode();

        using (var revoke = await carol.DeleteAsync($"api/tokens/{created.Token.Id}", Ct))
        {
            revoke.EnsureSuccessStatusCode(); // her own
        }

        using var r = await carol.GetAsync("api/status", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    public async Task TokenOfARemovedUser_IsRefused_EvenIfTheNameComesBack()
    {
        await _h.AddUserAsync("dave", "approver");
        var dave = _h.Client((await _h.TokenAsync("dave")).Secret);
        (await dave.GetAsync("api/status", Ct)).EnsureSuccessStatusCode();

        (await _h.Local.DeleteAsync("api/users/dave", Ct)).EnsureSuccessStatusCode();
        using (var r = await dave.GetAsync("api/status", Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        await _h.AddUserAsync("dave", "admin"); // someone else, later, with the same name
        using var again = await dave.GetAsync("api/status", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused_OnTheServersClock()
    {
        await _h.AddUserAsync("erin", "viewer");
        var erin = _h.Client((await _h.TokenAsync("erin", expires: "30d")).Secret);
        _h.Clock.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        (await erin.GetAsync("api/status", Ct)).EnsureSuccessStatusCode();

        _h.Clock.Advance(TimeSpan.FromSeconds(1));
        using var r = await erin.GetAsync("api/status", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        var listed = await _h.Local.GetFromJsonAsync("api/tokens?user=erin", AccessJson.Default.IReadOnlyListTokenView, Ct);
        Assert.True(Assert.Single(listed!).Expired);
    }

    [Fact]
    public async Task WorkerToken_BelongsToTheServer_AndCanDoNothingButWorkerThings()
    {
        var worker = await _h.TokenAsync(null, "worker");
        Assert.Null(worker.Token.User);
        var client = _h.Client(worker.Secret);
        foreach (var path in new[] { "api/status", "api/deployments", "api/tokens", "api/users", "api/audit" })
        {
            using var r = await client.GetAsync(path, Ct);
            Assert.True(r.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)r.StatusCode}");
        }

        await _h.AddUserAsync("frank", "developer");
        var frank = _h.Client((await _h.TokenAsync("frank")).Secret);
        using var mint = await frank.PostAsJsonAsync("api/tokens", new CreateTokenBody(null, null, "worker"), AccessJson.Default.CreateTokenBody, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, mint.StatusCode); // a non-admin's token mints nothing
    }

    [Fact]
    public async Task WhoActed_IsTheAuthenticatedCaller_WhateverTheBodySays()
    {
        var grace = await _h.AsAsync("grace", "developer");
        var body = $$"""{"app":"web","environment":"staging","artifact":{{System.Text.Json.JsonSerializer.Serialize(_h.Dir["artifact"])}},"version":"v1","by":"mallory"}""";

        using var r = await grace.PostAsync("api/deployments", AuthHarness.Json(body), Ct);

        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var d = (await r.Content.ReadFromJsonAsync(ApiJson.Default.DeploymentView, Ct))!;
        Assert.Equal("grace", d.RequestedBy);
        Assert.Contains("requested by grace", d.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("mallory", d.Reason, StringComparison.Ordinal);
        var audit = Assert.Single(await _h.AuditAsync("deploy"));
        Assert.Equal(("grace", "token", d.Id, "127.0.0.1"), (audit.Actor, audit.ActorKind, audit.Target, audit.Address));
        await _h.Local.PostAsync("api/apps/web/environments/staging/rollback", AuthHarness.Json("""{"by":"mallory"}"""), Ct);
        Assert.DoesNotContain(await _h.AuditAsync(), e => e.Actor == "mallory" || e.Detail.Contains("mallory", StringComparison.Ordinal));
    }

    private string ReadWal() => File.Exists(Path.Combine(_h.State, "catalytic.db-wal")) ? File.ReadAllText(Path.Combine(_h.State, "catalytic.db-wal")) : "";
}
