using Catalytic.Contracts.Access;
using Catalytic.Identity.Tokens;
using Catalytic.Server.Api;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Auth;

/// <summary>
/// What keeps another site from acting through a signed-in browser, and a page from being framed or sniffed.
/// <para>
/// CSRF: a state-changing request (anything but GET, HEAD, OPTIONS, TRACE) authenticated by the session cookie must
/// carry the session's CSRF token in <see cref="AccessRoutes.CsrfHeader"/> or, for a form post,
/// <see cref="AccessRoutes.CsrfFormField"/>, and when the browser names an Origin it must be this server's. The cookie
/// is SameSite=Strict as well; the token is what holds even where SameSite does not (older browsers, same-site
/// attackers on another port). A bearer token needs none of this: a browser never adds one on its own.
/// </para>
/// <para>
/// ASP.NET Core's antiforgery would need a Data Protection key ring shared by every node and kept across restarts;
/// the session-bound token (<see cref="Secrets.CsrfToken"/>) needs neither, which is why it is used here.
/// </para>
/// </summary>
internal static class BrowserProtection
{
    /// <summary>The headers every answer of the API server carries.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers { get; } =
    [
        new("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        new("X-Content-Type-Options", "nosniff"),
        new("X-Frame-Options", "DENY"),
        new("Referrer-Policy", "no-referrer"),
        new("Cross-Origin-Opener-Policy", "same-origin"),
        new("Cross-Origin-Resource-Policy", "same-origin"),
        new("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ];

    /// <summary>Sets <see cref="Headers"/> (and HSTS under TLS, no-store for the API) on every answer, whatever writes it.</summary>
    public static Task SecurityHeaders(HttpContext http, RequestDelegate next)
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            foreach (var (name, value) in Headers)
            {
                headers[name] = value;
            }

            if (http.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }

            if (http.Request.Path.StartsWithSegments("/api") && !headers.ContainsKey("Cache-Control"))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });
        return next(http);
    }

    /// <summary>Refuses (403) a cookie-authenticated state-changing request without the session's CSRF token or from another origin.</summary>
    public static async Task Csrf(HttpContext http, RequestDelegate next)
    {
        var expected = http.Features.Get<CallerFeature>()?.CsrfToken;
        if (expected is null || IsSafe(http.Request.Method))
        {
            await next(http);
            return;
        }

        if (!SameOrigin(http))
        {
            await ApiResults.Forbidden("a signed-in browser's request from another origin is refused", "origin").ExecuteAsync(http);
            return;
        }

        string? sent = http.Request.Headers[AccessRoutes.CsrfHeader];
        if (sent is null && http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            sent = form[AccessRoutes.CsrfFormField];
        }

        if (!Secrets.FixedTimeEquals(sent, expected))
        {
            await ApiResults.Forbidden($"missing or wrong CSRF token: a signed-in browser's {http.Request.Method} carries the session's token (GET {AccessRoutes.Session}) in {AccessRoutes.CsrfHeader}", "csrf").ExecuteAsync(http);
            return;
        }

        await next(http);
    }

    /// <summary>
    /// False when the browser says the request comes from another site: an Origin header naming another origin, or
    /// Sec-Fetch-Site cross-site. Clients that send neither (curl, the CLI) are not browsers and pass.
    /// </summary>
    public static bool SameOrigin(HttpContext http)
    {
        if (http.Request.Headers["Sec-Fetch-Site"].ToString() is "cross-site")
        {
            return false;
        }

        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var o) &&
            string.Equals(o.Scheme, http.Request.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(o.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
}
