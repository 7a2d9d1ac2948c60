using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Runner.Services;

/// <summary>
/// The services of one running job. Dispose when the job ends, whatever its outcome: every server is stopped,
/// its temporary folder removed, and nothing is left listening.
/// </summary>
public interface IJobServices : IAsyncDisposable
{
    /// <summary>By service id. Steps run on the host reach a service at <see cref="RunningService.Host"/> (127.0.0.1)
    /// and its mapped port: GitHub's service hostnames only resolve inside a container job's network, and on a GitHub
    /// runner too a job on the host uses `localhost:&lt;port&gt;`.</summary>
    IReadOnlyDictionary<string, RunningService> Services { get; }

    /// <summary>`job.services` as the expression context wants it: id → { id, network, ports: { container → host } }.</summary>
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> ToContext();
}

/// <summary>How starting a job's services ended: the running services, or an error naming the service.</summary>
public sealed record ServiceStartResult(IJobServices? Services, string? Error)
{
    public bool Succeeded => Services is not null;
}

/// <summary>How starting a job's container ended: the running container, or an error naming the image, the reason and what to do.</summary>
internal sealed record JobContainerStartResult(JobContainer? Container, string? Error);

/// <summary>Options of <see cref="JobServiceStarter"/>.</summary>
public sealed record JobServiceOptions
{
    /// <summary>The podman executable; null looks it up on PATH (the CLI takes it from CATALYTIC_PODMAN when set).</summary>
    public string? Podman { get; init; }

    /// <summary>PATH used to find redis-server and podman; null uses the process's.</summary>
    public string? SearchPath { get; init; }

    /// <summary>The job's clock: health-check attempts and waits, and how long a killed service is given to go.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>The runner's diagnostics: a service's folder left on disk, a process that outlived its SIGKILL.</summary>
    public ILogger Log { get; init; } = NullLogger.Instance;
}

/// <summary>
/// Starts a job's `services:` on the host: `postgres:*` from the machine's PostgreSQL binaries, `redis:*` (and
/// valkey) from redis-server, any other image through podman when installed (local images only), else a clear
/// error naming the image and what is supported. Services start in order; if one fails, those already started are
/// stopped before the error is returned.
/// </summary>
public sealed class JobServiceStarter(JobServiceOptions options)
{
    private readonly JobServiceOptions _options = options;

    /// <summary>The images run from host binaries.</summary>
    public static IReadOnlyList<string> HostImages { get; } = ["postgres", "redis", "valkey"];

    public async Task<ServiceStartResult> StartAsync(IReadOnlyList<ServiceDefinition> services, Action<string> log, CancellationToken cancellationToken)
    {
        var started = new List<IServiceInstance>();
        try
        {
            foreach (var definition in services)
            {
                started.Add(await StartOneAsync(definition, log, cancellationToken));
            }
        }
        catch (ServiceStartException ex)
        {
            await StopAllAsync(started);
            return new ServiceStartResult(null, ex.Message);
        }
        catch
        {
            await StopAllAsync(started);
            throw;
        }

        return new ServiceStartResult(new RunningServices(started), null);
    }

    /// <summary>
    /// Starts a job's `container:` through podman (see <see cref="JobContainer"/>): <paramref name="mounts"/> are
    /// host folders mounted at the same path (the workspace first), <paramref name="serviceIds"/> the job's services,
    /// reachable by name. Without podman, or without the image in its local store, an error naming the image, the
    /// reason and what to do.
    /// </summary>
    internal async Task<JobContainerStartResult> StartJobContainerAsync(
        ServiceDefinition container,
        IReadOnlyList<string> mounts,
        IReadOnlyCollection<string> serviceIds,
        IReadOnlyDictionary<string, string> hostEnvironment,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(container.Image))
        {
            return new JobContainerStartResult(null, "job container: no image");
        }

        if (Which("podman") is not { } podman)
        {
            return new JobContainerStartResult(null, $"job container: {Podman.MissingMessage(container.Image)}; or run the steps on the host with `catalytic run --job-container host`");
        }

        try
        {
            return new JobContainerStartResult(await JobContainer.StartAsync(container, new Podman(podman), mounts, serviceIds, hostEnvironment, log, cancellationToken), null);
        }
        catch (ServiceStartException ex)
        {
            return new JobContainerStartResult(null, ex.Message);
        }
    }

    private async Task<IServiceInstance> StartOneAsync(ServiceDefinition definition, Action<string> log, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(definition.Image))
        {
            throw new ServiceStartException($"service '{definition.Id}': no image");
        }

        IServiceInstance? hostService = definition.ImageName switch
        {
            "postgres" or "postgis" => await PostgresService.StartAsync(definition, log, _options.Time, _options.Log, ct),
            "redis" or "valkey" or "redis-stack-server" => await RedisService.StartAsync(definition, log, Which, _options.Time, _options.Log, ct),
            _ => null,
        };
        if (hostService is not null)
        {
            return await CheckHealthAsync(definition, hostService, log, ct);
        }

        if (Which("podman") is { } podman)
        {
            return await PodmanService.StartAsync(definition, new Podman(podman), new Dictionary<string, string>(), log, _options.Time, ct);
        }

        throw new ServiceStartException($"service '{definition.Id}': {Podman.MissingMessage(definition.Image)}");
    }

    /// <summary>
    /// Applies `options:` to a service started from host binaries: warns about the flags that mean nothing here, and
    /// when there is a `--health-cmd`, waits for it to pass (on the host, see <see cref="ServiceHealthCheck"/>).
    /// An unhealthy service is stopped and the error names it with the check's last output.
    /// </summary>
    private async Task<IServiceInstance> CheckHealthAsync(ServiceDefinition definition, IServiceInstance instance, Action<string> log, CancellationToken ct)
    {
        var options = ServiceOptions.Parse(definition.Options);
        if (options.Ignored.Count > 0)
        {
            log($"warning: service '{definition.Id}': options {string.Join(", ", options.Ignored.Distinct(StringComparer.Ordinal))} ignored (the service runs from host binaries; only --health-cmd, --health-interval, --health-timeout, --health-retries and --health-start-period apply).");
        }

        string? error = options.Errors.Count > 0 ? $"service '{definition.Id}': options: {string.Join("; ", options.Errors)}" : null;
        if (error is null && options.HealthCommand is not null)
        {
            error = await ServiceHealthCheck.WaitAsync(definition, instance.Info, options, log, _options.Time, ct);
        }

        if (error is not null)
        {
            await instance.DisposeAsync();
            throw new ServiceStartException(error);
        }

        return instance;
    }

    private string? Which(string name)
    {
        if (name == "podman" && _options.Podman is { } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var path = _options.SearchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    }

    private static async Task StopAllAsync(IEnumerable<IServiceInstance> instances)
    {
        foreach (var instance in instances.Reverse())
        {
            await instance.DisposeAsync();
        }
    }

    private sealed class RunningServices : IJobServices
    {
        private readonly IReadOnlyList<IServiceInstance> _instances;
        private readonly EventHandler _onExit;
        private int _disposed;

        public RunningServices(IReadOnlyList<IServiceInstance> instances)
        {
            _instances = instances;
            Services = instances.ToDictionary(i => i.Info.Id, i => i.Info, StringComparer.Ordinal);

            // A runner killed by Ctrl-C or SIGTERM still stops its servers.
            _onExit = (_, _) =>
            {
                foreach (var instance in _instances)
                {
                    instance.StopNow();
                }
            };
            AppDomain.CurrentDomain.ProcessExit += _onExit;
        }

        public IReadOnlyDictionary<string, RunningService> Services { get; }

        internal IReadOnlyList<IServiceInstance> Instances => _instances;

        public IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> ToContext() =>
            Services.ToDictionary(
                s => s.Key,
                s => (IReadOnlyDictionary<string, object>)new Dictionary<string, object>
                {
                    ["id"] = s.Value.ContainerId,
                    ["network"] = string.Empty,
                    ["ports"] = s.Value.Ports,
                },
                StringComparer.Ordinal);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            AppDomain.CurrentDomain.ProcessExit -= _onExit;
            await StopAllAsync(_instances);
        }
    }
}
