namespace Catalytic.Contracts.Deployments;

/// <summary>
/// The states of a deployment as the API names them (kebab-case), which are terminal, and the exit code each one
/// gives `catalytic deploy`, `approve` and the `catalytic/deploy@v1` step.
/// </summary>
public static class DeploymentStateNames
{
    /// <summary>Recorded, nothing started yet.</summary>
    public const string Pending = "pending";

    /// <summary>Held at a gate until a person decides.</summary>
    public const string WaitingForApproval = "waiting-for-approval";

    /// <summary>Instances starting, checks, traffic moving.</summary>
    public const string InProgress = "in-progress";

    /// <summary>The new release takes traffic and is being judged.</summary>
    public const string Analysing = "analysing";

    /// <summary>The new release is live.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Stopped before production traffic moved.</summary>
    public const string Failed = "failed";

    /// <summary>Traffic went back to the previous release.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>A person rejected it at the gate.</summary>
    public const string Rejected = "rejected";

    /// <summary>Cancelled before it finished.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>A newer deployment to the same environment replaced it.</summary>
    public const string Superseded = "superseded";

    /// <summary>Every state name, in the order a deployment can reach them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Pending, WaitingForApproval, InProgress, Analysing, Succeeded, Failed, RolledBack, Rejected, Cancelled, Superseded];

    /// <summary>True when <paramref name="state"/> never changes again (a client waiting for it stops there).</summary>
    public static bool IsTerminal(string state) =>
        state is Succeeded or Failed or RolledBack or Rejected or Cancelled or Superseded;

    /// <summary>
    /// The exit code of a verb or step that waited for a deployment: 0 succeeded, 3 waiting for approval, 1 anything
    /// else (failed, rolled back, rejected, cancelled, superseded — or still running when the wait was cut short).
    /// </summary>
    public static int ExitCode(string state) => state switch
    {
        Succeeded => ExitCodes.Success,
        WaitingForApproval => ExitCodes.WaitingForApproval,
        _ => ExitCodes.Failure,
    };
}
