using Lattice.Api.Storage;

namespace Lattice.IntegrationTests.Storage;

public sealed class RedisPathCacheTests : IAsyncLifetime
{
    private TestServers _servers = null!;

    public async ValueTask InitializeAsync() => _servers = await TestServers.StartAsync();

    public ValueTask DisposeAsync() => _servers.DisposeAsync();

    [Fact]
    public async Task SetAsync_ThenGet_RoundTripsAndExpiresWithinAnHour()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cache = await RedisPathCache.ConnectAsync(_servers.Redis, _servers.RedisPrefix);
        var path = new StoredPath("r1", true, 1, [[0], [1]], 2, "astar", DateTimeOffset.UnixEpoch);

        await cache.SetAsync(path, ct);
        var found = await cache.GetAsync("r1", ct);
        var ttl = await _servers.RedisConnection.GetDatabase().KeyTimeToLiveAsync(_servers.CacheKey("r1"));

        Assert.Equal(path with { Path = found!.Path }, found);
        Assert.Equal([[0], [1]], found.Path);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), RedisPathCache.TimeToLive);
        Assert.Null(await cache.GetAsync("absent", ct));
        Assert.True(await cache.PingAsync(ct));
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_Throws()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await Assert.ThrowsAnyAsync<Exception>(() => RedisPathCache.ConnectAsync($"127.0.0.1:{port},connectTimeout=1000", "x:"));
    }
}
