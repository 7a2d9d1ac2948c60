using Lattice.Api;
using Npgsql;
using StackExchange.Redis;

namespace Lattice.IntegrationTests;

/// <summary>
/// The PostgreSQL and Redis these tests run against, from LATTICE_TEST_POSTGRES and LATTICE_TEST_REDIS.
/// Each instance works in its own schema and key prefix, so tests run in parallel and leave nothing behind.
/// </summary>
public sealed class TestServers : IAsyncDisposable
{
    private readonly string _adminConnection;

    private TestServers(string adminConnection, string schema, string redis, string prefix, IConnectionMultiplexer redisConnection)
    {
        _adminConnection = adminConnection;
        Schema = schema;
        Postgres = new NpgsqlConnectionStringBuilder(adminConnection) { SearchPath = schema, Pooling = false }.ConnectionString;
        Redis = redis;
        RedisPrefix = prefix;
        RedisConnection = redisConnection;
    }

    public string Schema { get; }

    /// <summary>Connection string whose search path is this instance's own schema.</summary>
    public string Postgres { get; }

    public string Redis { get; }

    public string RedisPrefix { get; }

    public IConnectionMultiplexer RedisConnection { get; }

    public LatticeSettings Settings => new(0, Postgres, Redis, RedisPrefix);

    public static async Task<TestServers> StartAsync()
    {
        var postgres = Required("LATTICE_TEST_POSTGRES", "an Npgsql connection string, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=lattice");
        var redis = Required("LATTICE_TEST_REDIS", "host:port, e.g. 127.0.0.1:6379");
        var id = Guid.NewGuid().ToString("N")[..12];
        var schema = $"lattice_test_{id}";
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        return new TestServers(postgres, schema, redis, $"lattice-test:{id}:", multiplexer);
    }

    public async Task<long> CountRowsAsync(string id)
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM lattice_paths WHERE id = $1", connection);
        command.Parameters.AddWithValue(id);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public RedisKey CacheKey(string id) => $"{RedisPrefix}path:{id}";

    public async ValueTask DisposeAsync()
    {
        var server = RedisConnection.GetServers()[0];
        foreach (var key in server.Keys(pattern: RedisPrefix + "*"))
        {
            await RedisConnection.GetDatabase().KeyDeleteAsync(key);
        }

        await RedisConnection.DisposeAsync();
        await using var connection = new NpgsqlConnection(_adminConnection);
        await connection.OpenAsync(CancellationToken.None);
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync(CancellationToken.None);
    }

    // A missing server is a failure, never a skip: these tests exist to prove the service works against real ones.
    private static string Required(string variable, string expected) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set. The integration tests need a real server: set {variable} to {expected} " +
                "(the pipeline's integration job sets it from its services; locally start one, see README.md).");
}
