using Catalytic.Identity.Roles;
using Catalytic.Server.Auth;
using Catalytic.Server.Dashboard.Data;
using Catalytic.Server.Dashboard.Live;
using Catalytic.Server.Dashboard.Pages;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Catalytic.Server.Dashboard;

/// <summary>
/// The web dashboard served by `catalytic serve` at /: server-rendered page shells, small script modules that draw
/// the data the API answers (embedded assets under /assets), and live updates over Server-Sent Events. The pages
/// name their policy as the API does; a browser without a session is sent to the sign-in page instead of a 401.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Where a browser without a session is sent.</summary>
    public const string SignIn = "/sign-in";

    /// <summary>Registers what the pages need (the sign-in redirect in front of the API's problem answers).</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton<ProblemAuthorizationResults>();
        // Registered after AddCatalyticAuth's: the last registration is the one the authorization middleware uses.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PageAuthorizationResults>();
        return services;
    }

    /// <summary>Maps the pages, their assets, their JSON and their event stream.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/assets/{**path}", (HttpContext http, string path) => AssetFiles.ServeAsync(http, path))
            .Public("the dashboard's scripts and styles: the same bytes for everyone, no data");
        routes.MapGet(SignIn, (HttpContext http) => PageShell.WriteAsync(http, new DashboardPage("sign-in", "Sign in"), null, null))
            .Public("the sign-in form: no data; signing in is POST /api/session");
        routes.MapGet("/", () => TypedResults.Redirect("/deployments")).Require(Policies.Viewer).WithMetadata(new DashboardPage("home", "Catalytic"));

        Page(routes, "/deployments", new DashboardPage("deployments", "Deployments"), Policies.Viewer);
        Page(routes, "/deployments/{id}", new DashboardPage("deployment", "Deployment"), Policies.Viewer, "id");
        Page(routes, "/apps/{app}/environments/{environment}/logs", new DashboardPage("logs", "Logs"), Policies.Viewer, "app", "environment");
        Page(routes, "/runs", new DashboardPage("runs", "Runs"), Policies.Viewer);
        Page(routes, "/runs/{id:long}", new DashboardPage("run", "Run"), Policies.Viewer, "id");
        Page(routes, "/workers", new DashboardPage("workers", "Workers"), Policies.Viewer);
        Page(routes, "/dispatch", new DashboardPage("dispatch", "Dispatch a workflow"), Policies.Developer);
        Page(routes, "/settings", new DashboardPage("settings", "Settings"), Policies.Admin);
        routes.MapStatusPages();

        var api = routes.MapGroup("/api/dashboard");
        api.MapGet("/deployments", DashboardData.DeploymentsAsync).Require(Policies.Viewer);
        api.MapGet("/deployments/{id}", DashboardData.DeploymentAsync).Require(Policies.Viewer);
        api.MapGet("/events", DashboardEvents.StreamAsync).Require(Policies.Viewer);
        return routes;
    }

    /// <summary>A page: its shell, with the route values its module needs as data- attributes.</summary>
    internal static void Page(IEndpointRouteBuilder routes, string pattern, DashboardPage page, string policy, params string[] values) =>
        routes.MapGet(pattern, (HttpContext http) =>
        {
            var data = values.ToDictionary(v => v, v => http.Request.RouteValues[v]?.ToString() ?? "", StringComparer.Ordinal);
            return PageShell.WriteAsync(http, page, http.Caller(), PageShell.Csrf(http), data);
        }).Require(policy).WithMetadata(page);
}

/// <summary>
/// Refusals of a page are answered for a person: no session → 303 to the sign-in page (with the page to come back
/// to), a role that may not → a 403 page saying so. Everything else (the API) gets the problem documents of
/// <see cref="ProblemAuthorizationResults"/>.
/// </summary>
internal sealed class PageAuthorizationResults(ProblemAuthorizationResults api) : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || context.GetEndpoint()?.Metadata.GetMetadata<DashboardPage>() is not { } page)
        {
            return api.HandleAsync(next, context, policy, authorizeResult);
        }

        if (authorizeResult.Forbidden && context.Features.Get<CallerFeature>()?.Caller is { } caller)
        {
            return PageShell.WriteAsync(context, new DashboardPage("forbidden", "Not allowed"), caller, PageShell.Csrf(context), status: StatusCodes.Status403Forbidden,
                body: $"<p>{PageShell.Encode($"{caller.Name} ({caller.Role.Name()}) may not open {page.Title}.")}</p><p><a href=\"/\">Back to the dashboard</a></p>");
        }

        var back = context.Request.Path + context.Request.QueryString;
        context.Response.Redirect(DashboardEndpoints.SignIn + "?next=" + Uri.EscapeDataString(back.ToString()));
        return Task.CompletedTask;
    }
}
