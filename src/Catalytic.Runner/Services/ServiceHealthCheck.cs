using System.Text.RegularExpressions;

namespace Catalytic.Runner.Services;

/// <summary>
/// Runs a service's `--health-cmd` on the host until it passes, as Docker would inside the container: the command
/// gets the service's `env`, and since the service listens on 127.0.0.1 at its mapped host port rather than on its
/// container port, container-port references are pointed at the host port (`-p 5432`, `--port=6379`,
/// `localhost:5432`), PostgreSQL clients get PGHOST/PGPORT (and PGUSER/PGPASSWORD/PGDATABASE from the
/// POSTGRES_* variables), and a bare `redis-cli` gets `-h 127.0.0.1 -p PORT`.
/// </summary>
internal static partial class ServiceHealthCheck
{
    /// <summary>Waits until the command passes; returns null when healthy, else the error naming the service and the last output.</summary>
    public static Task<string?> WaitAsync(ServiceDefinition definition, RunningService service, ServiceOptions options, Action<string> log, TimeProvider time, CancellationToken ct)
    {
        var env = Environment(definition, service);
        return WaitAsync(definition, HostCommand(options.HealthCommand!, service), (command, token) => ServiceSupport.RunAsync("sh", ["-c", command], token, env), options, log, time, ct);
    }

    /// <summary>
    /// Runs <paramref name="check"/> with <paramref name="command"/> (on the host, or `podman exec` in a service
    /// container) until it passes, honouring the interval, timeout, retries and start period of <paramref name="options"/>.
    /// </summary>
    public static async Task<string?> WaitAsync(
        ServiceDefinition definition,
        string command,
        Func<string, CancellationToken, Task<Catalytic.Runner.Actions.BuiltIn.Processes.ProcessOutcome>> check,
        ServiceOptions options,
        Action<string> log,
        TimeProvider time,
        CancellationToken ct)
    {
        var start = time.GetTimestamp();
        var failures = 0;
        var attempts = 0;
        while (true)
        {
            attempts++;
            using var attempt = new CancellationTokenSource(options.Timeout, time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, attempt.Token);
            string output;
            bool passed;
            try
            {
                var outcome = await check(command, timeout.Token);
                passed = outcome.Succeeded;
                output = (outcome.StdOut + outcome.StdErr).Trim();
                if (!passed && output.Length == 0)
                {
                    output = $"exit code {outcome.ExitCode}";
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                passed = false;
                output = $"timed out after {options.Timeout.TotalSeconds:0.###}s (--health-timeout)";
            }

            if (passed)
            {
                log($"service '{definition.Id}': healthy (--health-cmd {command} passed{(attempts > 1 ? $" on attempt {attempts}" : "")}).");
                return null;
            }

            if (time.GetElapsedTime(start) >= options.StartPeriod)
            {
                failures++;
            }

            if (failures >= options.Retries)
            {
                var last = output.Length > 600 ? output[^600..] : output;
                return $"service '{definition.Id}' ({definition.Image}) is unhealthy: --health-cmd '{command}' failed {failures} time{(failures == 1 ? "" : "s")} in a row (--health-retries {options.Retries}); last output: {last}";
            }

            log($"service '{definition.Id}': health check failed ({output.Split('\n')[^1]}); retrying in {options.Interval.TotalSeconds:0.###}s.");
            await Task.Delay(options.Interval, time, ct);
        }
    }

    /// <summary>The command with container-port references pointed at the host ports (see the type's summary).</summary>
    public static string HostCommand(string command, RunningService service)
    {
        foreach (var (container, host) in service.Ports)
        {
            command = Regex.Replace(command, $@"((?:^|\s)(?:-p|--port)(?:\s+|=)|(?:localhost|127\.0\.0\.1|0\.0\.0\.0):){Regex.Escape(container)}\b", "${1}" + host);
        }

        if (service.Kind == "redis" && service.Ports.Values.FirstOrDefault() is { } redisPort)
        {
            // redis-cli has no variable for its port: give every bare invocation the service's address.
            command = RedisCli().Replace(command, m => m.Value.Contains(" -p ", StringComparison.Ordinal) || m.Value.Contains(" -h ", StringComparison.Ordinal)
                ? m.Value
                : "redis-cli -h 127.0.0.1 -p " + redisPort + m.Value["redis-cli".Length..]);
        }

        return command;
    }

    private static Dictionary<string, string> Environment(ServiceDefinition definition, RunningService service)
    {
        var env = new Dictionary<string, string>(definition.Env, StringComparer.Ordinal);
        if (service.Kind == "postgres" && service.Ports.Values.FirstOrDefault() is { } pgPort)
        {
            env["PGHOST"] = "127.0.0.1";
            env["PGPORT"] = pgPort;
            var user = definition.Env.GetValueOrDefault("POSTGRES_USER") is { Length: > 0 } u ? u : "postgres";
            env["PGUSER"] = user;
            env["PGDATABASE"] = definition.Env.GetValueOrDefault("POSTGRES_DB") is { Length: > 0 } d ? d : user;
            if (definition.Env.GetValueOrDefault("POSTGRES_PASSWORD") is { Length: > 0 } password)
            {
                env["PGPASSWORD"] = password;
            }
        }

        return env;
    }

    /// <summary>One `redis-cli …` invocation up to the next shell separator.</summary>
    [GeneratedRegex(@"\bredis-cli\b[^;&|\n]*")]
    private static partial Regex RedisCli();
}
