using Npgsql;

namespace Catalytic.Storage.Tests.Postgres;

/// <summary>
/// The PostgreSQL of CATALYTIC_TEST_POSTGRES (./test.sh starts one; the test is skipped without it) and a schema of
/// this test's own, dropped at the end, so tests and helpers sharing the server never see each other's rows or locks.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public TestDatabase()
    {
        var cs = Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES");
        Assert.SkipWhen(string.IsNullOrEmpty(cs), "CATALYTIC_TEST_POSTGRES is not set (./test.sh starts PostgreSQL)");
        ConnectionString = cs!;
    }

    public string ConnectionString { get; }

    public string Schema { get; } = "t_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The connection string with an application name, so a test can find (and end) the sessions it opened.</summary>
    public string Named(string applicationName) => new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = applicationName }.ConnectionString;

    /// <summary>Runs <paramref name="sql"/> on a connection of its own; returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] args)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return await cmd.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync() => await ScalarAsync($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
}
