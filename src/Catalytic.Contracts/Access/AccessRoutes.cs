namespace Catalytic.Contracts.Access;

/// <summary>
/// Where sign-in, users, tokens, sessions and the audit log live in the API. The server maps the templates; clients
/// build paths with the functions.
/// </summary>
public static class AccessRoutes
{
    /// <summary>GET: who the caller is (and a session's CSRF token); POST a <see cref="LoginBody"/>: sign in (sets the cookie); DELETE: sign out.</summary>
    public const string Session = "/api/session";

    /// <summary>GET the users; POST an <see cref="AddUserBody"/>.</summary>
    public const string Users = "/api/users";

    /// <summary>PATCH an <see cref="UpdateUserBody"/>; DELETE removes the user.</summary>
    public const string User = "/api/users/{name}";

    /// <summary>GET the tokens (?user=); POST a <see cref="CreateTokenBody"/>.</summary>
    public const string Tokens = "/api/tokens";

    /// <summary>DELETE revokes the token.</summary>
    public const string Token = "/api/tokens/{id}";

    /// <summary>GET the live sessions (?user=).</summary>
    public const string Sessions = "/api/sessions";

    /// <summary>DELETE ends the session.</summary>
    public const string SessionById = "/api/sessions/{id}";

    /// <summary>GET audit entries, newest first (?limit=&amp;before=&amp;actor=&amp;action=).</summary>
    public const string Audit = "/api/audit";

    /// <summary>The session cookie's name (without TLS; <c>__Host-</c> prefixed under TLS).</summary>
    public const string SessionCookie = "catalytic_session";

    /// <summary>The session cookie's name under TLS: the <c>__Host-</c> prefix makes the browser insist on Secure, Path=/ and no Domain.</summary>
    public const string SecureSessionCookie = "__Host-catalytic_session";

    /// <summary>The header a cookie-authenticated state-changing request carries its CSRF token in.</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>The form field a cookie-authenticated form post carries its CSRF token in.</summary>
    public const string CsrfFormField = "_csrf";

    /// <summary>The relative path of one user.</summary>
    public static string UserPath(string name) => "api/users/" + Uri.EscapeDataString(name);

    /// <summary>The relative path of one token.</summary>
    public static string TokenPath(string id) => "api/tokens/" + Uri.EscapeDataString(id);

    /// <summary>The relative path of one session.</summary>
    public static string SessionPath(string id) => "api/sessions/" + Uri.EscapeDataString(id);

    /// <summary>The relative path of the token list, optionally of one user.</summary>
    public static string TokensPath(string? user) => "api/tokens" + (user is null ? "" : "?user=" + Uri.EscapeDataString(user));

    /// <summary>The relative path of an audit page.</summary>
    public static string AuditPath(int limit, long? before = null, string? actor = null, string? action = null)
    {
        var q = new List<string> { "limit=" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (before is { } b)
        {
            q.Add("before=" + b.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (actor is not null)
        {
            q.Add("actor=" + Uri.EscapeDataString(actor));
        }

        if (action is not null)
        {
            q.Add("action=" + Uri.EscapeDataString(action));
        }

        return "api/audit?" + string.Join("&", q);
    }
}
