namespace Catalytic.Server.Hosting;

/// <summary>How `catalytic serve` runs.</summary>
public sealed record ServerOptions
{
    /// <summary>The state folder (default .catalytic): database, releases, logs, server.json, token.</summary>
    public string StateDirectory { get; init; } = ".catalytic";

    /// <summary>The delivery configuration (default catalytic.yml).</summary>
    public string ConfigPath { get; init; } = "catalytic.yml";

    /// <summary>API port on 127.0.0.1; 0 picks a free one (written to server.json).</summary>
    public int ApiPort { get; init; }

    /// <summary>
    /// The address the API listens on (default 127.0.0.1). Workers on other machines need one they reach; for a
    /// wildcard (0.0.0.0, ::) the URL written to server.json names this machine by its host name.
    /// </summary>
    public System.Net.IPAddress ListenAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>PostgreSQL connection string; SQLite under the state folder when null.</summary>
    public string? Postgres { get; init; }

    /// <summary>Whether the repository holding the configuration is watched and its pushes, tags and schedules start runs.</summary>
    public bool Triggers { get; init; } = true;

    /// <summary>
    /// The queue workers take jobs from (<c>/api/workers/*</c>); none: the worker endpoints are not mapped. (The run
    /// queue's dispatcher on the store is the server's own; a host or a test may give another.)
    /// </summary>
    public Catalytic.Pipelines.Dispatch.IJobDispatcher? Dispatcher { get; init; }

    /// <summary>How long a job's lease holds without a renewal (default 60 s, <c>serve --worker-lease</c>); workers renew at a third of it.</summary>
    public TimeSpan WorkerLease { get; init; } = Catalytic.Pipelines.Runs.RunSchedulerOptions.DefaultLeaseDuration;

    /// <summary>Jobs the embedded worker runs at once (default: the cores); 0 runs none (remote workers only).</summary>
    public int WorkerCapacity { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// What the host adds to its embedded worker (the CLI: its own actions, such as <c>catalytic/deploy@v1</c>, which
    /// deploys through this server); null: the runner's built-in actions only.
    /// </summary>
    public Func<Catalytic.Pipelines.Queue.EmbeddedWorkerOptions, Catalytic.Pipelines.Queue.EmbeddedWorkerOptions>? ConfigureWorker { get; init; }

    /// <summary>Whether /metrics answers without credentials (default); false requires a viewer's (`serve --private-metrics`).</summary>
    public bool PublicMetrics { get; init; } = true;

    /// <summary>
    /// Wraps the delivery store the server opens (SQLite or PostgreSQL) before anything uses it; null: used as opened.
    /// A host may add tracing or caching; a test holds a transition to stage a race between the engine and the API.
    /// </summary>
    public Func<Catalytic.Delivery.Storage.IDeliveryStore, Catalytic.Delivery.Storage.IDeliveryStore>? WrapDeliveryStore { get; init; }

    /// <summary>
    /// The command that starts an instance's log masking stage (the host's to say: `catalytic serve` gives its own
    /// executable's hidden verb, a test host the built CLI's); without one, instances cannot start.
    /// </summary>
    public IReadOnlyList<string>? LogMasker { get; init; }
}
