using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Server;

namespace Catalytic.Server.Tests.Auth;

/// <summary>The first start's admin, and the audit log as the API shows it: every change with who, when, from where — and never a secret.</summary>
public sealed class AuditAndAdminTests : IAsyncLifetime
{
    private AuthHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await AuthHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task FirstStart_CreatesAdminWithAPasswordInA0600File_AndNoLaterStartDoesAgain()
    {
        var file = Path.Combine(_h.State, ServerFiles.InitialAdminPassword);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var password = File.ReadAllText(file).Trim();
        Assert.Equal(24, password.Length);
        Assert.Contains(_h.Logs.All, l => l.Contains("created user admin on first start", StringComparison.Ordinal) && l.Contains(file, StringComparison.Ordinal));
        Assert.DoesNotContain(_h.Logs.All, l => l.Contains(password, StringComparison.Ordinal));

        using (var login = await _h.LoginAsync("admin", password))
        {
            var me = (await login.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, Ct))!;
            Assert.Equal(("admin", "admin"), (me.User, me.Role));
        }

        File.Delete(file);
        await _h.RestartAsync();
        Assert.False(File.Exists(file));
        var users = await _h.Local.GetFromJsonAsync("api/users", AccessJson.Default.IReadOnlyListUserView, Ct);
        Assert.Equal(["admin"], users!.Select(u => u.Name));
    }

    [Fact]
    public async Task EveryChange_IsAudited_WithWhoWhenWhereAndWhat_AndNoSecretAnywhere()
    {
        var start = _h.Clock.GetUtcNow();
        var password = await _h.AddUserAsync("alice", "developer");
        var token = await _h.TokenAsync("alice", expires: "30d");
        using (await _h.LoginAsync("alice", "not-her-password"))
        {
        }

        using var login = await _h.LoginAsync("alice", password);
        var cookie = AuthHarness.SessionCookie(login);
        var csrf = (await login.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, Ct))!.CsrfToken;
        using (await _h.Client().SendAsync(_h.Browser(HttpMethod.Delete, "api/session", cookie, csrf), Ct))
        {
        }

        (await _h.Local.PatchAsJsonAsync("api/users/alice", new UpdateUserBody("viewer", "another-long-password"), AccessJson.Default.UpdateUserBody, Ct)).EnsureSuccessStatusCode();
        (await _h.Local.DeleteAsync($"api/tokens/{token.Token.Id}", Ct)).EnsureSuccessStatusCode();
        (await _h.Local.DeleteAsync("api/users/alice", Ct)).EnsureSuccessStatusCode();

        var entries = (await _h.AuditAsync()).Reverse().ToList();
        Assert.Equal(
            ["user.add", "user.add", "token.create", "login.failed", "login", "logout", "user.update", "token.revoke", "user.remove"],
            entries.Select(e => e.Action));
        Assert.Equal(("system", "system"), (entries[0].Actor, entries[0].ActorKind)); // the first start's admin
        Assert.All(entries.Skip(1), e => Assert.Equal("127.0.0.1", e.Address));
        Assert.All(entries.Skip(1), e => Assert.True(e.At >= start));
        Assert.Equal(("local", "local", "alice"), (entries[1].Actor, entries[1].ActorKind, entries[1].Target));
        Assert.Equal(("alice", "failed"), (entries[3].Actor, entries[3].Outcome));
        Assert.Equal(("alice", "session"), (entries[4].Actor, entries[4].ActorKind));
        Assert.Contains("role developer → viewer", entries[6].Detail, StringComparison.Ordinal);
        Assert.Equal(token.Token.Id, entries[7].Target);

        var everything = await _h.Local.GetStringAsync("api/audit?limit=1000", Ct) + string.Join("\n", _h.Logs.All);
        foreach (var secret in new[] { password, "another-long-password", "not-her-password", token.Secret, token.Secret[^43..], cookie, cookie[13..], csrf! })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        using var viewer = await (await _h.AsAsync("bob", "approver")).GetAsync("api/audit", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode); // the audit log is an admin's
    }

    [Fact]
    public async Task Audit_PagesNewestFirst_AndFilters()
    {
        for (var i = 0; i < 5; i++)
        {
            await _h.AddUserAsync($"user{i}", "viewer");
        }

        var page = await _h.Local.GetFromJsonAsync("api/audit?limit=2&action=user.add", AccessJson.Default.IReadOnlyListAuditEntryView, Ct);
        Assert.Equal(["user4", "user3"], page!.Select(e => e.Target));
        var next = await _h.Local.GetFromJsonAsync($"api/audit?limit=2&action=user.add&before={page![^1].Seq}", AccessJson.Default.IReadOnlyListAuditEntryView, Ct);
        Assert.Equal(["user2", "user1"], next!.Select(e => e.Target));
        var byActor = await _h.Local.GetFromJsonAsync("api/audit?actor=system", AccessJson.Default.IReadOnlyListAuditEntryView, Ct);
        Assert.Equal("admin", Assert.Single(byActor!).Target);
    }
}
