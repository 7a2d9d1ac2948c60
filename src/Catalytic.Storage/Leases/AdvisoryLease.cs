using Catalytic.Delivery.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Catalytic.Storage.Leases;

/// <summary>
/// An environment lease held as a PostgreSQL session-level advisory lock on a connection of its own (not pooled: its
/// session ends when the connection closes, so no pooled session can keep the lock by accident). PostgreSQL frees the
/// lock when the session ends: on release, and when the holder crashes, is killed or loses its network, so a dead node
/// never keeps an environment. While held, the connection is asked a trivial query at every <see cref="PingInterval"/>
/// on the store's clock; when that fails the lock may already be gone and <see cref="Lost"/> fires.
/// </summary>
internal sealed class AdvisoryLease : IEnvironmentLease
{
    /// <summary>How often the holder checks that its session (and so its lock) still exists.</summary>
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);

    private readonly NpgsqlConnection _connection;
    private readonly string _key;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _use = new(1, 1);
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _released = new();
    private readonly Task _watch;

    private AdvisoryLease(NpgsqlConnection connection, string key, TimeProvider time, ILogger log)
    {
        _connection = connection;
        _key = key;
        _time = time;
        _log = log;
        _watch = Task.Run(WatchAsync);
    }

    /// <inheritdoc/>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// Takes the lock named <paramref name="key"/> on a new connection of <paramref name="source"/>; with
    /// <paramref name="wait"/> waits for it (pg_advisory_lock, ended by <paramref name="ct"/>), else returns null when held.
    /// </summary>
    public static async Task<AdvisoryLease?> AcquireAsync(NpgsqlDataSource source, string key, bool wait, TimeProvider time, ILogger log, CancellationToken ct)
    {
        var connection = await source.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = connection.CreateCommand();
            // hashtextextended gives every node the same 64-bit lock id for the same key.
            cmd.CommandText = wait ? "SELECT pg_advisory_lock(hashtextextended(@key, 0))::text" : "SELECT pg_try_advisory_lock(hashtextextended(@key, 0))::text";
            cmd.Parameters.AddWithValue("key", key);
            var got = (string?)await cmd.ExecuteScalarAsync(ct);
            if (wait || got == "true")
            {
                return new AdvisoryLease(connection, key, time, log);
            }
        }
        catch (Exception)
        {
            // Closing the session frees a lock the cancelled command may have been granted at the last moment.
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Unlocks and closes the session (closing alone would free the lock too; unlocking says so at once).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_released.IsCancellationRequested)
        {
            return;
        }

        await _released.CancelAsync();
        await _watch;
        try
        {
            if (!_lost.IsCancellationRequested)
            {
                await _use.WaitAsync();
                await using var cmd = _connection.CreateCommand();
                cmd.CommandText = "SELECT pg_advisory_unlock(hashtextextended(@key, 0))";
                cmd.Parameters.AddWithValue("key", _key);
                await cmd.ExecuteScalarAsync();
            }
        }
        finally
        {
            await _connection.DisposeAsync();
            _lost.Dispose();
            _released.Dispose();
        }
    }

    private async Task WatchAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(PingInterval, _time, _released.Token);
                await _use.WaitAsync(_released.Token);
                try
                {
                    await using var cmd = _connection.CreateCommand();
                    cmd.CommandText = "SELECT 1";
                    await cmd.ExecuteScalarAsync(_released.Token);
                }
                finally
                {
                    _use.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_released.IsCancellationRequested)
        {
            // Released: nothing to watch any more.
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
        {
            StorageLog.LeaseLost(_log, e, _key);
            await _lost.CancelAsync();
        }
    }
}
