using Catalytic.Delivery.Storage;
using Catalytic.Identity.Storage;
using Catalytic.Pipelines.Runs;
using Catalytic.Identity;
using Catalytic.Server.Auth;
using Catalytic.Storage.Postgres;
using Catalytic.Storage.Runs;
using Catalytic.Storage.Sqlite;
using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Hosting;

/// <summary>
/// The stores one `catalytic serve` opens — deliveries, runs, and users with their access — opened together before
/// anything that uses them starts, and closed together after everything that used them stopped. Set once: a server
/// holds all of them or none (what was opened before a later one failed is closed again).
/// </summary>
internal sealed class ServerStores : IAsyncDisposable
{
    private ServerStores(IDeliveryStore delivery, IRunStore runs, IIdentityStore identity, AccessControl access)
    {
        Delivery = delivery;
        Runs = runs;
        Identity = identity;
        Access = access;
    }

    /// <summary>Deployments, releases and environments (SQLite in the state folder, or PostgreSQL).</summary>
    public IDeliveryStore Delivery { get; }

    /// <summary>Pipeline runs, jobs and their logs.</summary>
    public IRunStore Runs { get; }

    /// <summary>Users, tokens, sessions and the audit log.</summary>
    public IIdentityStore Identity { get; }

    /// <summary>What the API's authentication and authorization read.</summary>
    public AccessControl Access { get; }

    /// <summary>Opens and initialises each store in <paramref name="state"/> (or the options' PostgreSQL).</summary>
    public static async Task<ServerStores> OpenAsync(ServerOptions options, string state, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var database = Path.Combine(state, "catalytic.db");
        IDeliveryStore? delivery = null;
        IRunStore? runs = null;
        try
        {
            delivery = options.Postgres is { } pg ? new PostgresDeliveryStore(pg, time, loggers: loggers) : new SqliteDeliveryStore(database);
            delivery = options.WrapDeliveryStore?.Invoke(delivery) ?? delivery;
            await delivery.InitializeAsync(ct);
            runs = options.Postgres is { } pgRuns ? new PostgresRunStore(pgRuns) : new SqliteRunStore(database);
            await runs.InitializeAsync(ct);
            var (identity, access) = await AccessHosting.OpenAsync(options, state, time, loggers, ct);
            return new ServerStores(delivery, runs, identity, access);
        }
        catch
        {
            // Not handled here: closes what was opened, and the caller sees the failure.
            if (runs is not null)
            {
                await runs.DisposeAsync();
            }

            if (delivery is not null)
            {
                await delivery.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Closes the stores, deliveries first and users last (the order serve always closed them in).</summary>
    public async ValueTask DisposeAsync()
    {
        await Delivery.DisposeAsync();
        await Runs.DisposeAsync();
        await Identity.DisposeAsync();
    }
}
