using System.Text.Json;
using Lattice.Api.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace Lattice.Api.Storage;

/// <summary>Results in PostgreSQL, table <c>lattice_paths</c> (created at start when missing).</summary>
public sealed class PostgresPathStore(NpgsqlDataSource dataSource) : IPathStore, IAsyncDisposable
{
    // Instances of a rolling release start together: the advisory lock keeps their CREATE TABLEs from racing.
    private const string Schema = """
        SELECT pg_advisory_xact_lock(7355608);
        CREATE TABLE IF NOT EXISTS lattice_paths (
            id          text PRIMARY KEY,
            reachable   boolean NOT NULL,
            length      integer,
            visited     integer NOT NULL,
            algorithm   text NOT NULL,
            path        jsonb NOT NULL,
            created_at  timestamptz NOT NULL
        );
        """;

    public string Kind => "postgres";

    /// <summary>Connects and creates the table; throws when the database cannot be reached.</summary>
    public static async Task<PostgresPathStore> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = new NpgsqlCommand(Schema, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return new PostgresPathStore(dataSource);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public async Task<StoredPath?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT reachable, length, visited, algorithm, path::text, created_at FROM lattice_paths WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredPath(
            id,
            reader.GetBoolean(0),
            reader.IsDBNull(1) ? null : reader.GetInt32(1),
            JsonSerializer.Deserialize(reader.GetString(4), LatticeJsonContext.Default.Int32ArrayArray) ?? [],
            reader.GetInt32(2),
            reader.GetString(3),
            reader.GetFieldValue<DateTimeOffset>(5));
    }

    public async Task SaveAsync(StoredPath path, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO lattice_paths (id, reachable, length, visited, algorithm, path, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (id) DO NOTHING
            """);
        command.Parameters.AddWithValue(path.Id);
        command.Parameters.AddWithValue(path.Reachable);
        command.Parameters.AddWithValue(path.Length is { } length ? length : DBNull.Value);
        command.Parameters.AddWithValue(path.Visited);
        command.Parameters.AddWithValue(path.Algorithm);
        command.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Jsonb,
            Value = JsonSerializer.Serialize(path.Path, LatticeJsonContext.Default.Int32ArrayArray),
        });
        command.Parameters.AddWithValue(path.CreatedAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            return await command.ExecuteScalarAsync(cancellationToken) is 1;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
