using Npgsql;

namespace Catalytic.Storage.Postgres;

/// <summary>Which schema an installation's tables live in, as every PostgreSQL store reads it.</summary>
internal static class PostgresSchema
{
    /// <summary>
    /// The connection string to use (its search path set to <paramref name="schema"/> when given) and the installation's
    /// schema: <paramref name="schema"/>, or the first of a `Search Path=NAME` in the connection string (e.g. `serve
    /// --postgres`), or null for public.
    /// </summary>
    public static (string ConnectionString, string? Schema) Resolve(string connectionString, string? schema)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        if (schema is not null)
        {
            b.SearchPath = schema;
        }

        var first = b.SearchPath?.Split(',')[0].Trim().Trim('"');
        return (b.ConnectionString, schema ?? (first is { Length: > 0 } && first != "public" && !first.StartsWith('$') ? first : null));
    }

    /// <summary>The statement that creates <paramref name="schema"/> when missing.</summary>
    public static string CreateSql(string schema) => $"CREATE SCHEMA IF NOT EXISTS \"{schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>Creates <paramref name="schema"/> when one is given and missing: before a store creates its tables in it.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource source, string? schema, CancellationToken ct)
    {
        if (schema is null)
        {
            return;
        }

        await using var cmd = source.CreateCommand(CreateSql(schema));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
