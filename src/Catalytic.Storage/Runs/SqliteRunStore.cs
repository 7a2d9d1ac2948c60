using System.Data;
using System.Data.Common;
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
    protected internal override string ForUpdate => "";

    /// <inheritdoc/>
    protected internal override string SkipLocked => "";

    /// <inheritdoc/>
    protected internal override string? LockGroupSql => null;

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
    public override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED: another process writes

    /// <inheritdoc/>
    protected internal override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        // NORMAL is durable in WAL mode up to the last checkpoint-safe commit; a power cut loses at most the last commit.
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";
        await cmd.ExecuteNonQueryAsync(ct);
        return c;
    }

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
