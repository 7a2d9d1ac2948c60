using System.Net;
using Lattice.Testing;

namespace Lattice.IntegrationTests.Api;

/// <summary>The real service over real HTTP, storing in PostgreSQL and caching in Redis.</summary>
public sealed class PathApiWithServersTests : IAsyncLifetime
{
    private static readonly object Request = new
    {
        dimensions = new[] { 30, 30, 4 },
        start = new[] { 0, 0, 0 },
        goal = new[] { 29, 29, 3 },
        obstacles = Enumerable.Range(0, 29).Select(y => new[] { 15, y, 0 }).ToArray(),
    };

    private TestServers _servers = null!;

    public async ValueTask InitializeAsync() => _servers = await TestServers.StartAsync();

    public ValueTask DisposeAsync() => _servers.DisposeAsync();

    [Fact]
    public async Task PostPath_FirstThenAgain_ComputesStoresInPostgresThenServesFromRedis()
    {
        await using var service = await RunningLattice.StartAsync(_servers.Settings);

        var (response, first) = await service.PostPathAsync(Request);
        var id = first.GetProperty("id").GetString()!;
        var (_, second) = await service.PostPathAsync(Request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(61, first.GetProperty("length").GetInt32());
        Assert.False(first.GetProperty("cached").GetBoolean());
        Assert.Equal(1, await _servers.CountRowsAsync(id));
        Assert.True(await _servers.RedisConnection.GetDatabase().KeyExistsAsync(_servers.CacheKey(id)));
        Assert.True(second.GetProperty("cached").GetBoolean());
        Assert.Equal(first.GetProperty("path").ToString(), second.GetProperty("path").ToString());
    }

    [Fact]
    public async Task PostPath_EvictedFromRedis_IsServedFromPostgresAndCachedAgain()
    {
        await using var service = await RunningLattice.StartAsync(_servers.Settings);
        var (_, first) = await service.PostPathAsync(Request);
        var id = first.GetProperty("id").GetString()!;
        await _servers.RedisConnection.GetDatabase().KeyDeleteAsync(_servers.CacheKey(id));

        var (_, again) = await service.PostPathAsync(Request);
        var metrics = await service.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.True(again.GetProperty("cached").GetBoolean());
        Assert.Contains("lattice_cache_hits_total{layer=\"store\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("lattice_path_computations_total{reachable=\"true\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.True(await _servers.RedisConnection.GetDatabase().KeyExistsAsync(_servers.CacheKey(id)));
    }

    [Fact]
    public async Task GetPath_AfterARestartWithRedisEmptied_ReadsTheResultFromPostgres()
    {
        string id;
        await using (var before = await RunningLattice.StartAsync(_servers.Settings))
        {
            var (_, posted) = await before.PostPathAsync(Request);
            id = posted.GetProperty("id").GetString()!;
        }

        await _servers.RedisConnection.GetDatabase().KeyDeleteAsync(_servers.CacheKey(id));
        await using var after = await RunningLattice.StartAsync(_servers.Settings);
        var (response, body) = await after.GetJsonAsync($"/v1/paths/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(61, body.GetProperty("length").GetInt32());
        Assert.Equal(62, body.GetProperty("path").GetArrayLength());
    }

    [Fact]
    public async Task Healthz_WithBothServers_ReportsPostgresAndRedisHealthy()
    {
        await using var service = await RunningLattice.StartAsync(_servers.Settings);

        var (response, body) = await service.GetJsonAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("postgres", body.GetProperty("store").GetString());
        Assert.Equal("redis", body.GetProperty("cache").GetString());
        Assert.True(body.GetProperty("storeHealthy").GetBoolean());
        Assert.True(body.GetProperty("cacheHealthy").GetBoolean());
    }
}
