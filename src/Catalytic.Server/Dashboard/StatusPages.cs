using Catalytic.Server.Auth;
using Catalytic.Server.Dashboard.Pages;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Dashboard;

/// <summary>
/// The dashboard's status pages: /checks (each check's verdict, locations, uptime over 24 hours and 90 days, the last
/// probe's conditions) and /alerts (the active alerts, with acknowledge and silence for developers and above, and the
/// silences), and /notifications (the outbox: what was sent, what is retrying or failed, with Retry now for developers and
/// above; the channels and routes configured). Their modules (Assets/pages/checks.js, alerts.js, notifications.js) read the status API (Status/StatusEndpoints), which
/// decides who may do what; the pages only leave out the buttons a role may not use.
/// </summary>
internal static class StatusPages
{
    /// <summary>Maps the pages for viewers and above.</summary>
    public static IEndpointRouteBuilder MapStatusPages(this IEndpointRouteBuilder routes)
    {
        DashboardEndpoints.Page(routes, "/checks", new DashboardPage("checks", "Checks"), Policies.Viewer);
        DashboardEndpoints.Page(routes, "/alerts", new DashboardPage("alerts", "Alerts"), Policies.Viewer);
        DashboardEndpoints.Page(routes, "/notifications", new DashboardPage("notifications", "Notifications"), Policies.Viewer);
        return routes;
    }
}
