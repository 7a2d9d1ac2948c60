using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Catalytic.Storage.Sqlite;
using Catalytic.Testing.Files;

namespace Catalytic.Storage.Tests.Sqlite;

public sealed class SqliteDeliveryStoreTests : DeliveryStoreContract
{
    private readonly TempFolder _dir = new("sqlite");

    protected override Task<IDeliveryStore> CreateAsync() => Task.FromResult<IDeliveryStore>(new SqliteDeliveryStore(_dir["catalytic.db"]));

    [Fact]
    public async Task Initialize_UsesWriteAheadLog_AndSurvivesReopen()
    {
        var ct = TestContext.Current.CancellationToken;
        await Store.SetLiveAsync(new LiveVersion("web", "production", "v1", "d-1", T0), ct);
        Assert.True(File.Exists(_dir["catalytic.db-wal"]));
        await using var again = new SqliteDeliveryStore(_dir["catalytic.db"]);
        await again.InitializeAsync(ct);
        Assert.Equal("v1", (await again.GetLiveAsync("web", "production", ct))!.Version);
    }

    [Fact]
    public async Task Lease_TwoStoresOfOneDatabase_ShareIt_AndOtherEnvironmentsAreFree()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var other = new SqliteDeliveryStore(_dir["catalytic.db"]);

        await using var held = await Store.AcquireLeaseAsync("web", "production", ct);
        Assert.Null(await other.TryAcquireLeaseAsync("web", "production", ct));
        var staging = await other.TryAcquireLeaseAsync("web", "staging", ct);
        Assert.NotNull(staging);
        await staging.DisposeAsync();

        var waiting = other.AcquireLeaseAsync("web", "production", ct);
        Assert.False(waiting.IsCompleted);
        await held.DisposeAsync();
        await using var next = await waiting.WaitAsync(TimeSpan.FromMinutes(1), Catalytic.Testing.Waiting.RealTime.Clock, ct);
        Assert.Null(await Store.TryAcquireLeaseAsync("web", "production", ct));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _dir.Dispose();
    }
}
