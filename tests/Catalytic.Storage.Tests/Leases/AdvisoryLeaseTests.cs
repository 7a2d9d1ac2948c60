using Catalytic.Storage.Leases;
using Catalytic.Storage.Postgres;
using Catalytic.Storage.Tests.Postgres;
using Catalytic.Testing.Time;
using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Storage.Tests.Leases;

/// <summary>
/// The lease that keeps several `serve` nodes on one PostgreSQL from deploying one environment at once: two stores
/// are two nodes (each its own data source and sessions), on a real server.
/// </summary>
public sealed class AdvisoryLeaseTests : IAsyncDisposable
{
    private readonly TestDatabase _db = new();
    private readonly FakeTimeProvider _clock = new();

    public async ValueTask DisposeAsync() => await _db.DisposeAsync();

    private PostgresDeliveryStore Node(string name) => new(_db.Named(name), _clock, _db.Schema);

    [Fact]
    public async Task Acquire_HeldByAnotherNode_WaitsUntilItIsReleased()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = Node("lease-a");
        await using var b = Node("lease-b");

        var held = await a.AcquireLeaseAsync("web", "production", ct);
        Assert.Null(await b.TryAcquireLeaseAsync("web", "production", ct));
        await using (var staging = await b.TryAcquireLeaseAsync("web", "staging", ct))
        {
            Assert.NotNull(staging); // another environment is another lock
        }

        var waiting = b.AcquireLeaseAsync("web", "production", ct);
        await Eventually.UntilAsync(async () => await WaitersAsync("lease-b") == 1, () => "node b queued on the advisory lock");
        Assert.False(waiting.IsCompleted);
        await held.DisposeAsync();
        await using var next = await Eventually.CompletesAsync(waiting, "node b to get the lease node a released");
        Assert.Null(await a.TryAcquireLeaseAsync("web", "production", ct));
    }

    [Fact]
    public async Task Acquire_SameNamesInAnotherSchema_IsAnotherInstallationsLock()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var other = new TestDatabase();
        await using var a = Node("lease-a");
        await using var b = new PostgresDeliveryStore(_db.ConnectionString, _clock, other.Schema);

        await using var held = await a.AcquireLeaseAsync("web", "production", ct);
        await using var elsewhere = await b.TryAcquireLeaseAsync("web", "production", ct);

        Assert.NotNull(elsewhere);
    }

    [Fact]
    public async Task Acquire_Cancelled_StopsWaitingAndTakesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = Node("lease-a");
        await using var b = Node("lease-b");
        var held = await a.AcquireLeaseAsync("web", "production", ct);

        using var cancel = new CancellationTokenSource();
        var waiting = b.AcquireLeaseAsync("web", "production", cancel.Token);
        await Eventually.UntilAsync(async () => await WaitersAsync("lease-b") == 1, () => "node b queued on the advisory lock");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.CompletesAsync(waiting, "the cancelled wait to end"));

        await held.DisposeAsync();
        await using var again = await a.TryAcquireLeaseAsync("web", "production", ct);
        Assert.NotNull(again); // the cancelled waiter did not end up holding it
    }

    [Fact]
    public async Task Holder_WhoseSessionEnds_LosesTheLease_AndAnotherNodeTakesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = Node("lease-holder");
        await using var b = Node("lease-b");
        await using var held = await a.AcquireLeaseAsync("web", "production", ct);

        // What a crash, a kill or a lost network does to the holder's session.
        var ended = await _db.ScalarAsync("""
            SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a
            WHERE a.application_name = 'lease-holder' AND a.pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')
            """);
        Assert.Equal(1L, ended);

        await Eventually.UntilAsync(async () =>
        {
            var taken = await b.TryAcquireLeaseAsync("web", "production", ct);
            if (taken is null)
            {
                return false;
            }

            await taken.DisposeAsync();
            return true;
        }, () => "node b taking the lease PostgreSQL freed with the holder's session");
        Assert.False(held.Lost.IsCancellationRequested); // the holder learns at its next check of its session
        await _clock.AdvanceUntilAsync(() => held.Lost.IsCancellationRequested, "the holder noticing its session is gone", step: AdvisoryLease.PingInterval);
    }

    /// <summary>Sessions of <paramref name="applicationName"/> waiting for an advisory lock.</summary>
    private async Task<long> WaitersAsync(string applicationName) => (long)(await _db.ScalarAsync("""
        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = @name
        """, ("name", applicationName)))!;
}
