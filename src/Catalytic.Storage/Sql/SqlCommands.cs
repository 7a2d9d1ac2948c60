using System.Data;
using System.Data.Common;

namespace Catalytic.Storage.Sql;

/// <summary>The ADO.NET plumbing the SQL stores share: commands with @name parameters, and reading rows.</summary>
internal static class SqlCommands
{
    /// <summary>
    /// A command with its parameters. A parameter's type is given, or (null) left to the driver, except that an untyped
    /// NULL is text: PostgreSQL would otherwise have to guess, and text is what the nullable columns mostly hold.
    /// </summary>
    public static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, IEnumerable<(string Name, object? Value, DbType? Type)> args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value, type) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            if (type is { } t)
            {
                p.DbType = t;
            }
            else if (value is null)
            {
                p.DbType = DbType.String;
            }

            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    /// <summary>Whether <paramref name="table"/> has <paramref name="column"/> (a database from before the column was added has not).</summary>
    public static async Task<bool> HasColumnAsync(DbConnection c, string table, string column, CancellationToken ct)
    {
        await using var cmd = Command(c, null, $"SELECT * FROM {table} WHERE 1 = 0", []);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return Enumerable.Range(0, r.FieldCount).Any(i => string.Equals(r.GetName(i), column, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Every row <paramref name="sql"/> returns, read by <paramref name="read"/>.</summary>
    public static async Task<IReadOnlyList<T>> QueryAsync<T>(DbConnection c, DbTransaction? tx, string sql, Func<DbDataReader, T> read, CancellationToken ct, IEnumerable<(string Name, object? Value, DbType? Type)> args)
    {
        await using var cmd = Command(c, tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await r.ReadAsync(ct))
        {
            list.Add(read(r));
        }

        return list;
    }
}
