using System.Text.Json.Serialization;

namespace Catalytic.Contracts.Deployments;

/// <summary>A deployment as the API shows it; <see cref="State"/> is one of <see cref="DeploymentStateNames"/>.</summary>
/// <param name="RequestedBy">Who asked for it, as the server authenticated them.</param>
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
    IReadOnlyList<ApprovalView>? Approvals = null,
    string? RequestedBy = null)
{
    /// <summary>True when the state never changes again.</summary>
    [JsonIgnore]
    public bool IsTerminal => DeploymentStateNames.IsTerminal(State);

    /// <summary>True while a person's decision is awaited.</summary>
    [JsonIgnore]
    public bool IsWaiting => State == DeploymentStateNames.WaitingForApproval;

    /// <summary>The exit code of a verb that waited for this deployment (see <see cref="DeploymentStateNames.ExitCode"/>).</summary>
    [JsonIgnore]
    public int ExitCode => DeploymentStateNames.ExitCode(State);
}

/// <summary>One line of a deployment's history.</summary>
public sealed record EventView(DateTimeOffset At, string State, string Message);

/// <summary>A recorded decision at a gate.</summary>
public sealed record ApprovalView(string By, bool Approved, DateTimeOffset At, string? Comment);
