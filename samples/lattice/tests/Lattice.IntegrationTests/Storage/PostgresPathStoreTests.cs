using Lattice.Api.Storage;
using Npgsql;

namespace Lattice.IntegrationTests.Storage;

public sealed class PostgresPathStoreTests : IAsyncLifetime
{
    private TestServers _servers = null!;

    public async ValueTask InitializeAsync() => _servers = await TestServers.StartAsync();

    public ValueTask DisposeAsync() => _servers.DisposeAsync();

    private static StoredPath Sample(string id, bool reachable = true) => new(
        id,
        reachable,
        reachable ? 2 : null,
        reachable ? [[0, 0], [0, 1], [1, 1]] : [],
        7,
        "bfs",
        new DateTimeOffset(2026, 11, 27, 12, 30, 15, TimeSpan.Zero));

    [Fact]
    public async Task SaveAsync_ThenFind_RoundTripsEveryField()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await PostgresPathStore.OpenAsync(_servers.Postgres, ct);

        await store.SaveAsync(Sample("a"), ct);
        await store.SaveAsync(Sample("u", reachable: false), ct);
        var found = await store.FindAsync("a", ct);
        var unreachable = await store.FindAsync("u", ct);

        Assert.NotNull(found);
        Assert.Equal(Sample("a") with { Path = found.Path }, found);
        Assert.Equal([[0, 0], [0, 1], [1, 1]], found.Path);
        Assert.Null(unreachable!.Length);
        Assert.Empty(unreachable.Path);
        Assert.Null(await store.FindAsync("missing", ct));
        Assert.True(await store.PingAsync(ct));
    }

    [Fact]
    public async Task SaveAsync_SameIdTwice_KeepsTheFirstRow()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await PostgresPathStore.OpenAsync(_servers.Postgres, ct);

        await store.SaveAsync(Sample("same"), ct);
        await store.SaveAsync(Sample("same") with { Visited = 1000 }, ct);

        Assert.Equal(7, (await store.FindAsync("same", ct))!.Visited);
        Assert.Equal(1, await _servers.CountRowsAsync("same"));
    }

    [Fact]
    public async Task OpenAsync_ManyInstancesAtOnce_AllCreateTheTableWithoutRacing()
    {
        var ct = TestContext.Current.CancellationToken;

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresPathStore.OpenAsync(_servers.Postgres, ct)));

        foreach (var store in stores)
        {
            Assert.True(await store.PingAsync(ct));
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task OpenAsync_NothingListening_ThrowsInsteadOfStarting()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await Assert.ThrowsAnyAsync<NpgsqlException>(() =>
            PostgresPathStore.OpenAsync($"Host=127.0.0.1;Port={port};Username=nobody;Timeout=3", TestContext.Current.CancellationToken));
    }
}
