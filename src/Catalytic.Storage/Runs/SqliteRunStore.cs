using System.Data;
using System.Data.Common;
using Catalytic.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Catalytic.Storage.Runs;

/// <summary>
/// The runs of one server in SQLite (the state folder's catalytic.db, WAL mode: readers never wait). A writing
/// transaction begins IMMEDIATE, so it holds the write lock from its first statement and every row it reads stays as
/// read until it commits; the writers of this process also take turns on a semaphore, so none of them spins on the
/// busy timeout while another writes.
/// </summary>
public sealed class SqliteRunStore(string databasePath) : SqlRunStore
{
    private readonly SemaphoreSlim _writer = new(1, 1);

    private readonly string _connectionString = SqliteDatabase.ConnectionString(databasePath);

    /// <summary>The database file.</summary>
    public string DatabasePath { get; } = databasePath;

    /// <inheritdoc/>
    protected override string AutoIdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <inheritdoc/>
    protected internal override string ForUpdate => "";

    /// <inheritdoc/>
    protected internal override string SkipLocked => "";

    /// <inheritdoc/>
    protected internal override string? LockGroupSql => null;

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        await SqliteDatabase.PrepareAsync(DatabasePath, _connectionString, ct);
        await base.InitializeAsync(ct);
    }

    /// <inheritdoc/>
    public override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED: another process writes

    /// <inheritdoc/>
    protected internal override Task<DbConnection> OpenAsync(CancellationToken ct) => SqliteDatabase.OpenAsync(_connectionString, ct);

    /// <inheritdoc/>
    protected internal override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct)
    {
        await _writer.WaitAsync(ct);
        try
        {
            // deferred: false is BEGIN IMMEDIATE: the write lock now, not at the first write.
            return ((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false);
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    /// <inheritdoc/>
    protected internal override void EndWrite() => _writer.Release();

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }
}
