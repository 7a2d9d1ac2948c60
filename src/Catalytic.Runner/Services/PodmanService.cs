using System.Globalization;

namespace Catalytic.Runner.Services;

/// <summary>
/// A service of any other image, as a container through podman: only an image already in the local store
/// (`--pull=never`), `env` (values through podman's environment, never its command line), `ports` published on
/// 127.0.0.1 (a free host port when only the container port is given), `volumes`, and `options` passed to
/// `podman run` as GitHub passes them to `docker create`. With `--health-cmd` the job waits until the command passes
/// inside the container (`podman exec … sh -c`, Docker's CMD-SHELL); without, until every published port accepts
/// connections. Removed (`podman rm --force --volumes`) when the job ends, whatever its outcome.
/// </summary>
internal sealed class PodmanService : IServiceInstance
{
    private readonly Podman _podman;
    private readonly string _name;
    private int _stopped;

    private PodmanService(RunningService info, Podman podman, string name)
    {
        Info = info;
        _podman = podman;
        _name = name;
    }

    public RunningService Info { get; private set; }

    public static async Task<PodmanService> StartAsync(ServiceDefinition definition, Podman podman, IReadOnlyDictionary<string, string> hostEnvironment, Action<string> log, TimeProvider time, CancellationToken ct)
    {
        if (!await podman.ImageExistsAsync(definition.Image, ct))
        {
            throw new ServiceStartException($"service '{definition.Id}': {Podman.NotLocalMessage(definition.Image)}");
        }

        var options = ServiceOptions.Parse(definition.Options);
        if (options.Errors.Count > 0)
        {
            throw new ServiceStartException($"service '{definition.Id}': options: {string.Join("; ", options.Errors)}");
        }

        await podman.RemoveStraysAsync(ct);
        var name = Podman.NewName("svc", definition.Id);
        var args = new List<string> { "run", "--detach", "--pull=never", "--name", name };
        args.AddRange(Podman.Labels("service", definition.Id));
        var published = new List<(PortMapping Mapping, string Text)>();
        foreach (var text in definition.Ports)
        {
            var mapping = PortMapping.Parse(text, out var error) ?? throw new ServiceStartException($"service '{definition.Id}': {error}");
            var host = mapping.HostPort is null ? string.Empty : ServiceSupport.HostPortFor(mapping, definition.Id).ToString(CultureInfo.InvariantCulture);
            args.AddRange(["--publish", $"127.0.0.1:{host}:{mapping.ContainerPort}"]);
            published.Add((mapping, text));
        }

        var (envArgs, podmanEnv) = Podman.EnvironmentArguments(definition.Env, hostEnvironment);
        args.AddRange(envArgs);
        foreach (var volume in definition.Volumes)
        {
            args.AddRange(["--volume", volume]);
        }

        args.AddRange(Podman.RunOptions(definition.Options));
        args.Add(definition.Image);

        var service = new PodmanService(new RunningService(definition.Id, definition.Image, "127.0.0.1", new Dictionary<string, string>(), "podman"), podman, name);
        try
        {
            var run = await podman.RunAsync(args, ct, podmanEnv);
            for (var attempt = 2; !run.Succeeded && attempt <= PortRaceAttempts && PodmanLostItsPort(run.ErrorText, published); attempt++)
            {
                // Podman chose the host port itself (bind to 0, let go, bind again), and another program took it in
                // between: a busy host's race, not the service's fault. The failed container is removed and podman
                // chooses again.
                log($"service '{definition.Id}': podman's chosen host port was taken before podman bound it ({ServiceSupport.PodmanError(run.ErrorText)}); trying again ({attempt} of {PortRaceAttempts}).");
                await podman.RemoveAsync(name);
                run = await podman.RunAsync(args, ct, podmanEnv);
            }

            if (!run.Succeeded)
            {
                throw new ServiceStartException($"service '{definition.Id}': podman run {definition.Image} failed: {ServiceSupport.PodmanError(run.ErrorText)}");
            }

            var ports = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (mapping, _) in published)
            {
                ports[mapping.ContainerPort.ToString(CultureInfo.InvariantCulture)] = await HostPortAsync(podman, name, definition, mapping, ct);
            }

            service.Info = service.Info with { Ports = ports, ContainerId = run.StdOut.Trim() };
            if (options.HealthCommand is { } healthCommand)
            {
                var unhealthy = await ServiceHealthCheck.WaitAsync(
                    definition,
                    healthCommand,
                    (command, token) => podman.RunAsync(["exec", name, "sh", "-c", command], token),
                    options,
                    log,
                    time,
                    ct);
                if (unhealthy is not null)
                {
                    throw new ServiceStartException(unhealthy + $"\ncontainer log:\n{await podman.LogsAsync(name, CancellationToken.None)}");
                }
            }
            else
            {
                await WaitForPortsAsync(definition, podman, name, ports, time, ct);
            }
        }
        catch
        {
            // Also when the start was cancelled half-way: the container may exist without anyone knowing its id.
            await service.DisposeAsync();
            throw;
        }

        log($"service '{definition.Id}': {definition.Image} running in podman as {name}"
            + (service.Info.Ports.Count > 0 ? $", {string.Join(", ", service.Info.Ports.Select(p => $"port {p.Key} on 127.0.0.1:{p.Value}"))}" : string.Empty) + ".");
        return service;
    }

    /// <summary>How many times a service is started when podman loses the host port it chose to another program.</summary>
    private const int PortRaceAttempts = 3;

    /// <summary>
    /// True when <c>podman run</c> failed to bind a host port that podman chose itself: every published port left the
    /// host port to podman, and its error is EADDRINUSE. A port the workflow named is never retried (it is checked free
    /// beforehand, and taken means taken).
    /// </summary>
    internal static bool PodmanLostItsPort(string error, IReadOnlyList<(PortMapping Mapping, string Text)> published) =>
        published.Count > 0
        && published.All(p => p.Mapping.HostPort is null)
        && error.Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>The host port podman published a container port on (it picks a free one when none was asked for).</summary>
    private static async Task<string> HostPortAsync(Podman podman, string name, ServiceDefinition definition, PortMapping mapping, CancellationToken ct)
    {
        if (mapping.HostPort is { } fixedPort)
        {
            return fixedPort.ToString(CultureInfo.InvariantCulture);
        }

        var port = await podman.RunAsync(["port", name, $"{mapping.ContainerPort}/tcp"], ct);
        var text = port.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? string.Empty;
        var colon = text.LastIndexOf(':');
        if (port.Succeeded && colon >= 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var hostPort))
        {
            return hostPort.ToString(CultureInfo.InvariantCulture);
        }

        // An exited container has no published ports left (podman port prints nothing).
        throw await podman.IsRunningAsync(name, ct) != true
            ? new ServiceStartException($"service '{definition.Id}': the {definition.Image} container exited before it accepted connections; its log:\n{await podman.LogsAsync(name, CancellationToken.None)}")
            : new ServiceStartException($"service '{definition.Id}': podman did not say where container port {mapping.ContainerPort} was published: {port.ErrorText}");
    }

    /// <summary>Without a health command: until each published port accepts a connection, or the container has exited.</summary>
    private static async Task WaitForPortsAsync(ServiceDefinition definition, Podman podman, string name, IReadOnlyDictionary<string, string> ports, TimeProvider time, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var budget = ServiceSupport.HealthBudget(definition.Options);
        var lastStateCheck = started;
        foreach (var hostPort in ports.Values.Select(p => int.Parse(p, CultureInfo.InvariantCulture)))
        {
            while (!await ServiceSupport.IsListeningAsync(hostPort, time, ct))
            {
                if (time.GetElapsedTime(lastStateCheck) >= TimeSpan.FromSeconds(1))
                {
                    lastStateCheck = time.GetTimestamp();
                    if (await podman.IsRunningAsync(name, ct) != true)
                    {
                        throw new ServiceStartException($"service '{definition.Id}': the {definition.Image} container exited before it accepted connections on 127.0.0.1:{hostPort}; its log:\n{await podman.LogsAsync(name, CancellationToken.None)}");
                    }
                }

                if (time.GetElapsedTime(started) > budget)
                {
                    throw new ServiceStartException($"service '{definition.Id}': {definition.Image} did not accept connections on 127.0.0.1:{hostPort} within {budget.TotalSeconds:0}s; its log:\n{await podman.LogsAsync(name, CancellationToken.None)}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _podman.RemoveAsync(_name);
        }
    }

    public void StopNow()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _podman.RemoveAsync(_name).GetAwaiter().GetResult();
        }
    }
}
