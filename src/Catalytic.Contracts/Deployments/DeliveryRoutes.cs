namespace Catalytic.Contracts.Deployments;

/// <summary>
/// Where the delivery API's resources live. The server maps the templates; clients build paths with the functions,
/// so a renamed route breaks the build of both sides instead of one of them at run time.
/// </summary>
public static class DeliveryRoutes
{
    /// <summary>Unauthenticated liveness probe: answers "ok".</summary>
    public const string Health = "/api/health";

    /// <summary>Everything under it needs the bearer token.</summary>
    public const string Api = "/api";

    /// <summary>POST a <see cref="DeployBody"/>; GET the list (?app=&amp;environment=&amp;limit=).</summary>
    public const string Deployments = "/deployments";

    /// <summary>
    /// POST the artifact folder as a tar stream (<c>application/x-tar</c>, ?app=&amp;environment=&amp;version=&amp;strategy=):
    /// deploys it as <see cref="Deployments"/> deploys a folder of the server's machine. How a job on a remote worker deploys.
    /// </summary>
    public const string DeploymentUploads = "/deployments/upload";

    /// <summary>GET one deployment with its events and approvals.</summary>
    public const string Deployment = "/deployments/{id}";

    /// <summary>The group of one (app, environment).</summary>
    public const string Environment = "/apps/{app}/environments/{environment}";

    /// <summary>POST a <see cref="DecisionBody"/> (relative to <see cref="Environment"/>).</summary>
    public const string Approve = "/approve";

    /// <summary>POST a <see cref="DecisionBody"/> (relative to <see cref="Environment"/>).</summary>
    public const string Reject = "/reject";

    /// <summary>POST a <see cref="RollbackBody"/> (relative to <see cref="Environment"/>).</summary>
    public const string Rollback = "/rollback";

    /// <summary>GET text lines, ?follow=true&amp;tail=N (relative to <see cref="Environment"/>).</summary>
    public const string Logs = "/logs";

    /// <summary>GET a <see cref="Status.StatusView"/> (?app=&amp;environment=).</summary>
    public const string Status = "/status";

    /// <summary>Prometheus text exposition, unauthenticated on loopback.</summary>
    public const string Metrics = "/metrics";

    /// <summary>The relative path (no leading slash) of one deployment.</summary>
    public static string DeploymentPath(string id) => $"api/deployments/{Uri.EscapeDataString(id)}";

    /// <summary>The relative path (with its query) of an upload of (app, environment)'s artifact.</summary>
    public static string DeploymentUploadPath(string app, string environment, string? version, string? strategy) =>
        "api" + DeploymentUploads + $"?app={Uri.EscapeDataString(app)}&environment={Uri.EscapeDataString(environment)}"
        + (version is null ? "" : "&version=" + Uri.EscapeDataString(version)) + (strategy is null ? "" : "&strategy=" + Uri.EscapeDataString(strategy));

    /// <summary>The relative path of POST /api/deployments.</summary>
    public static string DeploymentsPath => "api" + Deployments;

    /// <summary>The relative path of an (app, environment) resource such as <see cref="Approve"/>.</summary>
    public static string EnvironmentPath(string app, string environment, string resource) =>
        $"api/apps/{Uri.EscapeDataString(app)}/environments/{Uri.EscapeDataString(environment)}{resource}";

    /// <summary>The relative path of the status document, optionally filtered.</summary>
    public static string StatusPath(string? app, string? environment)
    {
        var q = new List<string>();
        if (app is not null)
        {
            q.Add("app=" + Uri.EscapeDataString(app));
        }

        if (environment is not null)
        {
            q.Add("environment=" + Uri.EscapeDataString(environment));
        }

        return "api" + Status + (q.Count > 0 ? "?" + string.Join("&", q) : "");
    }
}
