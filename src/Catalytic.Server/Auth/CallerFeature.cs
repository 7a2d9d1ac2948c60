using System.Security.Claims;
using Catalytic.Identity.Accounts;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Auth;

/// <summary>The authenticated caller of a request, and for a browser session the CSRF token its state-changing requests must carry.</summary>
public sealed record CallerFeature(Caller Caller, string? CsrfToken)
{
    /// <summary>The principal ASP.NET Core's authorization sees (name and role).</summary>
    public ClaimsPrincipal Principal() => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, Caller.Name), new Claim(ClaimTypes.Role, Caller.Role.ToString()), new Claim("catalytic:kind", Caller.KindName)],
        CredentialsHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role));
}

/// <summary>Who is calling: what an endpoint records an action under (never a name from the request body).</summary>
public static class CallerExtensions
{
    /// <summary>
    /// The authenticated caller. Throws when there is none: every endpoint but the public ones requires credentials,
    /// so reaching this without a caller is a mapping bug, not a client's error.
    /// </summary>
    public static Caller Caller(this HttpContext http) =>
        http.Features.Get<CallerFeature>()?.Caller ?? throw new InvalidOperationException($"no authenticated caller for {http.Request.Path}: is the endpoint missing .Require(…)?");

    /// <summary>The caller when there is one (public endpoints).</summary>
    public static Caller? CallerOrNull(this HttpContext http) => http.Features.Get<CallerFeature>()?.Caller;

    /// <summary>
    /// The client's address as this server sees it (the TCP peer). Forwarded-for headers are not trusted: anyone could
    /// write them, and the address feeds login throttling and the audit log.
    /// </summary>
    public static string ClientAddress(this HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "";
}
