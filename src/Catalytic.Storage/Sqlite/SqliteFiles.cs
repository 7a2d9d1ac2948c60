using Microsoft.Data.Sqlite;

namespace Catalytic.Storage.Sqlite;

/// <summary>How every store of the state folder's SQLite file opens it: WAL mode, NORMAL sync, a busy timeout.</summary>
internal static class SqliteFiles
{
    public static string ConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Creates the folder and switches the file to WAL (readers never block the writer); kept by the file.</summary>
    public static async Task PrepareAsync(string databasePath, string connectionString, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        await using var c = await OpenAsync(connectionString, ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken ct)
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
