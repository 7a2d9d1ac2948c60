using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Catalytic.Delivery.Logging;
using Catalytic.Platform.Linux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Delivery.Targets;

/// <summary>
/// Starts and tracks every local instance. Each instance's pid is written under <c>run/</c> so a server that
/// was killed (SIGKILL leaves no chance to clean up) can end the orphans of its previous life at the next start.
/// </summary>
/// <param name="stateDirectory">The state folder (.catalytic): pid files under run/, logs under logs/.</param>
/// <param name="time">The clock.</param>
/// <param name="logMasker">
/// The command of the masking stage each instance's output passes on its way to the log file (see <see cref="LogMasker"/>),
/// as the host that runs the supervisor starts it; without one, no instance starts (its output would reach the log unmasked).
/// </param>
/// <param name="log">Where instance starts, exits, health changes and failed stops are logged.</param>
public sealed class ProcessSupervisor(string stateDirectory, TimeProvider time, IReadOnlyList<string>? logMasker = null, ILogger? log = null) : IAsyncDisposable
{
    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly string _pidDirectory = Path.Combine(stateDirectory, "run");
    private readonly IReadOnlyList<string>? _masker = logMasker;

    /// <summary>Raised (on a pool thread) when an instance's health changes.</summary>
    public event Action<Instance>? InstanceChanged;

    /// <summary>Folder of instance logs: logs/APP/ENV/.</summary>
    public string LogDirectory(string app, string environment) => Path.Combine(stateDirectory, "logs", app, environment);

    /// <summary>Every instance not yet stopped.</summary>
    public IReadOnlyCollection<Instance> Instances => [.. _instances.Values];

    /// <summary>Starts one instance of <paramref name="spec"/> on a free port.</summary>
    public Instance Start(InstanceSpec spec)
    {
        // Without the stage an instance's output would reach its log file unmasked: refuse rather than leak.
        var masker = _masker ?? throw new InvalidOperationException(
            "no log masking stage: the host did not give the supervisor the command that starts it");
        Directory.CreateDirectory(_pidDirectory);
        var instance = new Instance(spec, FreePort(), time, _pidDirectory, masker, i => InstanceChanged?.Invoke(i), _log);
        _instances[instance.Id] = instance;
        instance.Start();
        return instance;
    }

    /// <summary>Stops an instance (SIGTERM, then SIGKILL after its grace) and forgets it.</summary>
    public async Task StopAsync(Instance instance)
    {
        try
        {
            await instance.StopAsync();
        }
        catch (Exception e)
        {
            // Its pid file stays, so the next start ends the group if it still runs.
            _log.InstanceStopFailed(e, instance.Id);
        }

        _instances.TryRemove(instance.Id, out _);
    }

    /// <summary>
    /// Ends the process groups recorded by an earlier server that did not stop them. A pid is only signalled when
    /// /proc shows the same instance id in its environment, so a recycled pid is never hit.
    /// </summary>
    public int KillOrphans()
    {
        if (!Directory.Exists(_pidDirectory))
        {
            return 0;
        }

        var killed = 0;
        foreach (var file in Directory.EnumerateFiles(_pidDirectory, "*.pid"))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            if (int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsInstance(pid, id))
            {
                ProcessGroups.Signal(pid, ProcessGroups.SigKill);
                killed++;
            }

            File.Delete(file);
        }

        return killed;
    }

    /// <summary>Stops every instance.</summary>
    public async ValueTask DisposeAsync() => await Task.WhenAll(_instances.Values.Select(StopAsync));

    private static bool IsInstance(int pid, string id)
    {
        try
        {
            var environ = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ");
            return environ.Split('\0').Contains("CATALYTIC_INSTANCE=" + id);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A port nobody listens on right now (bound to 0 and released).</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
