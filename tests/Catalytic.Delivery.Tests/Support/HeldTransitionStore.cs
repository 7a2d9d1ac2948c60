using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;

namespace Catalytic.Delivery.Tests.Support;

/// <summary>
/// A store that holds the run right after it recorded <see cref="State"/>: the record is written (a reader sees it) and
/// the run's call returns only once the test calls <see cref="Release"/>. Everything else goes straight through.
/// </summary>
public sealed class HeldTransitionStore(IDeliveryStore inner, DeploymentState state) : IDeliveryStore
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeploymentState State { get; } = state;

    /// <summary>Lets the held run go on.</summary>
    public void Release() => _release.TrySetResult();

    public async Task<Deployment> TransitionAsync(string id, DeploymentState state, string reason, DateTimeOffset at, CancellationToken ct = default)
    {
        var d = await inner.TransitionAsync(id, state, reason, at, ct);
        if (state == State)
        {
            await _release.Task.WaitAsync(ct);
        }

        return d;
    }

    public Task InitializeAsync(CancellationToken ct = default) => inner.InitializeAsync(ct);

    public Task<bool> AddReleaseAsync(Release release, CancellationToken ct = default) => inner.AddReleaseAsync(release, ct);

    public Task<Release?> GetReleaseAsync(string app, string version, CancellationToken ct = default) => inner.GetReleaseAsync(app, version, ct);

    public Task<IReadOnlyList<Release>> ListReleasesAsync(string app, CancellationToken ct = default) => inner.ListReleasesAsync(app, ct);

    public Task AddDeploymentAsync(Deployment deployment, CancellationToken ct = default) => inner.AddDeploymentAsync(deployment, ct);

    public Task AddEventAsync(DeploymentEvent e, CancellationToken ct = default) => inner.AddEventAsync(e, ct);

    public Task<Deployment?> GetDeploymentAsync(string id, CancellationToken ct = default) => inner.GetDeploymentAsync(id, ct);

    public Task<IReadOnlyList<Deployment>> ListDeploymentsAsync(string? app = null, string? environment = null, int limit = 100, CancellationToken ct = default) =>
        inner.ListDeploymentsAsync(app, environment, limit, ct);

    public Task<IReadOnlyList<DeploymentEvent>> ListEventsAsync(string deploymentId, CancellationToken ct = default) => inner.ListEventsAsync(deploymentId, ct);

    public Task AddApprovalAsync(Approval approval, CancellationToken ct = default) => inner.AddApprovalAsync(approval, ct);

    public Task<IReadOnlyList<Approval>> ListApprovalsAsync(string deploymentId, CancellationToken ct = default) => inner.ListApprovalsAsync(deploymentId, ct);

    public Task SetLiveAsync(LiveVersion live, CancellationToken ct = default) => inner.SetLiveAsync(live, ct);

    public Task<LiveVersion?> GetLiveAsync(string app, string environment, CancellationToken ct = default) => inner.GetLiveAsync(app, environment, ct);

    public Task<IReadOnlyList<LiveVersion>> ListLiveAsync(CancellationToken ct = default) => inner.ListLiveAsync(ct);

    public Task<IEnvironmentLease> AcquireLeaseAsync(string app, string environment, CancellationToken ct = default) => inner.AcquireLeaseAsync(app, environment, ct);

    public Task<IEnvironmentLease?> TryAcquireLeaseAsync(string app, string environment, CancellationToken ct = default) => inner.TryAcquireLeaseAsync(app, environment, ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
