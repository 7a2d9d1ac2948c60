using System.Net;
using System.Net.Http.Json;
using System.Text;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Problems;

namespace Catalytic.Server.Tests.Auth;

/// <summary>
/// What an attacker tries on the real server: guessing passwords (429 with Retry-After, on the server's clock),
/// malformed, oversized and injected credentials (refused cleanly, never a 500, nothing reflected into a header).
/// </summary>
public sealed class HostileCredentialTests : IAsyncLifetime
{
    private AuthHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await AuthHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task BruteForce_OnOneUser_Is429WithRetryAfter_EvenForTheRightPassword_UntilTheWindowMoves()
    {
        var password = await _h.AddUserAsync("alice", "viewer");
        for (var i = 0; i < 5; i++)
        {
            _h.Clock.Advance(TimeSpan.FromSeconds(10));
            using var wrong = await _h.LoginAsync("alice", "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var throttled = await _h.LoginAsync("alice", password))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            // The first failure (40 s ago) leaves the 15-minute window in 860 s; then 4 remain, under the limit of 5.
            Assert.Equal("860", Assert.Single(throttled.Headers.GetValues("Retry-After")));
            var problem = (await throttled.Content.ReadFromJsonAsync(ApiJson.Default.ProblemView, Ct))!;
            Assert.Equal((ApiProblems.TooManyRequests.Title, "user"), (problem.Title, problem.Field));
        }

        _h.Clock.Advance(TimeSpan.FromSeconds(859));
        using (var stillThrottled = await _h.LoginAsync("alice", password))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, stillThrottled.StatusCode);
        }

        _h.Clock.Advance(TimeSpan.FromSeconds(1));
        using (var ok = await _h.LoginAsync("alice", password))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // A success starts the user's count again.
        using var afterSuccess = await _h.LoginAsync("alice", "guess-again");
        Assert.Equal(HttpStatusCode.Unauthorized, afterSuccess.StatusCode);
        var failures = await _h.AuditAsync("login.failed");
        Assert.Equal(6, failures.Count);
        Assert.All(failures, f => Assert.Equal(("alice", "127.0.0.1", "failed"), (f.Actor, f.Address, f.Outcome)));
    }

    [Fact]
    public async Task PasswordSpraying_FromOneAddress_Is429AfterTwentyFailures_WhateverTheNames()
    {
        var password = await _h.AddUserAsync("bob", "viewer");
        for (var i = 0; i < 20; i++)
        {
            using var r = await _h.LoginAsync($"user{i}", "spray-password");
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        using var blocked = await _h.LoginAsync("bob", password);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal("900", Assert.Single(blocked.Headers.GetValues("Retry-After")));
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("bearer ctk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer ctk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer ctk_zzzzzzzzzzzz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer ctk_000000000000_AAAA")]
    [InlineData("Bearer a b c")]
    [InlineData("Bearer ' OR 1=1 --")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("Digest username=\"admin\"")]
    public async Task MalformedAuthorization_Is401WithAProblem(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var r = await _h.Client().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer realm=\"catalytic\"", r.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task OversizedAndRepeatedCredentials_AreRefusedWithoutAnError()
    {
        using (var big = new HttpRequestMessage(HttpMethod.Get, "api/status"))
        {
            big.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('A', 16 * 1024));
            using var r = await _h.Client().SendAsync(big, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        using (var huge = new HttpRequestMessage(HttpMethod.Get, "api/status"))
        {
            huge.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('A', 64 * 1024)); // past Kestrel's header limit
            using var r = await _h.Client().SendAsync(huge, Ct);
            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, r.StatusCode);
        }

        using (var twice = new HttpRequestMessage(HttpMethod.Get, "api/status"))
        {
            var local = _h.Local.DefaultRequestHeaders.Authorization!.ToString();
            twice.Headers.TryAddWithoutValidation("Authorization", [local, local]);
            using var r = await _h.Client().SendAsync(twice, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        foreach (var cookie in new[] { "x", new string('a', 10_000), "0123456789ab.%00%0d%0a", "0123456789ab." + new string('A', 43) + "; catalytic_session=other" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
            request.Headers.TryAddWithoutValidation("Cookie", "catalytic_session=" + cookie);
            using var r = await _h.Client().SendAsync(request, Ct);
            Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, $"cookie {cookie[..Math.Min(cookie.Length, 40)]}: {(int)r.StatusCode}");
        }

        // Non-ASCII bytes in the cookie and the bearer (HttpClient sends only ASCII unless told to write UTF-8): refused, never a 500.
        using var utf8 = new HttpClient(new SocketsHttpHandler { UseCookies = false, RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = _h.Server.ApiAddress };
        foreach (var (header, value) in new[] { ("Cookie", "catalytic_session=\u00e9\u00e9.\u00e9"), ("Authorization", "Bearer \u00e9\u00e9\u00e9") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
            request.Headers.TryAddWithoutValidation(header, value);
            using var r = await utf8.SendAsync(request, Ct);
            Assert.True(r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"{header} with non-ASCII bytes: {(int)r.StatusCode}");
        }
    }

    [Fact]
    public async Task Login_OversizedOrMalformedBodies_AreRefusedNamingTheField_AndChangeNothing()
    {
        var ct = Ct;
        async Task<(HttpStatusCode, string)> PostAsync(HttpContent content)
        {
            using var r = await _h.Client().PostAsync("api/session", content, ct);
            return (r.StatusCode, await r.Content.ReadAsStringAsync(ct));
        }

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(AuthHarness.Json($$"""{"user":"admin","password":"{{new string('p', 1024 * 1024)}}"}"""))).Item1);
        var (status, body) = await PostAsync(AuthHarness.Json($$"""{"user":"admin","password":"{{new string('p', 300)}}"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"field\":\"password\"", body, StringComparison.Ordinal);
        (status, body) = await PostAsync(AuthHarness.Json($$"""{"user":"{{new string('u', 65)}}","password":"whatever-it-is"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"field\":\"user\"", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(AuthHarness.Json("{\"user\":"))).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(AuthHarness.Json("[1,2,3]"))).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(AuthHarness.Json("{\"user\":\"admin\"}"))).Item1);
        Assert.Empty(await _h.AuditAsync("login.failed")); // malformed is not a guess: nothing counted, nothing recorded
    }

    [Fact]
    public async Task HeaderInjection_ThroughAUserNameOrAnOrigin_ReachesNoHeaderAndNoLogLine()
    {
        const string Injected = "admin\r\nSet-Cookie: catalytic_session=planted";
        using var r = await _h.LoginAsync(Injected, "whatever-password");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.False(r.Headers.TryGetValues("Set-Cookie", out _));

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/session") { Content = AuthHarness.Json("""{"user":"admin","password":"whatever-password"}""") };
        request.Headers.TryAddWithoutValidation("Origin", "http://evil.example");
        using var cross = await _h.Client().SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, cross.StatusCode); // a sign-in from another origin (login CSRF)

        // A name with control characters that is otherwise valid never gets that far; one that is recorded is sanitised.
        using var tab = await _h.LoginAsync("ghost\u001b[31m", "whatever-password");
        Assert.Equal(HttpStatusCode.BadRequest, tab.StatusCode);
        Assert.DoesNotContain(_h.Logs.All, l => l.Contains("planted", StringComparison.Ordinal) || l.Contains('\u001b', StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownUserAndWrongPassword_GetTheSameAnswer()
    {
        await _h.AddUserAsync("carol", "viewer");
        using var unknown = await _h.LoginAsync("nobody-here", "some-password-1");
        using var wrong = await _h.LoginAsync("carol", "some-password-1");
        Assert.Equal(unknown.StatusCode, wrong.StatusCode);
        Assert.Equal(WithoutTraceId(await unknown.Content.ReadAsStringAsync(Ct)), WithoutTraceId(await wrong.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task EveryAnswer_CarriesTheSecurityHeaders()
    {
        var answers = new List<HttpResponseMessage>
        {
            await _h.Client().GetAsync("api/health", Ct),
            await _h.Client().GetAsync("api/status", Ct),
            await _h.Local.GetAsync("api/status", Ct),
            await _h.Local.GetAsync("api/deployments/d-nope", Ct),
            await _h.Local.GetAsync("api/nothing-here", Ct),
            await _h.Client().GetAsync("metrics", Ct),
            await _h.Client().PostAsync("api/session", new StringContent("x", Encoding.UTF8, "application/json"), Ct),
        };
        foreach (var r in answers)
        {
            using (r)
            {
                var csp = r.Headers.GetValues("Content-Security-Policy").Single();
                Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
                Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
                Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
                Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
                Assert.Equal("no-referrer", r.Headers.GetValues("Referrer-Policy").Single());
                Assert.Equal("DENY", r.Headers.GetValues("X-Frame-Options").Single());
            }
        }
    }

    /// <summary>A problem document without its traceId (each request's own; everything else must match).</summary>
    private static string WithoutTraceId(string json)
    {
        var problem = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        Assert.True(problem.Remove("traceId"), json);
        return problem.ToJsonString();
    }
}
