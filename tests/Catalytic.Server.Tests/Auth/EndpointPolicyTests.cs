using System.Net;
using System.Net.Http.Json;
using Catalytic.Contracts.Access;
using Catalytic.Server.Auth;
using Catalytic.Server.Dashboard;
using Catalytic.Server.Dashboard.Pages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Catalytic.Server.Tests.Auth;

/// <summary>
/// Every endpoint the server maps, read from its endpoint data source (so an endpoint added later is walked too): each
/// names a policy or says why it is public; without credentials each non-public one answers 401, and with each role's
/// token it answers 403 exactly when the policy excludes that role.
/// </summary>
public sealed class EndpointPolicyTests : IAsyncLifetime
{
    /// <summary>The endpoints that need no credentials, and nothing else.</summary>
    private static readonly string[] PublicRoutes =
    [
        "GET /api/health", "POST /api/session", "POST /api/hooks/{repo}",
        "GET /assets/{**path}", // the dashboard's scripts and styles: the same bytes for everyone, no data
        "GET /sign-in", // the sign-in form: no data; signing in is POST /api/session
        "GET /status", // issue 14's public status page
    ];

    /// <summary>The worker's git smart HTTP of the mirrors: admitted workers are refused without a lease on the repository.</summary>
    private const string WorkerGitRoutes = "/api/workers/git/";

    /// <summary>Which roles each policy admits (route values name no protected environment: see the fill-ins below).</summary>
    private static readonly Dictionary<string, string[]> Admits = new()
    {
        [Policies.Viewer] = ["viewer", "developer", "approver", "admin"],
        [Policies.Developer] = ["developer", "approver", "admin"],
        [Policies.Approver] = ["developer", "approver", "admin"], // an unprotected environment: a developer's to decide
        [Policies.Admin] = ["admin"],
        [Policies.Worker] = ["worker"],
        [Policies.Authenticated] = ["viewer", "developer", "approver", "admin", "worker"],
        [Policies.Metrics] = ["viewer", "developer", "approver", "admin", "worker"],
    };

    private AuthHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await AuthHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private IReadOnlyList<(string Method, string Route, RouteEndpoint Endpoint)> Endpoints() =>
        [.. _h.Server.App!.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'), e)))];

    [Fact]
    public void EveryEndpoint_NamesAPolicyOrWhyItIsPublic()
    {
        var endpoints = Endpoints();
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} endpoints found: {string.Join(", ", endpoints.Select(e => e.Method + " " + e.Route))}");
        foreach (var (method, route, e) in endpoints)
        {
            var policy = e.Metadata.GetMetadata<RequiredPolicy>();
            var open = e.Metadata.GetMetadata<PublicEndpoint>();
            Assert.True(policy is not null ^ open is not null, $"{method} {route} must name exactly one of a policy (.Require) or why it is public (.Public)");
            Assert.True(policy is null || Policies.All.Contains(policy.Name), $"{method} {route}: unknown policy {policy?.Name}");
        }

        Assert.Equal(PublicRoutes.Order(), endpoints.Where(e => e.Endpoint.Metadata.GetMetadata<PublicEndpoint>() is not null).Select(e => $"{e.Method} {e.Route}").Order());
    }

    [Fact]
    public async Task EveryEndpoint_AnswersByPolicy_401WithoutCredentials_403ForRolesItExcludes()
    {
        // People walk through browser sessions (cookie and CSRF token: a token of a non-admin may not mint tokens, a rule of
        // the endpoint rather than of its policy; TokenTests covers tokens), the worker through its token.
        var ct = TestContext.Current.CancellationToken;
        var people = new Dictionary<string, (string Password, string Cookie, string Csrf)>();
        foreach (var role in new[] { "viewer", "developer", "approver", "admin" })
        {
            var password = await _h.AddUserAsync("u-" + role, role);
            people[role] = await SignInAsync("u-" + role, password);
        }

        var worker = _h.Client((await _h.TokenAsync(null, "worker")).Secret);
        var anonymous = _h.Client();
        var failures = new List<string>();
        foreach (var (method, route, e) in Endpoints())
        {
            if (e.Metadata.GetMetadata<PublicEndpoint>() is not null)
            {
                continue;
            }

            var policy = e.Metadata.GetMetadata<RequiredPolicy>()!.Name;
            using (var r = await StatusLineAsync(anonymous, Request(method, route, null), ct))
            {
                // /metrics is public unless serve --private-metrics (PrivateMetrics_NeedAViewer covers that).
                var expected = policy == Policies.Metrics ? HttpStatusCode.OK : HttpStatusCode.Unauthorized;
                if (e.Metadata.GetMetadata<DashboardPage>() is not null)
                {
                    // A page refuses a person by sending them to sign in (303, followed here), not with a problem document.
                    if (r.RequestMessage?.RequestUri?.AbsolutePath != DashboardEndpoints.SignIn || r.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{method} {route} without credentials: {(int)r.StatusCode} at {r.RequestMessage?.RequestUri?.AbsolutePath}, expected the sign-in page");
                    }
                }
                else if (r.StatusCode != expected)
                {
                    failures.Add($"{method} {route} without credentials: {(int)r.StatusCode}, expected {(int)expected}");
                }
            }

            foreach (var role in new[] { "viewer", "developer", "approver", "admin", "worker" })
            {
                using var request = Request(method, route, role);
                if (people.TryGetValue(role, out var session))
                {
                    request.Headers.Add("Cookie", $"{AccessRoutes.SessionCookie}={session.Cookie}");
                    request.Headers.Add(AccessRoutes.CsrfHeader, session.Csrf);
                }

                using var r = await StatusLineAsync(role == "worker" ? worker : anonymous, request, ct);
                var admitted = Admits[policy].Contains(role);
                if (admitted && r.StatusCode == HttpStatusCode.Forbidden && route.StartsWith(WorkerGitRoutes, StringComparison.Ordinal)
                    && await BodyAsync(r, ct) is var refusal && refusal.Contains("\"field\":\"lease\"", StringComparison.Ordinal))
                {
                    // Past the worker policy, a mirror fetch needs a lease of this worker on a job of the repository: a rule
                    // of the endpoint, not of its policy (WorkerEndpointTests covers fetching with one).
                    continue;
                }

                if (admitted ? r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden : r.StatusCode != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{method} {route} ({policy}) as {role}: {(int)r.StatusCode} {await BodyAsync(r, ct)}, expected {(admitted ? "neither 401 nor 403" : "403")}");
                }

                if (method == "DELETE" && route == AccessRoutes.Session && people.TryGetValue(role, out var ended))
                {
                    people[role] = await SignInAsync("u-" + role, ended.Password); // that was sign-out: sign in again for the rest of the walk
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns once its status line and headers are in: an endpoint that streams
    /// (the dashboard's events never end) is judged by its status, and disposing the answer ends the stream.
    /// </summary>
    private static Task<HttpResponseMessage> StatusLineAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct) =>
        client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

    /// <summary>The start of a refused answer's body for the failure message; a stream's body is not waited for.</summary>
    private static async Task<string> BodyAsync(HttpResponseMessage r, CancellationToken ct) =>
        r.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "(an event stream)" : await r.Content.ReadAsStringAsync(ct);

    private async Task<(string Password, string Cookie, string Csrf)> SignInAsync(string user, string password)
    {
        using var login = await _h.LoginAsync(user, password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var me = (await login.Content.ReadFromJsonAsync(AccessJson.Default.WhoAmIView, TestContext.Current.CancellationToken))!;
        return (password, AuthHarness.SessionCookie(login), me.CsrfToken!);
    }

    [Fact]
    public async Task AnUnmappedPath_Is401WithoutCredentials_AndTheFallbackPolicyIsAdmin()
    {
        using var anonymous = await _h.Client().GetAsync("api/no-such-thing", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var asAdmin = await _h.Local.GetAsync("api/no-such-thing", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, asAdmin.StatusCode);
    }

    /// <summary>
    /// A request for <paramref name="route"/> with harmless fill-ins: an unknown app and environment, an unknown user
    /// (the caller's own name for PATCH, which anyone may send for themselves), an unknown id, empty JSON.
    /// </summary>
    private static HttpRequestMessage Request(string method, string route, string? role)
    {
        var path = route.Replace("{app}", "nope", StringComparison.Ordinal).Replace("{environment}", "nowhere", StringComparison.Ordinal)
            .Replace("{name}", role is null || method != "PATCH" ? "someone" : "u-" + role, StringComparison.Ordinal)
            .Replace("{id}", "000000000000", StringComparison.Ordinal).Replace("{repo}", "nope", StringComparison.Ordinal)
            .Replace("{job}", "nope", StringComparison.Ordinal);

        // Parameters of endpoints added later: a number where the route constrains one, else a name nothing has.
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\*{0,2}\w+(:[^}]*)?\}", m =>
            new[] { "int", "long", "min", "max", "range" }.Any(c => m.Groups[1].Value.Contains(c, StringComparison.Ordinal)) ? "999999" : "nope");
        var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = AuthHarness.Json("{}");
        }

        return request;
    }

    [Fact]
    public async Task PrivateMetrics_NeedAViewer()
    {
        await _h.DisposeAsync();
        _h = await AuthHarness.StartAsync(publicMetrics: false);
        using var anonymous = await _h.Client().GetAsync("metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var viewer = await _h.AsAsync("prometheus", "viewer");
        using var r = await viewer.GetAsync("metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}
