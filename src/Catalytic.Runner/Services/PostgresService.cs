using System.Diagnostics;
using System.Globalization;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Services;

/// <summary>
/// A `postgres:*` service as a real PostgreSQL from the machine's binaries (/usr/lib/postgresql/*/bin):
/// initdb in a temporary folder with POSTGRES_USER (default postgres), POSTGRES_PASSWORD (scram-sha-256 over
/// TCP, or POSTGRES_HOST_AUTH_METHOD), POSTGRES_DB (default: the user's name) and POSTGRES_INITDB_ARGS, then
/// pg_ctl on 127.0.0.1 at the mapped host port. Run as the `postgres` account through runuser when Catalytic
/// runs as root, since PostgreSQL refuses root. Durability settings are off: it is a throwaway test database.
/// </summary>
internal sealed class PostgresService : IServiceInstance
{
    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asPostgresUser;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private int _stopped;

    private PostgresService(RunningService info, string bin, string root, bool asPostgresUser, TimeProvider time, ILogger log)
    {
        _time = time;
        _log = log;
        Info = info;
        _bin = bin;
        _root = root;
        _asPostgresUser = asPostgresUser;
    }

    public RunningService Info { get; }

    private string ServiceFolder => $"PostgreSQL data of service '{Info.Id}'";

    private string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The folder holding data, socket and log; gone after disposal.</summary>
    internal string RootDirectory => _root;

    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")))
                .OrderByDescending(x => x.Version).Select(x => x.Dir).FirstOrDefault()
            : null;

    public static async Task<PostgresService> StartAsync(ServiceDefinition definition, Action<string> log, TimeProvider time, ILogger diagnostics, CancellationToken ct)
    {
        var bin = FindBinaries() ?? throw new ServiceStartException(
            $"service '{definition.Id}': image {definition.Image} runs from the host's PostgreSQL, but no /usr/lib/postgresql/*/bin/initdb was found (apt-get install postgresql)");
        var mapping = definition.Ports.Select(p => PortMapping.Parse(p, out var e) ?? throw new ServiceStartException($"service '{definition.Id}': {e}"))
            .FirstOrDefault(p => p.ContainerPort == 5432) ?? new PortMapping(5432, null);
        var port = ServiceSupport.HostPortFor(mapping, definition.Id);
        var env = definition.Env;
        var user = env.GetValueOrDefault("POSTGRES_USER") is { Length: > 0 } u ? u : "postgres";
        var password = env.GetValueOrDefault("POSTGRES_PASSWORD") ?? string.Empty;
        var database = env.GetValueOrDefault("POSTGRES_DB") is { Length: > 0 } d ? d : user;
        var auth = env.GetValueOrDefault("POSTGRES_HOST_AUTH_METHOD") is { Length: > 0 } a ? a : password.Length > 0 ? "scram-sha-256" : "trust";
        var hostVersion = Path.GetFileName(Path.GetDirectoryName(bin));
        if (!definition.ImageTag.StartsWith(hostVersion ?? "?", StringComparison.Ordinal) && definition.ImageTag != "latest")
        {
            log($"service '{definition.Id}': {definition.Image} asked; running the host's PostgreSQL {hostVersion}.");
        }

        var root = ServiceSupport.NewTempDirectory(definition.Id);
        var asPostgres = ServiceSupport.IsRoot;
        var service = new PostgresService(
            new RunningService(definition.Id, definition.Image, "127.0.0.1", new Dictionary<string, string> { [mapping.ContainerPort.ToString(CultureInfo.InvariantCulture)] = port.ToString(CultureInfo.InvariantCulture) }, "postgres"),
            bin, root, asPostgres, time, diagnostics);
        try
        {
            await service.InitializeAsync(user, password, auth, database, env.GetValueOrDefault("POSTGRES_INITDB_ARGS"), port, ServiceSupport.HealthBudget(definition.Options), ct);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        log($"service '{definition.Id}': PostgreSQL {hostVersion} ready on 127.0.0.1:{port} (user {user}, database {database}, auth {auth}).");
        return service;
    }

    private async Task InitializeAsync(string user, string password, string auth, string database, string? initdbArgs, int port, TimeSpan budget, CancellationToken ct)
    {
        Directory.CreateDirectory(DataDirectory);
        var pwfile = Path.Combine(_root, "pwfile");
        if (password.Length > 0)
        {
            File.WriteAllText(pwfile, password + "\n");
            ServiceSupport.OwnerOnly(pwfile);
        }

        if (_asPostgresUser)
        {
            var chown = await ServiceSupport.RunAsync("chown", ["-R", "postgres:postgres", _root], ct);
            if (!chown.Succeeded)
            {
                throw new ServiceStartException($"service '{Info.Id}': cannot hand {_root} to the postgres account: {chown.ErrorText}");
            }
        }

        ServiceSupport.OwnerOnly(_root, directory: true);
        ServiceSupport.OwnerOnly(DataDirectory, directory: true);

        var initArgs = new List<string>
        {
            "-D", DataDirectory, "-U", user, "--encoding=UTF8", "--locale=C", "--no-sync",
            "--auth-local=trust", $"--auth-host={auth}",
        };
        if (password.Length > 0)
        {
            initArgs.Add("--pwfile=" + pwfile);
        }

        if (!string.IsNullOrWhiteSpace(initdbArgs))
        {
            initArgs.AddRange(initdbArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var init = await PgAsync("initdb", initArgs, ct);
        File.Delete(pwfile);
        if (!init.Succeeded)
        {
            throw new ServiceStartException($"service '{Info.Id}': initdb failed: {init.ErrorText}");
        }

        var log = Path.Combine(_root, "postgres.log");
        var options = string.Join(' ',
            $"-p {port}", $"-k {_root}", "-c listen_addresses=127.0.0.1", "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off");
        var start = await PgAsync("pg_ctl", ["-D", DataDirectory, "-l", log, "-w", "-t", ((int)budget.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-o", options, "start"], ct);
        if (!start.Succeeded)
        {
            throw new ServiceStartException($"service '{Info.Id}': PostgreSQL did not become healthy on 127.0.0.1:{port}: {start.ErrorText}\n{ServiceSupport.Tail(log)}");
        }

        if (database != "postgres" && database != user)
        {
            var create = await PgAsync("createdb", ["-h", _root, "-p", port.ToString(CultureInfo.InvariantCulture), "-U", user, database], ct);
            if (!create.Succeeded)
            {
                throw new ServiceStartException($"service '{Info.Id}': creating database {database} failed: {create.ErrorText}");
            }
        }
        else if (database == user && user != "postgres")
        {
            // initdb made only "postgres"; the image also creates a database named after the user.
            await PgAsync("createdb", ["-h", _root, "-p", port.ToString(CultureInfo.InvariantCulture), "-U", user, database], ct);
        }
    }

    private Task<Catalytic.Runner.Actions.BuiltIn.Processes.ProcessOutcome> PgAsync(string tool, IEnumerable<string> args, CancellationToken ct) =>
        _asPostgresUser
            ? ServiceSupport.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args], ct)
            : ServiceSupport.RunAsync(Path.Combine(_bin, tool), args, ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await PgAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "10", "stop"], CancellationToken.None);
        }

        KillPostmaster();
        ServiceSupport.DeleteDirectory(_root, ServiceFolder, _log);
    }

    public void StopNow()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        KillPostmaster();
        ServiceSupport.DeleteDirectory(_root, ServiceFolder, _log);
    }

    /// <summary>Whatever pg_ctl did, no postmaster of this folder survives: its pid is in postmaster.pid.</summary>
    private void KillPostmaster()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        try
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
            {
                ServiceSupport.Kill(pid, $"postmaster of service '{Info.Id}'", _time, _log);
            }
        }
        catch (IOException)
        {
            // The pid file went with its postmaster (it removes it as it ends): nothing is left to kill.
        }
    }
}
