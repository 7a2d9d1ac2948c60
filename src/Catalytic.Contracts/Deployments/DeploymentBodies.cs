namespace Catalytic.Contracts.Deployments;

// Who asks is never in a body: the server records the authenticated caller (a `by` a client still sends is ignored).

/// <summary>Body of POST /api/deployments.</summary>
/// <param name="Artifact">Absolute path of the artifact folder on the server's machine.</param>
public sealed record DeployBody(string App, string Environment, string Artifact, string? Version = null, string? Strategy = null);

/// <summary>Body of POST …/approve and …/reject.</summary>
public sealed record DecisionBody(string? Id = null, string? Comment = null);

/// <summary>Body of POST …/rollback.</summary>
public sealed record RollbackBody(string? To = null);
