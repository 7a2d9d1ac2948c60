using System.Data.Common;
using Catalytic.Storage.Postgres;
using Npgsql;

namespace Catalytic.Storage.Runs;

/// <summary>
/// The runs several servers share in PostgreSQL (READ COMMITTED): rows changed are locked as they are read
/// (<c>FOR UPDATE</c>), a worker's hand-out passes over jobs another server is handing out (<c>SKIP LOCKED</c>), and a
/// concurrency group is decided under a transaction-scoped advisory lock named after the installation and the group.
/// </summary>
public sealed class PostgresRunStore : SqlRunStore
{
    private readonly NpgsqlDataSource _source;
    private readonly string? _schema;

    /// <summary>Connects with <paramref name="connectionString"/>; tables live in <paramref name="schema"/> when given (or the search path's first schema).</summary>
    public PostgresRunStore(string connectionString, string? schema = null)
    {
        (var cs, _schema) = PostgresSchema.Resolve(connectionString, schema);
        _source = NpgsqlDataSource.Create(cs);
    }

    /// <inheritdoc/>
    protected override string AutoIdColumn => "BIGSERIAL PRIMARY KEY";

    /// <inheritdoc/>
    protected internal override string ForUpdate => " FOR UPDATE";

    /// <inheritdoc/>
    protected internal override string SkipLocked => " FOR UPDATE SKIP LOCKED";

    /// <inheritdoc/>
    protected internal override string? LockGroupSql => $"SELECT pg_advisory_xact_lock(hashtextextended('catalytic-group|{(_schema ?? "public").Replace("'", "''", StringComparison.Ordinal)}|' || @g, 0))";

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        await using (var c = await OpenAsync(ct))
        {
            // Two servers starting at once would race on CREATE TABLE IF NOT EXISTS: the first one creates, the other waits.
            await using var cmd = c.CreateCommand();
            cmd.CommandText = (_schema is null ? "" : PostgresSchema.CreateSql(_schema) + "; ")
                + "SELECT pg_advisory_lock(hashtextextended('catalytic-schema', 0))";
            await cmd.ExecuteNonQueryAsync(ct);
            try
            {
                await base.InitializeAsync(ct);
            }
            finally
            {
                cmd.CommandText = "SELECT pg_advisory_unlock(hashtextextended('catalytic-schema', 0))";
                await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }

    /// <inheritdoc/>
    public override bool IsTransient(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.UniqueViolation };

    /// <inheritdoc/>
    protected internal override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _source.OpenConnectionAsync(ct);

    /// <inheritdoc/>
    protected internal override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(ct);

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await base.DisposeAsync();
    }
}
