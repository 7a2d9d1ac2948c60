namespace Catalytic.Contracts.Status;

/// <summary>Answer of GET /api/status.</summary>
public sealed record StatusView(IReadOnlyList<EnvironmentStatusView> Environments);

/// <summary>The state of one (app, environment).</summary>
/// <param name="ActiveDeployment">The deployment running now (or waiting at a gate), if any.</param>
/// <param name="WarmVersion">The previous release still running after a switch, so a rollback is one swap.</param>
public sealed record EnvironmentStatusView(
    string App,
    string Environment,
    string Listen,
    string Strategy,
    string? LiveVersion,
    string? ActiveDeployment,
    string? WarmVersion,
    IReadOnlyList<InstanceView> Instances,
    IReadOnlyList<TrafficView> Traffic,
    IReadOnlyList<Deployments.DeploymentView> History);

/// <summary>A running instance.</summary>
/// <param name="Health">starting, healthy, unhealthy, crashed or stopped.</param>
public sealed record InstanceView(string Id, string Version, int Port, string Health, int Restarts, int Pid);

/// <summary>A version's share of traffic.</summary>
public sealed record TrafficView(string Version, int Weight, int Instances);
