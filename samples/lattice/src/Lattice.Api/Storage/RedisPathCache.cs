using System.Text.Json;
using Lattice.Api.Serialization;
using StackExchange.Redis;

namespace Lattice.Api.Storage;

/// <summary>Results cached in Redis under <c>{prefix}path:{id}</c> for <see cref="TimeToLive"/>.</summary>
public sealed class RedisPathCache(IConnectionMultiplexer redis, string prefix) : IPathCache, IAsyncDisposable
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromHours(1);

    public string Kind => "redis";

    /// <summary>Connects to <paramref name="configuration"/> (<c>host:port</c> or a StackExchange.Redis configuration string).</summary>
    public static async Task<RedisPathCache> ConnectAsync(string configuration, string prefix)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.ConnectTimeout = 3000;
        options.AbortOnConnectFail = true;
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        return new RedisPathCache(redis, prefix);
    }

    public async Task<StoredPath?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(Key(id));
        return value.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)value!, LatticeJsonContext.Default.StoredPath);
    }

    public Task SetAsync(StoredPath path, CancellationToken cancellationToken) =>
        redis.GetDatabase().StringSetAsync(Key(path.Id), JsonSerializer.Serialize(path, LatticeJsonContext.Default.StoredPath), TimeToLive);

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    internal string Key(string id) => $"{prefix}path:{id}";

    public async ValueTask DisposeAsync() => await redis.DisposeAsync();
}
