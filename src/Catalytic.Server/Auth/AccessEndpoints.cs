using System.Globalization;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Problems;
using Catalytic.Identity;
using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Identity.Roles;
using Catalytic.Identity.Sessions;
using Catalytic.Identity.Tokens;
using Catalytic.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Auth;

/// <summary>
/// Sign-in, users, tokens, sessions and the audit log over HTTP (routes in <see cref="AccessRoutes"/>, shapes in
/// Catalytic.Contracts/Access). Thin: the rules are <see cref="AccessControl"/>'s. Bodies are small, so they are
/// bounded small (<see cref="MaxBody"/>): an oversized credential is refused before anything reads it.
/// </summary>
public static class AccessEndpoints
{
    /// <summary>The largest body these endpoints read.</summary>
    public const long MaxBody = 16 * 1024;

    /// <summary>Maps the access endpoints.</summary>
    public static IEndpointRouteBuilder MapAccessEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(AccessRoutes.Session, LoginAsync).Public("sign-in: the password is the credential").WithMetadata(new MaxBodySize(MaxBody));
        routes.MapGet(AccessRoutes.Session, WhoAmI).Require(Policies.Authenticated);
        routes.MapDelete(AccessRoutes.Session, LogoutAsync).Require(Policies.Authenticated);

        routes.MapGet(AccessRoutes.Users, async (AccessControl access, CancellationToken ct) =>
            TypedResults.Ok<IReadOnlyList<UserView>>([.. (await access.ListUsersAsync(ct)).Select(View)])).Require(Policies.Admin);
        routes.MapPost(AccessRoutes.Users, async (AddUserBody? body, HttpContext http, AccessControl access) =>
            Answer(await access.AddUserAsync(http.Caller(), http.ClientAddress(), body?.Name, body?.Role, body?.Password, CancellationToken.None), u => TypedResults.Created(AccessRoutes.UserPath(u.Name), View(u))))
            .Require(Policies.Admin).WithMetadata(new MaxBodySize(MaxBody));
        routes.MapPatch(AccessRoutes.User, async (string name, UpdateUserBody? body, HttpContext http, AccessControl access) =>
            Answer(await access.UpdateUserAsync(http.Caller(), http.ClientAddress(), name, body?.Role, body?.Password, CancellationToken.None), u => TypedResults.Ok(View(u))))
            .Require(Policies.Viewer).WithMetadata(new MaxBodySize(MaxBody));
        routes.MapDelete(AccessRoutes.User, async (string name, HttpContext http, AccessControl access) =>
            Answer(await access.RemoveUserAsync(http.Caller(), http.ClientAddress(), name, CancellationToken.None), u => TypedResults.Ok(View(u)))).Require(Policies.Admin);

        routes.MapGet(AccessRoutes.Tokens, async (string? user, HttpContext http, AccessControl access, TimeProvider time, CancellationToken ct) =>
            Answer(await access.ListTokensAsync(http.Caller(), user, ct), list => TypedResults.Ok<IReadOnlyList<TokenView>>([.. list.Select(t => View(t, time.GetUtcNow()))])))
            .Require(Policies.Viewer);
        routes.MapPost(AccessRoutes.Tokens, async (CreateTokenBody? body, HttpContext http, AccessControl access, TimeProvider time) =>
            Answer(await access.CreateTokenAsync(http.Caller(), http.ClientAddress(), body?.User, body?.Name, body?.Role, body?.Expires, CancellationToken.None),
                t => TypedResults.Created(AccessRoutes.TokenPath(t.Token.Id), new CreatedTokenView(View(t.Token, time.GetUtcNow()), t.Secret))))
            .Require(Policies.Viewer).WithMetadata(new MaxBodySize(MaxBody));
        routes.MapDelete(AccessRoutes.Token, async (string id, HttpContext http, AccessControl access, TimeProvider time) =>
            Answer(await access.RevokeTokenAsync(http.Caller(), http.ClientAddress(), id, CancellationToken.None), t => TypedResults.Ok(View(t, time.GetUtcNow()))))
            .Require(Policies.Viewer);

        routes.MapGet(AccessRoutes.Sessions, async (string? user, HttpContext http, AccessControl access, CancellationToken ct) =>
            Answer(await access.ListSessionsAsync(http.Caller(), user, ct), list => TypedResults.Ok<IReadOnlyList<SessionView>>([.. list.Select(s => View(s, http.Caller()))])))
            .Require(Policies.Viewer);
        routes.MapDelete(AccessRoutes.SessionById, async (string id, HttpContext http, AccessControl access) =>
            Answer(await access.RevokeSessionAsync(http.Caller(), http.ClientAddress(), id, CancellationToken.None), s => TypedResults.Ok(View(s, http.Caller()))))
            .Require(Policies.Viewer);

        routes.MapGet(AccessRoutes.Audit, AuditAsync).Require(Policies.Admin);
        return routes;
    }

    private static async Task<IResult> LoginAsync(LoginBody? body, HttpContext http, AccessControl access, AuthSettings settings)
    {
        if (!BrowserProtection.SameOrigin(http))
        {
            return ApiResults.Forbidden("a sign-in from another origin is refused", "origin");
        }

        // The write must not be cut short by a client that hangs up: a failure not recorded would not be throttled.
        var result = await access.LoginAsync(body?.User, body?.Password, http.ClientAddress(), http.Request.Headers.UserAgent.ToString(), CancellationToken.None);
        switch (result)
        {
            case LoginResult.SignedIn s:
                // A session the browser already had is ended: the new one never inherits an id it did not mint (no fixation).
                if (http.Features.Get<CallerFeature>()?.Caller is { Kind: CallerKind.Session } previous)
                {
                    await access.LogoutAsync(previous, http.ClientAddress(), CancellationToken.None);
                }

                http.Response.Cookies.Append(CookieName(http), s.Cookie, CookieOptions(http));
                return TypedResults.Ok(new WhoAmIView(s.Caller.Name, s.Caller.Role.Name(), s.Caller.KindName, s.Session.Id, s.CsrfToken, s.Session.ExpiresAt));
            case LoginResult.Throttled t:
                http.Response.Headers.RetryAfter = ((long)Math.Ceiling(t.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ApiResults.Problem(ApiProblems.TooManyRequests, $"too many failed sign-ins for this user or from this address; try again in {(long)Math.Ceiling(t.RetryAfter.TotalSeconds)} s", "user");
            case LoginResult.Malformed m:
                return ApiResults.Problem(ApiProblems.Invalid, m.Message, m.Field);
            default:
                return ApiResults.Unauthorized("wrong user name or password");
        }
    }

    private static IResult WhoAmI(HttpContext http)
    {
        var feature = http.Features.Get<CallerFeature>()!;
        var c = feature.Caller;
        return TypedResults.Ok(new WhoAmIView(c.Name, c.Role.Name(), c.KindName, c.Kind == CallerKind.Session ? c.CredentialId : null, feature.CsrfToken));
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, AccessControl access)
    {
        var caller = http.Caller();
        await access.LogoutAsync(caller, http.ClientAddress(), CancellationToken.None);
        http.Response.Cookies.Delete(CookieName(http), CookieOptions(http));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> AuditAsync(int? limit, long? before, string? actor, string? action, AccessControl access, CancellationToken ct)
    {
        var entries = await access.Audit.ListAsync(new AuditQuery(Math.Clamp(limit ?? 100, 1, 1000), before, actor, action), ct);
        return TypedResults.Ok<IReadOnlyList<AuditEntryView>>([.. entries.Select(e => new AuditEntryView(e.Seq, e.At, e.Actor, e.ActorKind, e.Address, e.Action, e.Target, e.Detail, e.Outcome))]);
    }

    /// <summary>The session cookie: HttpOnly (no script reads it), SameSite=Strict, Secure and __Host- under TLS.</summary>
    private static CookieOptions CookieOptions(HttpContext http) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    private static string CookieName(HttpContext http) => http.Request.IsHttps ? AccessRoutes.SecureSessionCookie : AccessRoutes.SessionCookie;

    private static IResult Answer<T>(AccessResult<T> result, Func<T, IResult> ok) => result.Error is { } e
        ? ApiResults.Problem(e.Kind switch
        {
            AccessErrorKind.NotFound => ApiProblems.NotFound,
            AccessErrorKind.Conflict => ApiProblems.Conflict,
            AccessErrorKind.Forbidden => ApiProblems.Forbidden,
            _ => ApiProblems.Invalid,
        }, e.Message, e.Field)
        : ok(result.Value!);

    private static UserView View(User u) => new(u.Name, u.Role.Name(), u.CreatedAt, u.UpdatedAt);

    private static TokenView View(AccessToken t, DateTimeOffset now) =>
        new(t.Id, t.Name, t.User, t.Role.Name(), t.CreatedAt, t.CreatedBy, t.ExpiresAt, t.LastUsedAt, t.ExpiresAt is { } e && e <= now);

    private static SessionView View(Session s, Caller caller) =>
        new(s.Id, s.User, s.CreatedAt, s.ExpiresAt, s.LastSeenAt, s.Address, s.Agent, caller.Kind == CallerKind.Session && caller.CredentialId == s.Id);
}
