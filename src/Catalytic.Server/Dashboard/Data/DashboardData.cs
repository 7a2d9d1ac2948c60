using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Status;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Storage;
using Catalytic.Identity.Accounts;
using Catalytic.Identity.Roles;
using Catalytic.Server.Api;
using Catalytic.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Dashboard.Data;

/// <summary>
/// The JSON the dashboard's pages draw (under /api/dashboard). Unlike /api/status, which carries each environment's
/// whole history with every event, these answer one screen: the environments and a page of deployments without
/// events, or one deployment with its events and analysis — a bounded number of store reads whatever the store holds.
/// </summary>
internal static class DashboardData
{
    public static async Task<IResult> DeploymentsAsync(HttpContext http, string? app, string? environment, int? limit, DeliveryEngine engine, IDeliveryStore store, CancellationToken ct)
    {
        var config = engine.LoadConfig().Value ?? engine.Config;
        var caller = http.Caller();
        var lives = await store.ListLiveAsync(ct);
        var cards = new List<EnvironmentCard>();
        foreach (var a in config?.Apps ?? [])
        {
            foreach (var e in a.Environments)
            {
                var state = engine.State(a.Name, e.Name);
                cards.Add(new EnvironmentCard(
                    a.Name, e.Name, e.Listen, DeliveryConfigParser.StrategyName(e.Strategy), e.ApprovalRequired,
                    lives.FirstOrDefault(l => l.App == a.Name && l.Environment == e.Name)?.Version,
                    state.Active?.Id,
                    state.Warm?.Version,
                    [.. engine.Supervisor.Instances.Where(i => i.App == a.Name && i.Environment == e.Name).OrderBy(i => i.Version, StringComparer.Ordinal).ThenBy(i => i.Port)
                        .Select(i => new InstanceView(i.Id, i.Version, i.Port, i.Health.ToString().ToLowerInvariant(), i.Restarts, i.Pid))],
                    [.. state.Plan.Select(p => new TrafficView(p.Version, p.Weight, p.Instances.Length))],
                    // The rule from the configuration read above: asking IApprovalRules would read catalytic.yml again per environment.
                    e.ApprovalRequired ? DeliveryApprovalRules.Rule(e.Approvers).Refusal(caller, requestedBy: null) is null : caller.Role.Includes(Role.Developer)));
            }
        }

        var history = await store.ListDeploymentsAsync(Blank(app), Blank(environment), Math.Clamp(limit ?? 50, 1, 500), ct);
        return TypedResults.Json(new DeploymentsPage(cards, [.. history.Select(d => ApiResults.View(d))]), DashboardJson.Default.DeploymentsPage);
    }

    public static async Task<IResult> DeploymentAsync(HttpContext http, string id, DeliveryEngine engine, IDeliveryStore store, IApprovalRules rules, CancellationToken ct)
    {
        if (await store.GetDeploymentAsync(id, ct) is not { } d)
        {
            return ApiResults.Problem(ApiProblems.NotFound, $"no deployment '{id}'", "id");
        }

        var view = await ApiResults.ViewAsync(d, store, ct);
        var state = engine.State(d.App, d.Environment);
        var active = state.Active?.Id == d.Id;
        return TypedResults.Json(new DeploymentPage(
            view,
            AnalysisSeries.From(view.Events ?? []),
            rules.For(d.App, d.Environment) is not null,
            CanDecide(http.Caller(), d.App, d.Environment, d.RequestedBy, rules),
            view.IsWaiting && active,
            active), DashboardJson.Default.DeploymentPage);
    }

    /// <summary>
    /// What the Approver policy decides for this environment (PolicyHandler), and prevent-self-review for a named
    /// requester: a protected environment follows its rule, an unprotected one is a developer's.
    /// </summary>
    public static bool CanDecide(Caller caller, string app, string environment, string? requestedBy, IApprovalRules rules) =>
        rules.For(app, environment) is { } rule ? rule.Refusal(caller, requestedBy) is null : caller.Role.Includes(Role.Developer);

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
