using Catalytic.Contracts.Server;
using Catalytic.Identity;
using Catalytic.Identity.Storage;
using Catalytic.Server.Hosting;
using Catalytic.Storage.Identity;
using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Auth;

/// <summary>How `serve` opens the identity store and, on a store without users, creates the initial admin.</summary>
internal static class AccessHosting
{
    /// <summary>
    /// Opens the store beside the delivery tables (the same SQLite file, or the same PostgreSQL schema) and makes sure
    /// someone can sign in: when no user exists yet, <c>admin</c> is created with a random password written to
    /// <see cref="ServerFiles.InitialAdminPassword"/> (mode 0600) — first the file, then the user, so the password is
    /// never lost; when another node (or an earlier start) won the race, the file is removed again.
    /// </summary>
    public static async Task<(IIdentityStore Store, AccessControl Access)> OpenAsync(ServerOptions options, string state, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        IIdentityStore store = options.Postgres is { } pg ? new PostgresIdentityStore(pg) : new SqliteIdentityStore(Path.Combine(state, "catalytic.db"));
        await store.InitializeAsync(ct);
        var access = new AccessControl(store, time, logger: loggers.CreateLogger("Catalytic.Identity"));
        if ((await store.ListUsersAsync(ct)).Count == 0)
        {
            var file = Path.Combine(state, ServerFiles.InitialAdminPassword);
            var password = Identity.Passwords.Passwords.Generate();
            await SecretFiles.WriteAsync(file, password + "\n", ct);
            if (await access.CreateInitialAdminAsync(password, ct))
            {
                loggers.CreateLogger<CatalyticServer>().InitialAdminCreated(file);
            }
            else
            {
                File.Delete(file);
            }
        }

        var log = loggers.CreateLogger<CatalyticServer>();
        log.MetricsAccess(options.PublicMetrics ? "answers without credentials (serve --private-metrics requires a viewer's)" : "requires a viewer's credentials");
        return (store, access);
    }
}

/// <summary>Files only the server's user may read (mode 0600): the local token, the initial admin's password.</summary>
internal static class SecretFiles
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>, created 0600 (never readable by others, not even for a moment).</summary>
    public static async Task WriteAsync(string path, string content, CancellationToken ct)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), ct);
    }
}
