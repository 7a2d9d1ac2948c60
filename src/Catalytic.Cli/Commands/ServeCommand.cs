using Catalytic.Server.Hosting;
using Catalytic.Pipelines.Runs;
using Catalytic.Platform.Text;
using Catalytic.Runner.Execution;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic serve`: the platform process (API, edge listeners, supervisor, /metrics).</summary>
internal sealed class ServeCommand : ICommand
{
    public CommandSpec Spec { get; } = new("serve", "serve [--config FILE] [--state DIR] [--port N] [--listen HOST:PORT] [--worker-lease DURATION]",
        "Run the platform: one edge listener per environment in catalytic.yml, the supervisor, the API on 127.0.0.1 and /metrics. State lives in .catalytic/.",
        [
            new("config", "c", "Delivery configuration (default catalytic.yml)", "FILE"),
            new("state", null, "State folder (default .catalytic)", "DIR"),
            new("port", "p", "API port on 127.0.0.1 (default: a free one, written to .catalytic/server.json)", "N"),
            new("postgres", null, "PostgreSQL connection string instead of SQLite", "CONN"),
            new("listen", null, "The API's address, HOST:PORT or HOST (default 127.0.0.1; workers on other machines need one they reach)", "HOST:PORT"),
            new("worker-capacity", null, "Jobs the embedded worker runs at once (default: the cores; 0 turns it off)", "N"),
            new("worker-lease", null, "How long a job stays with a worker that stops renewing its lease before it is re-queued (default 60s; 3s to 1h)", "DURATION"),
            new("private-metrics", null, "Require a viewer's credentials for /metrics (default: it answers without)"),
        ]);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var port = 0;
        if (args.Get("port") is { } p && (!int.TryParse(p, out port) || port is < 0 or > 65535))
        {
            throw new UsageException("--port must be a number from 0 to 65535");
        }

        var listen = System.Net.IPAddress.Loopback;
        if (args.Get("listen") is { } l)
        {
            if (System.Net.IPEndPoint.TryParse(l, out var endpoint) && (l.Contains(']', StringComparison.Ordinal) || l.Count(ch => ch == ':') == 1))
            {
                (listen, port) = (endpoint.Address, endpoint.Port);
            }
            else if (System.Net.IPAddress.TryParse(l, out var address))
            {
                listen = address;
            }
            else
            {
                throw new UsageException($"--listen '{l}' is not an IP address or IP:PORT (e.g. 0.0.0.0:8080, 10.0.0.5, [::]:8080)");
            }
        }

        var capacity = Environment.ProcessorCount;
        if (args.Get("worker-capacity") is { } w && (!int.TryParse(w, out capacity) || capacity is < 0 or > 1024))
        {
            throw new UsageException("--worker-capacity must be a number from 0 to 1024");
        }

        var lease = RunSchedulerOptions.DefaultLeaseDuration;
        if (args.Get("worker-lease") is { } d && (!Durations.TryParse(d, out lease) || lease < TimeSpan.FromSeconds(3) || lease > TimeSpan.FromHours(1)))
        {
            throw new UsageException($"--worker-lease '{d}' must be a duration from 3s to 1h (e.g. 30s, 2m; units {Durations.UnitList})");
        }

        return CatalyticServer.RunAsync(new ServerOptions
        {
            WorkerLease = lease,
            ListenAddress = listen,
            ConfigPath = args.Get("config") ?? "catalytic.yml",
            StateDirectory = args.Get("state") ?? ".catalytic",
            ApiPort = port,
            Postgres = args.Get("postgres"),
            WorkerCapacity = capacity,
            PublicMetrics = !args.Has("private-metrics"),
            LogMasker = MaskLogStage.SelfCommand(),
            // catalytic/deploy@v1 in a job of the embedded worker deploys through this server (its state folder, not the
            // job's) as the job, with the job's credential. Services and containers as `catalytic run` and
            // `catalytic worker` run them (CATALYTIC_PODMAN names podman).
            ConfigureWorker = worker => worker with
            {
                JobActions = jobToken => [new Actions.DeployAction(worker.StateDirectory, jobToken)],
                Services = new HostJobServices(new Catalytic.Runner.Services.JobServiceOptions { Podman = Podman, Time = args.Time, Log = worker.Logger }),
                Podman = Podman,
            },
        }, args.Time, cancellationToken);
    }

    private static string? Podman => Environment.GetEnvironmentVariable("CATALYTIC_PODMAN") is { Length: > 0 } configured ? configured : null;
}
