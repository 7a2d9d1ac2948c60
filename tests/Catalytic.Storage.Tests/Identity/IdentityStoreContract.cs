using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Identity.Roles;
using Catalytic.Identity.Sessions;
using Catalytic.Identity.Storage;
using Catalytic.Identity.Tokens;

namespace Catalytic.Storage.Tests.Identity;

/// <summary>The behaviour every <see cref="IIdentityStore"/> must have; run against SQLite and PostgreSQL.</summary>
public abstract class IdentityStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, 123, TimeSpan.Zero);

    protected IIdentityStore Store { get; private set; } = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IIdentityStore> CreateAsync();

    /// <summary>Runs <paramref name="sql"/> on the store's database, around the store (to try what no method allows); <c>audit_log</c> names its table.</summary>
    protected abstract Task ExecuteRawAsync(string sql);

    public async ValueTask InitializeAsync()
    {
        Store = await CreateAsync();
        await Store.InitializeAsync(Ct);
        await Store.InitializeAsync(Ct); // idempotent
    }

    public virtual async ValueTask DisposeAsync() => await Store.DisposeAsync();

    private static User U(string name, Role role = Role.Developer, string hash = "h1") => new(name, role, hash, T0, T0);

    [Fact]
    public async Task Users_AddGetListUpdate_AndTheFirstUserOnlyWhenThereIsNone()
    {
        Assert.True(await Store.AddFirstUserAsync(U("admin", Role.Admin), Ct));
        Assert.False(await Store.AddFirstUserAsync(U("other", Role.Admin), Ct));
        Assert.True(await Store.AddUserAsync(U("bob"), Ct));
        Assert.False(await Store.AddUserAsync(U("bob", Role.Admin, "h2"), Ct));

        Assert.Equal(U("bob"), await Store.GetUserAsync("bob", Ct));
        Assert.Null(await Store.GetUserAsync("other", Ct));
        Assert.Equal(["admin", "bob"], (await Store.ListUsersAsync(Ct)).Select(u => u.Name));

        Assert.True(await Store.UpdateUserAsync("bob", Role.Approver, null, T0.AddMinutes(1), Ct));
        Assert.Equal(U("bob", Role.Approver) with { UpdatedAt = T0.AddMinutes(1) }, await Store.GetUserAsync("bob", Ct));
        Assert.False(await Store.UpdateUserAsync("nobody", Role.Admin, null, T0, Ct));
    }

    [Fact]
    public async Task NewPassword_RevokesTheUsersSessions_NotOthers()
    {
        await Store.AddUserAsync(U("bob"), Ct);
        await Store.AddUserAsync(U("amy"), Ct);
        await Store.AddSessionAsync(Session("s-bob", "bob"), Ct);
        await Store.AddSessionAsync(Session("s-amy", "amy"), Ct);

        Assert.True(await Store.UpdateUserAsync("bob", null, "h2", T0.AddMinutes(5), Ct));

        Assert.Equal("h2", (await Store.GetUserAsync("bob", Ct))!.PasswordHash);
        Assert.Equal(T0.AddMinutes(5), (await Store.GetSessionAsync("s-bob", Ct))!.RevokedAt);
        Assert.Null((await Store.GetSessionAsync("s-amy", Ct))!.RevokedAt);
    }

    [Fact]
    public async Task RemoveUser_RevokesTheirTokensAndSessions()
    {
        await Store.AddUserAsync(U("bob"), Ct);
        await Store.AddTokenAsync(Token("t-bob", "bob"), Ct);
        await Store.AddTokenAsync(Token("t-worker", null, Role.Worker), Ct);
        await Store.AddSessionAsync(Session("s-bob", "bob"), Ct);

        Assert.True(await Store.RemoveUserAsync("bob", T0.AddHours(1), Ct));
        Assert.False(await Store.RemoveUserAsync("bob", T0.AddHours(1), Ct));

        Assert.Null(await Store.GetUserAsync("bob", Ct));
        Assert.Equal(T0.AddHours(1), (await Store.GetTokenAsync("t-bob", Ct))!.RevokedAt);
        Assert.Equal(T0.AddHours(1), (await Store.GetSessionAsync("s-bob", Ct))!.RevokedAt);
        Assert.Equal(["t-worker"], (await Store.ListTokensAsync(null, Ct)).Select(t => t.Id));
    }

    [Fact]
    public async Task Tokens_KeepOnlyTheHash_ListTheLiveOnesNewestFirst_RevokeOnce_AndNoteTheirUse()
    {
        var t1 = Token("t-1", "bob") with { ExpiresAt = T0.AddDays(30) };
        await Store.AddTokenAsync(t1, Ct);
        await Store.AddTokenAsync(Token("t-2", "bob") with { CreatedAt = T0.AddMinutes(1) }, Ct);
        await Store.AddTokenAsync(Token("t-3", "amy") with { CreatedAt = T0.AddMinutes(2) }, Ct);

        Assert.Equal(t1, await Store.GetTokenAsync("t-1", Ct));
        Assert.Equal(["t-3", "t-2", "t-1"], (await Store.ListTokensAsync(null, Ct)).Select(t => t.Id));
        Assert.Equal(["t-2", "t-1"], (await Store.ListTokensAsync("bob", Ct)).Select(t => t.Id));

        Assert.True(await Store.RevokeTokenAsync("t-2", T0.AddHours(1), Ct));
        Assert.False(await Store.RevokeTokenAsync("t-2", T0.AddHours(2), Ct));
        Assert.False(await Store.RevokeTokenAsync("nope", T0, Ct));
        Assert.Equal(T0.AddHours(1), (await Store.GetTokenAsync("t-2", Ct))!.RevokedAt);
        Assert.Equal(["t-1"], (await Store.ListTokensAsync("bob", Ct)).Select(t => t.Id));

        await Store.TouchTokenAsync("t-1", T0.AddHours(3), Ct);
        Assert.Equal(T0.AddHours(3), (await Store.GetTokenAsync("t-1", Ct))!.LastUsedAt);
    }

    [Fact]
    public async Task Sessions_ListOnlyTheLiveOnes_RevokeOnce_AndTouchNeverGoesBack()
    {
        var s1 = Session("s-1", "bob");
        await Store.AddSessionAsync(s1, Ct);
        await Store.AddSessionAsync(Session("s-2", "bob") with { CreatedAt = T0.AddMinutes(1), ExpiresAt = T0.AddMinutes(30) }, Ct);
        await Store.AddSessionAsync(Session("s-3", "amy") with { CreatedAt = T0.AddMinutes(2) }, Ct);

        Assert.Equal(s1, await Store.GetSessionAsync("s-1", Ct));
        Assert.Equal(["s-3", "s-2", "s-1"], (await Store.ListSessionsAsync(null, T0.AddMinutes(10), Ct)).Select(s => s.Id));
        Assert.Equal(["s-1"], (await Store.ListSessionsAsync("bob", T0.AddMinutes(30), Ct)).Select(s => s.Id)); // s-2 past its absolute end

        Assert.True(await Store.RevokeSessionAsync("s-1", T0.AddMinutes(11), Ct));
        Assert.False(await Store.RevokeSessionAsync("s-1", T0.AddMinutes(12), Ct));
        Assert.Equal(["s-3", "s-2"], (await Store.ListSessionsAsync(null, T0.AddMinutes(12), Ct)).Select(s => s.Id));

        await Store.TouchSessionAsync("s-3", T0.AddMinutes(20), Ct);
        await Store.TouchSessionAsync("s-3", T0.AddMinutes(15), Ct); // a late, older request does not move it back
        Assert.Equal(T0.AddMinutes(20), (await Store.GetSessionAsync("s-3", Ct))!.LastSeenAt);
    }

    [Fact]
    public async Task Audit_AppendsInOrder_PagesNewestFirst_AndFilters()
    {
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add(await Store.AppendAuditAsync(Entry(i % 2 == 0 ? "bob" : "amy", i % 2 == 0 ? AuditActions.Deploy : AuditActions.Approve, T0.AddSeconds(i), "web/production#" + i), Ct));
        }

        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(5, seqs.Distinct().Count());
        var all = await Store.ListAuditAsync(new AuditQuery(), Ct);
        Assert.Equal(Enumerable.Range(0, 5).Reverse().Select(i => "web/production#" + i), all.Select(e => e.Target));
        Assert.Equal(Entry("bob", AuditActions.Deploy, T0.AddSeconds(4), "web/production#4") with { Seq = seqs[4] }, all[0]);

        var page = await Store.ListAuditAsync(new AuditQuery(Limit: 2), Ct);
        var next = await Store.ListAuditAsync(new AuditQuery(Limit: 2, Before: page[^1].Seq), Ct);
        Assert.Equal([seqs[4], seqs[3], seqs[2], seqs[1]], page.Concat(next).Select(e => e.Seq));
        Assert.Equal([seqs[3], seqs[1]], (await Store.ListAuditAsync(new AuditQuery(Actor: "amy"), Ct)).Select(e => e.Seq));
        Assert.Equal([seqs[4], seqs[2], seqs[0]], (await Store.ListAuditAsync(new AuditQuery(Action: AuditActions.Deploy), Ct)).Select(e => e.Seq));
    }

    [Fact]
    public async Task Audit_RefusesUpdateAndDelete_EvenAroundTheStore()
    {
        var seq = await Store.AppendAuditAsync(Entry("bob", AuditActions.Deploy, T0, "web/production"), Ct);

        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync("UPDATE audit_log SET actor = 'someone-else'"));
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync("DELETE FROM audit_log"));

        Assert.Equal(Entry("bob", AuditActions.Deploy, T0, "web/production") with { Seq = seq }, Assert.Single(await Store.ListAuditAsync(new AuditQuery(), Ct)));
    }

    [Fact]
    public async Task LoginFailures_ForTheUserSinceTheirLastSuccess_AndForTheAddress()
    {
        await Store.AppendAuditAsync(Entry("bob", AuditActions.LoginFailed, T0, "bob", "10.0.0.1", AuditOutcomes.Failed), Ct);
        await Store.AppendAuditAsync(Entry("bob", AuditActions.Login, T0.AddMinutes(1), "bob", "10.0.0.1"), Ct);
        await Store.AppendAuditAsync(Entry("bob", AuditActions.LoginFailed, T0.AddMinutes(2), "bob", "10.0.0.2", AuditOutcomes.Failed), Ct);
        await Store.AppendAuditAsync(Entry("amy", AuditActions.LoginFailed, T0.AddMinutes(3), "amy", "10.0.0.1", AuditOutcomes.Failed), Ct);
        await Store.AppendAuditAsync(Entry("amy", AuditActions.LoginFailed, T0.AddMinutes(4), "amy", "10.0.0.9", AuditOutcomes.Failed), Ct);

        var (forUser, forAddress) = await Store.LoginFailuresAsync("bob", "10.0.0.1", T0, Ct);
        Assert.Equal([T0.AddMinutes(2)], forUser); // the failure before bob's success no longer counts against the name
        Assert.Equal([T0.AddMinutes(3), T0], forAddress); // the address keeps every failure in the window, whoever was tried

        var (_, recent) = await Store.LoginFailuresAsync("bob", "10.0.0.1", T0.AddMinutes(3), Ct);
        Assert.Equal([T0.AddMinutes(3)], recent);
    }

    private static AccessToken Token(string id, string? user, Role role = Role.Developer) =>
        new(id, "ci", user, role, "hash-of-" + id, T0, "admin");

    private static Session Session(string id, string user) =>
        new(id, user, "hash-of-" + id, T0, T0.AddHours(12), T0, "10.0.0.1", "curl/8");

    private static AuditEntry Entry(string actor, string action, DateTimeOffset at, string target, string address = "127.0.0.1", string outcome = AuditOutcomes.Ok) =>
        new(0, at, actor, "session", address, action, target, "detail of " + target, outcome);
}
