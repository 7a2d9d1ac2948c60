using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Catalytic.Storage.Sqlite;

/// <summary>How every store opens the one SQLite file (.catalytic/catalytic.db) its tables share.</summary>
internal static class SqliteDatabase
{
    /// <summary>The connection string of <paramref name="databasePath"/>: created if missing, pooled, waiting up to 30 s for a lock.</summary>
    public static string ConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Creates the file's folder and puts the database in WAL mode, so readers never block the writer.</summary>
    public static async Task PrepareAsync(string databasePath, string connectionString, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        await using var c = await OpenAsync(connectionString, ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>An open connection.</summary>
    public static async Task<DbConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var c = new SqliteConnection(connectionString);
        await c.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        // NORMAL is durable in WAL mode up to the last checkpoint-safe commit, and a power cut loses at most the last commit.
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";
        await cmd.ExecuteNonQueryAsync(ct);
        return c;
    }
}
