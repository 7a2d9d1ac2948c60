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
    private readonly string _connectionString = SqliteDatabase.ConnectionString(databasePath);

    /// <summary>The database file.</summary>
    public string DatabasePath { get; } = databasePath;

    /// <inheritdoc/>
    protected override string AutoIdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        await SqliteDatabase.PrepareAsync(DatabasePath, _connectionString, ct);
        await base.InitializeAsync(ct);
    }

    /// <inheritdoc/>
    protected override Task<DbConnection> OpenAsync(CancellationToken ct) => SqliteDatabase.OpenAsync(_connectionString, ct);

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
