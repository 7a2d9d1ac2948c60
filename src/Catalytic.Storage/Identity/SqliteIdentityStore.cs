using System.Data.Common;
using Catalytic.Storage.Sqlite;

namespace Catalytic.Storage.Identity;

/// <summary>Users, tokens, sessions and the audit log in the default SQLite file (WAL, beside the delivery tables).</summary>
public sealed class SqliteIdentityStore(string databasePath) : SqlIdentityStore
{
    private readonly string _connectionString = SqliteDatabase.ConnectionString(databasePath);

    /// <inheritdoc/>
    protected override string AutoIdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc/>
    protected override string AppendOnlyTriggers => """
        CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """;

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        await SqliteDatabase.PrepareAsync(databasePath, _connectionString, ct);
        await base.InitializeAsync(ct);
    }

    /// <inheritdoc/>
    protected override Task<DbConnection> OpenAsync(CancellationToken ct) => SqliteDatabase.OpenAsync(_connectionString, ct);
}
