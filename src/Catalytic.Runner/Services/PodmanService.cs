using System.Globalization;

namespace Catalytic.Runner.Services;

/// <summary>
/// Any other image as a container through podman, when the machine has it: only an image already present
/// locally (`--pull=never`, nothing is downloaded), ports published on 127.0.0.1, healthy when every published
/// port accepts connections. Removed with `podman rm -f` when the job ends.
/// </summary>
internal sealed class PodmanService : IServiceInstance
{
    private readonly string _podman;
    private int _stopped;

    private PodmanService(RunningService info, string podman)
    {
        Info = info;
        _podman = podman;
    }

    public RunningService Info { get; }

    public static async Task<PodmanService> StartAsync(ServiceDefinition definition, string podman, Action<string> log, TimeProvider time, CancellationToken ct, IReadOnlyList<string>? command = null)
    {
        var exists = await ServiceSupport.RunAsync(podman, ["image", "exists", definition.Image], ct);
        if (!exists.Succeeded)
        {
            throw new ServiceStartException($"service '{definition.Id}': image {definition.Image} is not present in podman's local store and Catalytic pulls nothing (podman pull it on a machine with access, or podman load it)");
        }

        var ports = new Dictionary<string, string>();
        var args = new List<string>
        {
            "run", "-d", "--pull=never", "--runtime", "runc",
            "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
            "--name", $"catalytic-{definition.Id}-{Guid.NewGuid().ToString("N")[..8]}",
        };
        foreach (var text in definition.Ports)
        {
            var mapping = PortMapping.Parse(text, out var error) ?? throw new ServiceStartException($"service '{definition.Id}': {error}");
            var hostPort = ServiceSupport.HostPortFor(mapping, definition.Id);
            args.AddRange(["-p", $"127.0.0.1:{hostPort}:{mapping.ContainerPort}"]);
            ports[mapping.ContainerPort.ToString(CultureInfo.InvariantCulture)] = hostPort.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in definition.Env)
        {
            args.AddRange(["-e", $"{key}={value}"]);
        }

        foreach (var volume in definition.Volumes)
        {
            args.AddRange(["-v", volume]);
        }

        args.Add(definition.Image);
        if (command is not null)
        {
            args.AddRange(command);
        }

        var run = await ServiceSupport.RunAsync(podman, args, ct);
        if (!run.Succeeded)
        {
            throw new ServiceStartException($"service '{definition.Id}': podman run {definition.Image} failed: {run.ErrorText}");
        }

        var service = new PodmanService(new RunningService(definition.Id, definition.Image, "127.0.0.1", ports, "podman") { ContainerId = run.StdOut.Trim() }, podman);
        try
        {
            var started = time.GetTimestamp();
            var budget = ServiceSupport.HealthBudget(definition.Options);
            foreach (var hostPort in ports.Values.Select(p => int.Parse(p, CultureInfo.InvariantCulture)))
            {
                while (!await ServiceSupport.IsListeningAsync(hostPort, ct))
                {
                    if (time.GetElapsedTime(started) > budget)
                    {
                        var logs = await ServiceSupport.RunAsync(podman, ["logs", "--tail", "20", service.Info.ContainerId], ct);
                        throw new ServiceStartException($"service '{definition.Id}': {definition.Image} did not accept connections on 127.0.0.1:{hostPort}:\n{logs.StdOut}{logs.StdErr}");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
                }
            }
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        log($"service '{definition.Id}': {definition.Image} running in podman ({service.Info.ContainerId[..Math.Min(12, service.Info.ContainerId.Length)]}).");
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await ServiceSupport.RunAsync(_podman, ["rm", "-f", "-t", "2", Info.ContainerId], CancellationToken.None);
        }
    }

    public void StopNow()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            ServiceSupport.RunAsync(_podman, ["rm", "-f", "-t", "0", Info.ContainerId], CancellationToken.None).GetAwaiter().GetResult();
        }
    }
}
