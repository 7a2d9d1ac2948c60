using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Storage;

/// <summary>
/// Durable delivery state: releases, deployments and their events, approvals, the live version per environment.
/// Implemented on SQLite (one machine) and PostgreSQL (several); both pass the same contract tests.
/// Every write is durable when the returned task completes, so callers write a state before acting on it.
/// The store also hands out the lease that lets one deployment at a time run per environment (<see cref="IEnvironmentLease"/>).
/// </summary>
public interface IDeliveryStore : IAsyncDisposable
{
    /// <summary>Creates the schema when missing. Idempotent.</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>Records a release. Returns false (and changes nothing) when (app, version) already exists.</summary>
    Task<bool> AddReleaseAsync(Release release, CancellationToken ct = default);

    /// <summary>The release (app, version), or null.</summary>
    Task<Release?> GetReleaseAsync(string app, string version, CancellationToken ct = default);

    /// <summary>Releases of <paramref name="app"/>, newest first.</summary>
    Task<IReadOnlyList<Release>> ListReleasesAsync(string app, CancellationToken ct = default);

    /// <summary>Records a new deployment with its first event.</summary>
    Task AddDeploymentAsync(Deployment deployment, CancellationToken ct = default);

    /// <summary>Moves a deployment to <paramref name="state"/> with <paramref name="reason"/> and appends the matching event, in one transaction.</summary>
    Task<Deployment> TransitionAsync(string id, DeploymentState state, string reason, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Appends an event without changing the state (an observation, e.g. an analysis check).</summary>
    Task AddEventAsync(DeploymentEvent e, CancellationToken ct = default);

    /// <summary>The deployment, or null.</summary>
    Task<Deployment?> GetDeploymentAsync(string id, CancellationToken ct = default);

    /// <summary>Deployments, newest first, optionally of one app and/or environment.</summary>
    Task<IReadOnlyList<Deployment>> ListDeploymentsAsync(string? app = null, string? environment = null, int limit = 100, CancellationToken ct = default);

    /// <summary>Events of a deployment, oldest first.</summary>
    Task<IReadOnlyList<DeploymentEvent>> ListEventsAsync(string deploymentId, CancellationToken ct = default);

    /// <summary>Records a decision at a gate.</summary>
    Task AddApprovalAsync(Approval approval, CancellationToken ct = default);

    /// <summary>Decisions recorded for a deployment, oldest first.</summary>
    Task<IReadOnlyList<Approval>> ListApprovalsAsync(string deploymentId, CancellationToken ct = default);

    /// <summary>Sets the live version of (app, environment).</summary>
    Task SetLiveAsync(LiveVersion live, CancellationToken ct = default);

    /// <summary>The live version of (app, environment), or null.</summary>
    Task<LiveVersion?> GetLiveAsync(string app, string environment, CancellationToken ct = default);

    /// <summary>Every environment's live version.</summary>
    Task<IReadOnlyList<LiveVersion>> ListLiveAsync(CancellationToken ct = default);

    /// <summary>
    /// Takes the lease of (app, environment) for this node, waiting while another holder (this server or another
    /// sharing the store) has it. Cancelling <paramref name="ct"/> ends the wait with <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<IEnvironmentLease> AcquireLeaseAsync(string app, string environment, CancellationToken ct = default);

    /// <summary>Takes the lease of (app, environment) if nobody holds it; null when somebody does.</summary>
    Task<IEnvironmentLease?> TryAcquireLeaseAsync(string app, string environment, CancellationToken ct = default);
}
