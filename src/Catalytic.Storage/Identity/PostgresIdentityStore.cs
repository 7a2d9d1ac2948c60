using System.Data.Common;
using Catalytic.Storage.Postgres;
using Npgsql;

namespace Catalytic.Storage.Identity;

/// <summary>
/// Users, tokens, sessions and the audit log in PostgreSQL, shared by every `serve` node of an installation;
/// <paramref name="schema"/> isolates one installation (or one test).
/// </summary>
public sealed class PostgresIdentityStore : SqlIdentityStore
{
    private readonly NpgsqlDataSource _source;
    private readonly string? _schema;

    /// <summary>Connects with <paramref name="connectionString"/>; tables live in <paramref name="schema"/> when given (or the first of its Search Path).</summary>
    public PostgresIdentityStore(string connectionString, string? schema = null)
    {
        (var cs, _schema) = PostgresSchema.Resolve(connectionString, schema);
        _source = NpgsqlDataSource.Create(cs);
    }

    /// <inheritdoc/>
    protected override string AutoIdColumn => "BIGSERIAL PRIMARY KEY";

    /// <inheritdoc/>
    protected override string AppendOnlyTriggers => """
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
        CREATE OR REPLACE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
        CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
        """;

    /// <inheritdoc/>
    protected override async Task BeforeSchemaAsync(DbConnection c, DbTransaction tx, CancellationToken ct)
    {
        // Two nodes starting together would race on CREATE OR REPLACE (catalog rows "concurrently updated"): one at a time.
        await ExecAsync(c, tx, $"SELECT pg_advisory_xact_lock(hashtextextended('catalytic-identity-schema|{(_schema ?? "public").Replace("'", "''", StringComparison.Ordinal)}', 0))", ct);
        if (_schema is not null)
        {
            await ExecAsync(c, tx, PostgresSchema.CreateSql(_schema), ct);
        }
    }

    /// <inheritdoc/>
    protected override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _source.OpenConnectionAsync(ct);

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await base.DisposeAsync();
    }
}
