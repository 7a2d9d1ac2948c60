using System.Data.Common;
using Catalytic.Delivery.Storage;
using Catalytic.Storage.Leases;
using Catalytic.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Catalytic.Storage.Sqlite;

/// <summary>
/// The default store: one SQLite file (.catalytic/catalytic.db) in WAL mode, so readers never block the writer. One
/// server uses it (see <see cref="ProcessLeases"/> for how one deployment per environment is kept).
/// </summary>
public sealed class SqliteDeliveryStore(string databasePath) : SqlDeliveryStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>The database file.</summary>
    public string DatabasePath { get; } = databasePath;

    /// <inheritdoc/>
    protected override string AutoIdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(DatabasePath))!);
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
        // NORMAL is durable in WAL mode up to the last checkpoint-safe commit, and a power cut loses at most the last commit.
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";
        await cmd.ExecuteNonQueryAsync(ct);
        return c;
    }

    /// <inheritdoc/>
    public override Task<IEnvironmentLease> AcquireLeaseAsync(string app, string environment, CancellationToken ct = default) =>
        ProcessLeases.AcquireAsync(DatabasePath, app, environment, ct);

    /// <inheritdoc/>
    public override Task<IEnvironmentLease?> TryAcquireLeaseAsync(string app, string environment, CancellationToken ct = default) =>
        ProcessLeases.TryAcquireAsync(DatabasePath, app, environment, ct);

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }
}
