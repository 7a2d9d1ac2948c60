using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Access;

namespace Catalytic.Server.Tests.Auth;

/// <summary>Browser sessions against the real server: the cookie's attributes, CSRF, fixation, logout, idle and absolute ends, revocation.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private AuthHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await AuthHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Login_SetsAnHttpOnlySameSiteStrictCookie_AndAnswersWhoWithTheCsrfToken()
    {
        var password = await _h.AddUserAsync("alice", "approver");

        using var login = await _h.LoginAsync("alice", password);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var setCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Matches("^catalytic_session=[0-9a-f]{12}\\.[A-Za-z0-9_-]{43}; path=/; samesite=strict; httponly$", setCookie);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain HTTP: Secure only under TLS
        var me = (await login.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, Ct))!;
        Assert.Equal(("alice", "approver", "session"), (me.User, me.Role, me.Kind));
        Assert.False(string.IsNullOrEmpty(me.CsrfToken));

        var cookie = AuthHarness.SessionCookie(login);
        using var who = await _h.Client().SendAsync(_h.Browser(HttpMethod.Get, "api/session", cookie), Ct);
        Assert.Equal(me.CsrfToken, (await who.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, Ct))!.CsrfToken);
    }

    [Fact]
    public async Task StateChangingRequest_WithTheCookieButWithoutTheCsrfToken_Is403AndChangesNothing()
    {
        var password = await _h.AddUserAsync("admin2", "admin");
        using var login = await _h.LoginAsync("admin2", password);
        var cookie = AuthHarness.SessionCookie(login);
        var csrf = (await login.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, Ct))!.CsrfToken!;
        var body = () => JsonContent.Create(new AddUserBody("eve", "admin", "a-long-password-1"), AccessJson.Default.AddUserBody);
        var browser = _h.Client();

        using (var none = await browser.SendAsync(_h.Browser(HttpMethod.Post, "api/users", cookie, content: body()), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, none.StatusCode);
            Assert.Contains("CSRF", await none.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var wrong = await browser.SendAsync(_h.Browser(HttpMethod.Post, "api/users", cookie, csrf[..^2] + "AA", body()), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        }

        var crossSite = _h.Browser(HttpMethod.Post, "api/users", cookie, csrf, body());
        crossSite.Headers.Add("Origin", "https://evil.example");
        using (var cross = await browser.SendAsync(crossSite, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, cross.StatusCode);
        }

        var form = _h.Browser(HttpMethod.Delete, "api/users/alice-not-there", cookie, content: new FormUrlEncodedContent([new("_csrf", "forged")]));
        using (var forgedForm = await browser.SendAsync(form, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forgedForm.StatusCode);
        }

        Assert.DoesNotContain(await _h.Local.GetFromJsonAsync("api/users", AccessJson.Default.IReadOnlyListUserView, Ct) ?? [], u => u.Name == "eve");

        using var ok = await browser.SendAsync(_h.Browser(HttpMethod.Post, "api/users", cookie, csrf, body()), Ct);
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        using var read = await browser.SendAsync(_h.Browser(HttpMethod.Get, "api/users", cookie), Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode); // reads need no token
    }

    [Fact]
    public async Task SessionFixation_ACookieTheClientBringsIsNeverTheSessionItGets()
    {
        var password = await _h.AddUserAsync("bob", "viewer");
        const string Planted = "0123456789ab.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        using (var planted = await _h.Client().SendAsync(_h.Browser(HttpMethod.Get, "api/session", Planted), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, planted.StatusCode);
        }

        // A browser that already has a real session signs in again: a new id, and the old session ends.
        using var first = await _h.LoginAsync("bob", password);
        var old = AuthHarness.SessionCookie(first);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/session") { Content = JsonContent.Create(new LoginBody("bob", password), AccessJson.Default.LoginBody) };
        request.Headers.Add("Cookie", $"{AccessRoutes.SessionCookie}={old}");
        using var second = await _h.Client().SendAsync(request, Ct);
        var fresh = AuthHarness.SessionCookie(second);

        Assert.NotEqual(old, fresh);
        Assert.NotEqual(Planted, fresh);
        using (var oldOne = await _h.Client().SendAsync(_h.Browser(HttpMethod.Get, "api/session", old), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, oldOne.StatusCode);
        }

        using var newOne = await _h.Client().SendAsync(_h.Browser(HttpMethod.Get, "api/session", fresh), Ct);
        Assert.Equal(HttpStatusCode.OK, newOne.StatusCode);
    }

    [Fact]
    public async Task Logout_EndsTheSessionAtOnce_AndRevokingAnotherSessionDoesToo()
    {
        var password = await _h.AddUserAsync("carol", "viewer");
        using var a = await _h.LoginAsync("carol", password);
        using var b = await _h.LoginAsync("carol", password);
        var (cookieA, cookieB) = (AuthHarness.SessionCookie(a), AuthHarness.SessionCookie(b));
        var csrfA = (await a.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, Ct))!.CsrfToken;
        var idB = (await b.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, Ct))!.SessionId!;
        var browser = _h.Client();

        using (var revoke = await browser.SendAsync(_h.Browser(HttpMethod.Delete, $"api/sessions/{idB}", cookieA, csrfA), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using (var gone = await browser.SendAsync(_h.Browser(HttpMethod.Get, "api/status", cookieB), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
        }

        using (var logout = await browser.SendAsync(_h.Browser(HttpMethod.Delete, "api/session", cookieA, csrfA), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
            Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith("catalytic_session=;", StringComparison.Ordinal));
        }

        using var after = await browser.SendAsync(_h.Browser(HttpMethod.Get, "api/status", cookieA), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Session_EndsWhenIdle_AndAtItsAbsoluteEnd_OnTheServersClock()
    {
        var password = await _h.AddUserAsync("dan", "viewer");
        using var login = await _h.LoginAsync("dan", password);
        var cookie = AuthHarness.SessionCookie(login);
        var browser = _h.Client();
        async Task<HttpStatusCode> StatusAsync()
        {
            using var r = await browser.SendAsync(_h.Browser(HttpMethod.Get, "api/status", cookie), Ct);
            return r.StatusCode;
        }

        // Busy every 11 hours: the idle limit (12 h) never passes, the absolute one (7 days) does.
        for (var i = 0; i < 15; i++)
        {
            _h.Clock.Advance(TimeSpan.FromHours(11));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync());
        }

        _h.Clock.Advance(TimeSpan.FromHours(3)); // 168 h since sign-in
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync());

        using var again = await _h.LoginAsync("dan", password);
        cookie = AuthHarness.SessionCookie(again);
        _h.Clock.Advance(TimeSpan.FromHours(12));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync());
    }

    [Fact]
    public async Task PasswordChange_EndsEverySessionOfTheUser_AndRemovingTheUserToo()
    {
        var password = await _h.AddUserAsync("erin", "developer");
        using var login = await _h.LoginAsync("erin", password);
        var cookie = AuthHarness.SessionCookie(login);
        var browser = _h.Client();

        (await _h.Local.PatchAsJsonAsync("api/users/erin", new UpdateUserBody(Password: "a-brand-new-password"), AccessJson.Default.UpdateUserBody, Ct)).EnsureSuccessStatusCode();

        using (var r = await browser.SendAsync(_h.Browser(HttpMethod.Get, "api/status", cookie), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        using (var oldPassword = await _h.LoginAsync("erin", password))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        }

        using var fresh = await _h.LoginAsync("erin", "a-brand-new-password");
        var freshCookie = AuthHarness.SessionCookie(fresh);
        (await _h.Local.DeleteAsync("api/users/erin", Ct)).EnsureSuccessStatusCode();
        using var removed = await browser.SendAsync(_h.Browser(HttpMethod.Get, "api/status", freshCookie), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, removed.StatusCode);
    }

    [Fact]
    public async Task Sessions_SurviveARestart_AndTheLocalTokenDoesNot()
    {
        var password = await _h.AddUserAsync("fay", "viewer");
        using var login = await _h.LoginAsync("fay", password);
        var cookie = AuthHarness.SessionCookie(login);
        var oldLocal = _h.Local;

        await _h.RestartAsync();

        using var r = await _h.Client().SendAsync(_h.Browser(HttpMethod.Get, "api/status", cookie), Ct);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var stale = new HttpClient { BaseAddress = _h.Server.ApiAddress };
        stale.DefaultRequestHeaders.Authorization = oldLocal.DefaultRequestHeaders.Authorization;
        using var refused = await stale.GetAsync("api/status", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
