namespace Catalytic.Delivery.Model;

/// <summary>Where a deployment is. Terminal states never change again.</summary>
public enum DeploymentState
{
    /// <summary>Recorded, nothing started yet.</summary>
    Pending,

    /// <summary>Held at the approval gate (or paused by inconclusive analysis) until a person decides.</summary>
    WaitingForApproval,

    /// <summary>Instances starting, health and smoke checks, traffic moving.</summary>
    InProgress,

    /// <summary>The new release takes traffic and is being judged.</summary>
    Analysing,

    /// <summary>The new release is live.</summary>
    Succeeded,

    /// <summary>Stopped before production traffic moved (health, smoke, pre-deploy…); the previous release still serves.</summary>
    Failed,

    /// <summary>Traffic went back to the previous release.</summary>
    RolledBack,

    /// <summary>A person rejected it at the gate.</summary>
    Rejected,

    /// <summary>Cancelled before it finished (e.g. a rollback asked for while it waited its turn).</summary>
    Cancelled,

    /// <summary>A newer deployment to the same environment replaced it; its traffic went back to the release live before it.</summary>
    Superseded,
}

/// <summary>Names and tests of <see cref="DeploymentState"/>.</summary>
public static class DeploymentStates
{
    /// <summary>The kebab-case name used in the API, the CLI and the store (e.g. waiting-for-approval).</summary>
    public static string Name(this DeploymentState s) => s switch
    {
        DeploymentState.Pending => "pending",
        DeploymentState.WaitingForApproval => "waiting-for-approval",
        DeploymentState.InProgress => "in-progress",
        DeploymentState.Analysing => "analysing",
        DeploymentState.Succeeded => "succeeded",
        DeploymentState.Failed => "failed",
        DeploymentState.RolledBack => "rolled-back",
        DeploymentState.Rejected => "rejected",
        DeploymentState.Superseded => "superseded",
        _ => "cancelled",
    };

    /// <summary>Parses a name produced by <see cref="Name"/>.</summary>
    public static DeploymentState Parse(string name) =>
        Enum.GetValues<DeploymentState>().FirstOrDefault(s => s.Name() == name, DeploymentState.Cancelled);

    /// <summary>True when the state never changes again.</summary>
    public static bool IsTerminal(this DeploymentState s) =>
        s is DeploymentState.Succeeded or DeploymentState.Failed or DeploymentState.RolledBack or DeploymentState.Rejected or DeploymentState.Cancelled or DeploymentState.Superseded;
}

/// <summary>An immutable release: an artifact copied into the release store under a version.</summary>
/// <param name="Path">The release folder (.catalytic/releases/APP/VERSION); instances start inside it.</param>
public sealed record Release(string App, string Version, string Path, DateTimeOffset CreatedAt);

/// <summary>One attempt to make <see cref="Version"/> live in (App, Environment).</summary>
/// <param name="Id">Short unique id, e.g. d-20261127-154301-ab12.</param>
/// <param name="PreviousVersion">What was live when it started (null for the first deployment).</param>
/// <param name="Strategy">rolling, blue-green, canary or rollback.</param>
/// <param name="Reason">The latest human-readable reason (why it is in <see cref="State"/>).</param>
/// <param name="RequestedBy">Who asked for it, as the server authenticated them (an environment that prevents self-review refuses their approval).</param>
public sealed record Deployment(
    string Id,
    string App,
    string Environment,
    string Version,
    string? PreviousVersion,
    string Strategy,
    DeploymentState State,
    string Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? RequestedBy = null);

/// <summary>One line of a deployment's history: a state change or an observation, with the numbers measured.</summary>
public sealed record DeploymentEvent(string DeploymentId, DateTimeOffset At, DeploymentState State, string Message);

/// <summary>A person's decision at a gate.</summary>
public sealed record Approval(string DeploymentId, bool Approved, string By, DateTimeOffset At, string? Comment);

/// <summary>The version that serves (App, Environment), and the deployment that made it live.</summary>
public sealed record LiveVersion(string App, string Environment, string Version, string DeploymentId, DateTimeOffset Since);
