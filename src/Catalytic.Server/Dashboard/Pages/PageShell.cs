using System.Text;
using System.Text.Encodings.Web;
using Catalytic.Identity.Accounts;
using Catalytic.Identity.Roles;
using Catalytic.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Dashboard.Pages;

/// <summary>A dashboard page as endpoint metadata: its name (which script module draws it) and its title.</summary>
internal sealed record DashboardPage(string Name, string Title);

/// <summary>
/// The HTML every page shares: the header with the navigation and who is signed in, the theme switch, and the page's
/// module. Everything a person could have typed is HTML-encoded here; the scripts write text with textContent, never
/// markup. No inline script or style (the Content-Security-Policy forbids both): the page's data reaches its module
/// through data- attributes and the JSON it fetches.
/// </summary>
internal static class PageShell
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    private static readonly (string Href, string Label, string Page, Role Needs)[] Nav =
    [
        ("/deployments", "Deployments", "deployments", Role.Viewer),
        ("/runs", "Runs", "run", Role.Viewer),
        ("/workers", "Workers", "workers", Role.Viewer),
        ("/dispatch", "Dispatch", "dispatch", Role.Developer),
        ("/checks", "Checks", "checks", Role.Viewer),
        ("/alerts", "Alerts", "alerts", Role.Viewer),
        ("/notifications", "Notifications", "notifications", Role.Viewer),
        ("/settings", "Settings", "settings", Role.Admin),
    ];

    /// <summary>Writes a page for <paramref name="caller"/> (null on the sign-in page).</summary>
    /// <param name="data">Extra data- attributes for the page's module (names without the prefix), encoded here.</param>
    public static Task WriteAsync(HttpContext http, DashboardPage page, Caller? caller, string? csrf, IReadOnlyDictionary<string, string>? data = null, int status = StatusCodes.Status200OK, string? body = null)
    {
        var s = new StringBuilder(4096);
        s.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">")
            .Append("<title>").Append(Html.Encode(page.Title)).Append(" · Catalytic</title>")
            .Append("<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">")
            .Append("<link rel=\"stylesheet\" href=\"/assets/dashboard.css\">")
            .Append("<script type=\"module\" src=\"/assets/app.js\"></script>");
        if (csrf is not null)
        {
            s.Append("<meta name=\"csrf-token\" content=\"").Append(Html.Encode(csrf)).Append("\">");
        }

        s.Append("</head><body data-page=\"").Append(Html.Encode(page.Name)).Append('"');
        if (caller is not null)
        {
            s.Append(" data-user=\"").Append(Html.Encode(caller.Name)).Append("\" data-role=\"").Append(Html.Encode(caller.Role.Name())).Append('"');
        }

        foreach (var (k, v) in data ?? new Dictionary<string, string>())
        {
            s.Append(" data-").Append(k).Append("=\"").Append(Html.Encode(v)).Append('"');
        }

        s.Append("><a class=\"skip\" href=\"#main\">Skip to content</a><header class=\"top\"><a class=\"brand\" href=\"/\">")
            .Append("<img src=\"/assets/icon.svg\" alt=\"\" width=\"22\" height=\"22\"> Catalytic</a>");
        if (caller is not null)
        {
            s.Append("<nav aria-label=\"Main\"><ul>");
            foreach (var (href, label, name, needs) in Nav)
            {
                if (caller.Role.Includes(needs))
                {
                    s.Append("<li><a href=\"").Append(href).Append('"').Append(name == page.Name || page.Name.StartsWith(name, StringComparison.Ordinal) ? " aria-current=\"page\"" : "")
                        .Append('>').Append(label).Append("</a></li>");
                }
            }

            s.Append("</ul></nav><div class=\"who\"><span class=\"user\" title=\"signed in\">").Append(Html.Encode(caller.Name))
                .Append(" <span class=\"role\">").Append(Html.Encode(caller.Role.Name())).Append("</span></span>")
                .Append("<button type=\"button\" class=\"theme\" aria-label=\"Switch between light and dark\">◐</button>");
            if (caller.Kind == CallerKind.Session)
            {
                s.Append("<button type=\"button\" class=\"sign-out\">Sign out</button>");
            }

            s.Append("</div>");
        }
        else
        {
            s.Append("<div class=\"who\"><button type=\"button\" class=\"theme\" aria-label=\"Switch between light and dark\">◐</button></div>");
        }

        s.Append("</header><main id=\"main\" tabindex=\"-1\"><h1>").Append(Html.Encode(page.Title)).Append("</h1>")
            .Append(body ?? "<div id=\"view\"><p class=\"loading\">Loading…</p></div>")
            .Append("<p id=\"live\" class=\"live\" role=\"status\" aria-live=\"polite\"></p></main></body></html>\n");
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(s.ToString(), http.RequestAborted);
    }

    /// <summary>The CSRF token of the request's browser session, for the page's state-changing requests.</summary>
    public static string? Csrf(HttpContext http) => http.Features.Get<CallerFeature>()?.CsrfToken;

    /// <summary>Encodes text for HTML.</summary>
    public static string Encode(string s) => Html.Encode(s);
}
