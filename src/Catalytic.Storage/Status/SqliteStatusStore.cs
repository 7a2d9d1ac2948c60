using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Catalytic.Storage.Status;

/// <summary>The status tables in the default SQLite file (WAL, so the API reads while the checks write).</summary>
public sealed class SqliteStatusStore(string databasePath) : SqlStatusStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <inheritdoc/>
    protected override string AutoIdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        await using (var c = await OpenAsync(ct))
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL;";
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await base.InitializeAsync(ct);
    }

    /// <inheritdoc/>
    protected override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";
        await cmd.ExecuteNonQueryAsync(ct);
        return c;
    }
}
