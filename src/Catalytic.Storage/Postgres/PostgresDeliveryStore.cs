using System.Data.Common;
using Catalytic.Delivery.Storage;
using Catalytic.Storage.Leases;
using Catalytic.Storage.Sql;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Catalytic.Storage.Postgres;

/// <summary>
/// The store several `catalytic serve` nodes share: PostgreSQL through Npgsql. <paramref name="schema"/> isolates one
/// installation (or one test). What makes sharing safe: every write is one transaction, and a deployment runs only
/// while its node holds the environment's advisory lock (<see cref="AdvisoryLease"/>), which PostgreSQL frees with
/// the holder's session.
/// </summary>
public sealed class PostgresDeliveryStore : SqlDeliveryStore
{
    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlDataSource _leases;
    private readonly string? _schema;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <summary>Connects with <paramref name="connectionString"/>; tables live in <paramref name="schema"/> when given.</summary>
    /// <param name="time">The clock of the leases' liveness checks.</param>
    /// <param name="loggers">Where a lost lease is logged.</param>
    public PostgresDeliveryStore(string connectionString, TimeProvider time, string? schema = null, ILoggerFactory? loggers = null)
    {
        (var cs, _schema) = PostgresSchema.Resolve(connectionString, schema);
        _source = NpgsqlDataSource.Create(cs);
        // A lease's session must end when its connection closes, or a pooled session would keep the lock.
        _leases = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        _time = time;
        _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<PostgresDeliveryStore>();
    }

    /// <inheritdoc/>
    protected override string AutoIdColumn => "BIGSERIAL PRIMARY KEY";

    /// <inheritdoc/>
    protected override string AddColumnSql(string table, string column, string type) => $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {type}";

    /// <inheritdoc/>
    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        await PostgresSchema.EnsureAsync(_source, _schema, ct);
        await base.InitializeAsync(ct);
    }

    /// <inheritdoc/>
    public override async Task<IEnvironmentLease> AcquireLeaseAsync(string app, string environment, CancellationToken ct = default) =>
        (await AdvisoryLease.AcquireAsync(_leases, LeaseKey(app, environment), wait: true, _time, _log, ct))!;

    /// <inheritdoc/>
    public override async Task<IEnvironmentLease?> TryAcquireLeaseAsync(string app, string environment, CancellationToken ct = default) =>
        await AdvisoryLease.AcquireAsync(_leases, LeaseKey(app, environment), wait: false, _time, _log, ct);

    /// <summary>
    /// The lock's name: one per (installation, app, environment), so schemas sharing a database do not collide. App and
    /// environment names cannot hold '|' (catalytic.yml's name rule), so the key reads back one way only.
    /// </summary>
    private string LeaseKey(string app, string environment) => $"catalytic-environment|{_schema ?? "public"}|{app}|{environment}";

    /// <inheritdoc/>
    protected override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _source.OpenConnectionAsync(ct);

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await _leases.DisposeAsync();
        await base.DisposeAsync();
    }
}
