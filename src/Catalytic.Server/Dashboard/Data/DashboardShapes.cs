using System.Text.Json;
using System.Text.Json.Serialization;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Status;

namespace Catalytic.Server.Dashboard.Data;

/// <summary>One environment on the deployments page: what is live, the traffic now, the instances, who may act.</summary>
/// <param name="Approval">True when the environment requires an approval.</param>
/// <param name="CanDecide">The caller may approve, reject and roll back here (the page shows the buttons; the API checks again).</param>
internal sealed record EnvironmentCard(
    string App,
    string Environment,
    string Listen,
    string Strategy,
    bool Approval,
    string? LiveVersion,
    string? ActiveDeployment,
    string? WarmVersion,
    IReadOnlyList<InstanceView> Instances,
    IReadOnlyList<TrafficView> Traffic,
    bool CanDecide);

/// <summary>The deployments page: every environment, and the newest deployments (a page of them, without events).</summary>
internal sealed record DeploymentsPage(IReadOnlyList<EnvironmentCard> Environments, IReadOnlyList<DeploymentView> History);

/// <summary>One deployment's page: the deployment with its events and approvals, its analysis, and what the caller may do.</summary>
internal sealed record DeploymentPage(DeploymentView Deployment, AnalysisView Analysis, bool Approval, bool CanDecide, bool Waiting, bool Active);

/// <summary>The dashboard's own JSON (source-generated, as every answer of the server).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeploymentsPage))]
[JsonSerializable(typeof(DeploymentPage))]
internal sealed partial class DashboardJson : JsonSerializerContext;
