using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;

namespace Catalytic.Storage.Tests;

/// <summary>The behaviour every <see cref="IDeliveryStore"/> must have; run against SQLite and PostgreSQL.</summary>
public abstract class DeliveryStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, 123, TimeSpan.Zero);

    protected IDeliveryStore Store { get; private set; } = null!;

    protected abstract Task<IDeliveryStore> CreateAsync();

    public async ValueTask InitializeAsync()
    {
        Store = await CreateAsync();
        await Store.InitializeAsync(TestContext.Current.CancellationToken);
        await Store.InitializeAsync(TestContext.Current.CancellationToken); // idempotent
    }

    public virtual async ValueTask DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task AddRelease_SameVersionTwice_KeepsTheFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await Store.AddReleaseAsync(new Release("web", "v1", "/r/web/v1", T0), ct));
        Assert.False(await Store.AddReleaseAsync(new Release("web", "v1", "/elsewhere", T0.AddMinutes(1)), ct));
        Assert.True(await Store.AddReleaseAsync(new Release("web", "v2", "/r/web/v2", T0.AddMinutes(2)), ct));

        Assert.Equal(new Release("web", "v1", "/r/web/v1", T0), await Store.GetReleaseAsync("web", "v1", ct));
        Assert.Null(await Store.GetReleaseAsync("web", "v9", ct));
        Assert.Equal(["v2", "v1"], (await Store.ListReleasesAsync("web", ct)).Select(r => r.Version));
    }

    [Fact]
    public async Task Transition_RecordsStateReasonAndEventsInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var d = new Deployment("d-1", "web", "production", "v2", "v1", "blue-green", DeploymentState.Pending, "requested", T0, T0);
        await Store.AddDeploymentAsync(d, ct);

        await Store.TransitionAsync("d-1", DeploymentState.InProgress, "starting 2 instances", T0.AddSeconds(1), ct);
        await Store.AddEventAsync(new DeploymentEvent("d-1", T0.AddSeconds(2), DeploymentState.Analysing, "check 1: 40 requests, 50% errors"), ct);
        var last = await Store.TransitionAsync("d-1", DeploymentState.RolledBack, "error rate 50% > 2% in 2 checks", T0.AddSeconds(3), ct);

        Assert.Equal(d with { State = DeploymentState.RolledBack, Reason = "error rate 50% > 2% in 2 checks", UpdatedAt = T0.AddSeconds(3) }, last);
        Assert.Equal(last, await Store.GetDeploymentAsync("d-1", ct));
        var events = await Store.ListEventsAsync("d-1", ct);
        Assert.Equal([DeploymentState.Pending, DeploymentState.InProgress, DeploymentState.Analysing, DeploymentState.RolledBack], events.Select(e => e.State));
        Assert.Equal("check 1: 40 requests, 50% errors", events[2].Message);
        Assert.Equal(T0.AddSeconds(2), events[2].At);
    }

    [Fact]
    public async Task Transition_UnknownDeployment_Throws()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            Store.TransitionAsync("nope", DeploymentState.Failed, "x", T0, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ListDeployments_FiltersAndOrdersNewestFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        await Store.AddDeploymentAsync(new Deployment("d-a", "web", "staging", "v1", null, "rolling", DeploymentState.Succeeded, "ok", T0, T0), ct);
        await Store.AddDeploymentAsync(new Deployment("d-b", "web", "production", "v1", null, "rolling", DeploymentState.Succeeded, "ok", T0.AddMinutes(1), T0), ct);
        await Store.AddDeploymentAsync(new Deployment("d-c", "api", "production", "v1", null, "canary", DeploymentState.Failed, "no", T0.AddMinutes(2), T0), ct);
        await Store.AddDeploymentAsync(new Deployment("d-d", "web", "production", "v2", "v1", "rolling", DeploymentState.Pending, "new", T0.AddMinutes(3), T0), ct);

        Assert.Equal(["d-d", "d-c", "d-b", "d-a"], (await Store.ListDeploymentsAsync(ct: ct)).Select(d => d.Id));
        Assert.Equal(["d-d", "d-b", "d-a"], (await Store.ListDeploymentsAsync("web", ct: ct)).Select(d => d.Id));
        Assert.Equal(["d-d", "d-b"], (await Store.ListDeploymentsAsync("web", "production", ct: ct)).Select(d => d.Id));
        Assert.Equal(["d-d"], (await Store.ListDeploymentsAsync("web", "production", 1, ct)).Select(d => d.Id));
        Assert.Null((await Store.GetDeploymentAsync("d-b", ct))!.PreviousVersion);
    }

    [Fact]
    public async Task Approvals_AndLiveVersions_RoundTrip()
    {
        var ct = TestContext.Current.CancellationToken;
        await Store.AddApprovalAsync(new Approval("d-1", true, "alice", T0, null), ct);
        await Store.AddApprovalAsync(new Approval("d-1", false, "bob", T0.AddSeconds(1), "too risky"), ct);
        Assert.Equal([new Approval("d-1", true, "alice", T0, null), new Approval("d-1", false, "bob", T0.AddSeconds(1), "too risky")], await Store.ListApprovalsAsync("d-1", ct));

        Assert.Null(await Store.GetLiveAsync("web", "production", ct));
        await Store.SetLiveAsync(new LiveVersion("web", "production", "v1", "d-1", T0), ct);
        await Store.SetLiveAsync(new LiveVersion("web", "production", "v2", "d-2", T0.AddHours(1)), ct);
        await Store.SetLiveAsync(new LiveVersion("web", "staging", "v3", "d-3", T0), ct);
        Assert.Equal(new LiveVersion("web", "production", "v2", "d-2", T0.AddHours(1)), await Store.GetLiveAsync("web", "production", ct));
        Assert.Equal(2, (await Store.ListLiveAsync(ct)).Count);
    }
}
