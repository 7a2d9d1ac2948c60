using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Catalytic.Runner.Actions.BuiltIn.Processes;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Services;

/// <summary>A started service that knows how to stop itself and leave nothing behind.</summary>
internal interface IServiceInstance : IAsyncDisposable
{
    RunningService Info { get; }

    /// <summary>Stops synchronously at process exit (Ctrl-C), best effort.</summary>
    void StopNow();
}

/// <summary>What the service implementations share: ports, health budget, temp folders, log tails.</summary>
internal static class ServiceSupport
{
    /// <summary>A free TCP port on 127.0.0.1 (bind to 0 and release).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> IsListeningAsync(int port, TimeProvider time, CancellationToken ct)
    {
        using var client = new TcpClient();
        try
        {
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1), time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, attempt.Token);
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Resolves the host port of a mapping; an explicit one must be free.</summary>
    public static int HostPortFor(PortMapping mapping, string serviceId)
    {
        if (mapping.HostPort is not { } port)
        {
            return FreePort();
        }

        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
        }
        catch (SocketException)
        {
            throw new ServiceStartException($"service '{serviceId}': port {port} on 127.0.0.1 is already in use (map another host port, e.g. '{port + 10000}:{mapping.ContainerPort}')");
        }

        return port;
    }

    /// <summary>
    /// The wait budget from `--health-interval`, `--health-retries`, `--health-start-period` as <see cref="ServiceOptions"/>
    /// reads them (Docker's defaults otherwise: 30 s, 3 retries), from 20 seconds to two minutes.
    /// </summary>
    public static TimeSpan HealthBudget(string options)
    {
        var o = ServiceOptions.Parse(options);
        var budget = o.StartPeriod + (o.Interval * o.Retries);
        return budget < TimeSpan.FromSeconds(20) ? TimeSpan.FromSeconds(20) : budget > TimeSpan.FromMinutes(2) ? TimeSpan.FromMinutes(2) : budget;
    }

    public static string NewTempDirectory(string id)
    {
        var safe = new string(id.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        var path = Path.Combine(Path.GetTempPath(), $"catalytic-svc-{safe}-{Guid.NewGuid().ToString("N")[..10]}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Mode 600 (700 for a folder): the password file and data folder are the server account's alone.</summary>
    public static void OwnerOnly(string path, bool directory = false)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | (directory ? UnixFileMode.UserExecute : UnixFileMode.None));
        }
    }

    /// <summary>
    /// podman's error, with the way out where it is the sandbox refusing rlimits (gVisor): podman's own message does
    /// not say that a containers.conf with fixed ulimits fixes it.
    /// </summary>
    public static string PodmanError(string errorText) =>
        errorText.Contains("rlimit", StringComparison.OrdinalIgnoreCase)
            ? errorText + "\n(this machine refuses podman's default rlimits: give podman fixed ones in a containers.conf named by "
                + "CONTAINERS_CONF — [containers] default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"] and [engine] runtime = \"runc\", "
                + "as tests/podman/containers.conf does; see docs/builtin-actions.md)"
            : errorText;

    public static string Tail(string file, int lines = 20)
    {
        try
        {
            return File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(lines)) : "(no log)";
        }
        catch (IOException)
        {
            return "(log unreadable)";
        }
    }

    /// <summary>Deletes a service's folder (<paramref name="what"/> names it for <paramref name="log"/> when it stays on disk).</summary>
    public static void DeleteDirectory(string path, string what, ILogger log)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 3 && Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A server still finishing its last write: try again (after three tries the folder is the system's to clean).
                last = e;
            }
        }

        if (last is not null && Directory.Exists(path))
        {
            RunnerLog.FolderKept(log, path, what, last);
        }
    }

    public static bool IsRoot => Environment.UserName == "root" || (OperatingSystem.IsLinux() && File.Exists("/proc/self/status") &&
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0");

    public static Task<ProcessOutcome> RunAsync(string file, IEnumerable<string> args, CancellationToken ct, IReadOnlyDictionary<string, string>? env = null) =>
        ProcessRunner.RunAsync(file, args, null, env, ct);

    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gives a process just sent SIGKILL up to five seconds of the job's clock to be gone before its folder is
    /// deleted. Synchronous because StopNow runs on the process-exit path; one still there after that (uninterruptible
    /// I/O) is left to the kernel, and the folder is deleted regardless.
    /// </summary>
    public static void AwaitExit(Process process, string what, TimeProvider time, ILogger log)
    {
        try
        {
            process.WaitForExitAsync().WaitAsync(KillWait, time).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            RunnerLog.ProcessOutlivedKill(log, process.Id, what, KillWait);
        }
    }

    public static void Kill(int pid, string what, TimeProvider time, ILogger log)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            AwaitExit(process, what, time, log);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone (no such process, or it exited between the lookup and the kill): what was wanted is done.
        }
    }
}

/// <summary>A service could not be started; the message names the service and what to do.</summary>
public sealed class ServiceStartException(string message) : Exception(message);
