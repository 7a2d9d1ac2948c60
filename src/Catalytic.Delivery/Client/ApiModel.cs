using System.Text.Json;
using System.Text.Json.Serialization;

namespace Catalytic.Delivery.Client;

/// <summary>Body of POST /api/deployments.</summary>
/// <param name="Artifact">Absolute path of the artifact folder on the server's machine.</param>
public sealed record DeployBody(string App, string Environment, string Artifact, string? Version = null, string? Strategy = null, string? By = null);

/// <summary>Body of POST …/approve and …/reject.</summary>
public sealed record DecisionBody(string? Id = null, string? By = null, string? Comment = null);

/// <summary>Body of POST …/rollback.</summary>
public sealed record RollbackBody(string? To = null, string? By = null);

/// <summary>A deployment as the API shows it; <see cref="State"/> is kebab-case (waiting-for-approval…).</summary>
public sealed record DeploymentView(
    string Id,
    string App,
    string Environment,
    string Version,
    string? PreviousVersion,
    string Strategy,
    string State,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<EventView>? Events = null,
    IReadOnlyList<ApprovalView>? Approvals = null)
{
    /// <summary>True when the state never changes again.</summary>
    [JsonIgnore]
    public bool IsTerminal => State is "succeeded" or "failed" or "rolled-back" or "rejected" or "cancelled" or "superseded";

    /// <summary>True while a person's decision is awaited.</summary>
    [JsonIgnore]
    public bool IsWaiting => State == "waiting-for-approval";
}

/// <summary>One line of a deployment's history.</summary>
public sealed record EventView(DateTimeOffset At, string State, string Message);

/// <summary>A recorded decision at a gate.</summary>
public sealed record ApprovalView(string By, bool Approved, DateTimeOffset At, string? Comment);

/// <summary>Answer of GET /api/status.</summary>
public sealed record StatusView(IReadOnlyList<EnvironmentStatusView> Environments);

/// <summary>The state of one (app, environment).</summary>
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
    IReadOnlyList<DeploymentView> History);

/// <summary>A running instance.</summary>
public sealed record InstanceView(string Id, string Version, int Port, string Health, int Restarts, int Pid);

/// <summary>A version's share of traffic.</summary>
public sealed record TrafficView(string Version, int Weight, int Instances);

/// <summary>Written by `catalytic serve` to .catalytic/server.json: where its API listens.</summary>
public sealed record ServerInfo(string Url, int Pid, DateTimeOffset StartedAt);

/// <summary>An RFC 7807 problem as the API returns it, with the field at fault.</summary>
public sealed record ProblemView(string? Type, string? Title, int? Status, string? Detail, string? Field, IReadOnlyList<string>? Errors);

/// <summary>Source-generated JSON for the delivery API (server and clients share it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(DeployBody))]
[JsonSerializable(typeof(DecisionBody))]
[JsonSerializable(typeof(RollbackBody))]
[JsonSerializable(typeof(DeploymentView))]
[JsonSerializable(typeof(IReadOnlyList<DeploymentView>))]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(ProblemView))]
public sealed partial class DeliveryJson : JsonSerializerContext;
