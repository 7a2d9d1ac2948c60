using System.Diagnostics;
using System.Globalization;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;
using System.Net.Sockets;
using System.Text;

namespace Catalytic.Runner.Services;

/// <summary>
/// A `redis:*` (or `valkey`) service as the host's redis-server on 127.0.0.1 at the mapped port, without
/// persistence, its working folder a temporary one. Healthy when it answers PING.
/// </summary>
internal sealed class RedisService : IServiceInstance
{
    private readonly Process _process;
    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private int _stopped;

    private RedisService(RunningService info, Process process, string root, TimeProvider time, ILogger log)
    {
        _time = time;
        _log = log;
        Info = info;
        _process = process;
        _root = root;
    }

    public RunningService Info { get; }

    internal string RootDirectory => _root;

    public static async Task<RedisService> StartAsync(ServiceDefinition definition, Action<string> log, Func<string, string?> which, TimeProvider time, ILogger diagnostics, CancellationToken ct)
    {
        var server = which("redis-server") ?? which("valkey-server") ?? throw new ServiceStartException(
            $"service '{definition.Id}': image {definition.Image} runs from the host's redis-server, which is not installed (apt-get install redis-server)");
        var mapping = definition.Ports.Select(p => PortMapping.Parse(p, out var e) ?? throw new ServiceStartException($"service '{definition.Id}': {e}"))
            .FirstOrDefault(p => p.ContainerPort == 6379) ?? new PortMapping(6379, null);
        var port = ServiceSupport.HostPortFor(mapping, definition.Id);
        var root = ServiceSupport.NewTempDirectory(definition.Id);
        var logFile = Path.Combine(root, "redis.log");
        var info = new ProcessStartInfo(server) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no",
            "--dir", root, "--logfile", logFile, "--daemonize", "no", "--protected-mode", "no",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var password = definition.Env.GetValueOrDefault("REDIS_PASSWORD");
        if (!string.IsNullOrEmpty(password))
        {
            info.ArgumentList.Add("--requirepass");
            info.ArgumentList.Add(password);
        }

        var process = Process.Start(info) ?? throw new ServiceStartException($"service '{definition.Id}': could not start {server}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new RedisService(
            new RunningService(definition.Id, definition.Image, "127.0.0.1", new Dictionary<string, string> { [mapping.ContainerPort.ToString(CultureInfo.InvariantCulture)] = port.ToString(CultureInfo.InvariantCulture) }, "redis"),
            process, root, time, diagnostics);
        try
        {
            var deadline = time.GetTimestamp();
            var budget = ServiceSupport.HealthBudget(definition.Options);
            while (!await PingAsync(port, password, time, ct))
            {
                if (process.HasExited || time.GetElapsedTime(deadline) > budget)
                {
                    throw new ServiceStartException($"service '{definition.Id}': redis-server did not become healthy on 127.0.0.1:{port}:\n{ServiceSupport.Tail(logFile)}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), time, ct);
            }
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        log($"service '{definition.Id}': Redis ready on 127.0.0.1:{port}.");
        return service;
    }

    private static async Task<bool> PingAsync(int port, string? password, TimeProvider time, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1), time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, attempt.Token);
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            var command = string.IsNullOrEmpty(password) ? "PING\r\n" : $"AUTH {password}\r\nPING\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command), timeout.Token);
            var buffer = new byte[256];
            var text = string.Empty;
            while (!text.Contains("PONG", StringComparison.Ordinal) && !text.Contains("-ERR", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                text += Encoding.ASCII.GetString(buffer, 0, read);
            }

            return text.Contains("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited (HasExited raced the kill): what was wanted is done.
        }

        _process.Dispose();
        ServiceSupport.DeleteDirectory(_root, $"redis data of service '{Info.Id}'", _log);
    }

    public void StopNow()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            ServiceSupport.AwaitExit(_process, $"redis-server of service '{Info.Id}'", _time, _log);
        }
        catch (InvalidOperationException)
        {
            // Already exited: what was wanted is done.
        }

        ServiceSupport.DeleteDirectory(_root, $"redis data of service '{Info.Id}'", _log);
    }
}
