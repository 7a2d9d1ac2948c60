using System.Data.Common;
using Catalytic.Storage.Postgres;
using Npgsql;

namespace Catalytic.Storage.Status;

/// <summary>The status tables in PostgreSQL; <paramref name="schema"/> isolates one installation (or one test).</summary>
public sealed class PostgresStatusStore : SqlStatusStore
{
    private readonly NpgsqlDataSource _source;
    private readonly string? _schema;

    /// <summary>Connects with <paramref name="connectionString"/>; tables live in <paramref name="schema"/> when given (or the first of its Search Path).</summary>
    public PostgresStatusStore(string connectionString, string? schema = null)
    {
        (var cs, _schema) = PostgresSchema.Resolve(connectionString, schema);
        _source = NpgsqlDataSource.Create(cs);
    }

    /// <inheritdoc/>
    protected override string AutoIdColumn => "BIGSERIAL PRIMARY KEY";

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        await PostgresSchema.EnsureAsync(_source, _schema, ct);
        await base.InitializeAsync(ct);
    }

    /// <inheritdoc/>
    protected override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _source.OpenConnectionAsync(ct);

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await base.DisposeAsync();
    }
}
