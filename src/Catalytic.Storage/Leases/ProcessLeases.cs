using System.Collections.Concurrent;
using Catalytic.Delivery.Storage;

namespace Catalytic.Storage.Leases;

/// <summary>
/// Environment leases inside one process, for the single-node store (SQLite): one semaphore per (database, app,
/// environment), shared by every store object that opens the same database file. Only one `catalytic serve` runs per
/// state folder (it refuses to start while server.json names a live server), so within that process is where
/// exclusion is needed. A process's death ends its leases with it; <see cref="IEnvironmentLease.Lost"/> never fires.
/// </summary>
internal static class ProcessLeases
{
    private static readonly ConcurrentDictionary<(string Database, string App, string Environment), SemaphoreSlim> Gates = new();

    public static async Task<IEnvironmentLease> AcquireAsync(string database, string app, string environment, CancellationToken ct)
    {
        var gate = Gate(database, app, environment);
        await gate.WaitAsync(ct);
        return new Lease(gate);
    }

    public static async Task<IEnvironmentLease?> TryAcquireAsync(string database, string app, string environment, CancellationToken ct) =>
        await Gate(database, app, environment).WaitAsync(0, ct) ? new Lease(Gate(database, app, environment)) : null;

    private static SemaphoreSlim Gate(string database, string app, string environment) =>
        Gates.GetOrAdd((Path.GetFullPath(database), app, environment), _ => new SemaphoreSlim(1, 1));

    private sealed class Lease(SemaphoreSlim gate) : IEnvironmentLease
    {
        private int _released;

        public CancellationToken Lost => CancellationToken.None;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
