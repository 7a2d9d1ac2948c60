namespace Catalytic.Edge.Proxy;

/// <summary>Tunables of the edge's listeners and its connections to backends. Defaults suit local processes on loopback.</summary>
public sealed record EdgeHostOptions
{
    /// <summary>How long connecting to an instance may take before the attempt counts as failed. Default 3 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a pooled backend connection is reused at most. Bounded so that connections to an instance that went
    /// away are never kept long. Default 1 min.
    /// </summary>
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an idle backend connection is kept. Default 15 s.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Maximum concurrent connections per backend instance; a request finding them all busy waits for one (bounded by
    /// <see cref="RequestTimeout"/>, then 504). Default unlimited (the client's connections bound it).
    /// </summary>
    public int MaxConnectionsPerServer { get; init; } = int.MaxValue;

    /// <summary>How long a backend may stay silent (headers or body) before the request fails with 504. Default 100 s (YARP).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How many times a request whose connection was refused (or, for idempotent methods, broken before any byte of
    /// the answer) is sent again to another instance, preferring the same version. Default 1. (A request that failed
    /// on a reused keep-alive connection before any response byte is sent once more on a fresh one besides, when that
    /// is safe: see docs/edge.md.)
    /// </summary>
    public int RetryAttempts { get; init; } = 1;

    /// <summary>How long an instance that refused a connection is passed over when another one is available. Default 2 s.</summary>
    public TimeSpan FailedInstanceCooldown { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long stopping a listener waits for requests in flight to finish. Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Accepts and drives listener and relay connections on the edge's own epoll loops (Linux), whose continuations run
    /// inline on the loop thread, instead of the runtime's socket engine and the thread pool. Elsewhere Kestrel's socket
    /// transport is used whatever this says. Default true.
    /// </summary>
    public bool EventLoops { get; init; } = true;

    /// <summary>
    /// Relays plain HTTP/1.1 requests on the edge's own lean path (a connection middleware with its own keep-alive backend
    /// connections) instead of Kestrel's HTTP layer and YARP, which still take every other request. Same routing, retries,
    /// headers and metrics; about half the CPU per request. It needs the event loops (<see cref="EventLoops"/> on Linux);
    /// without them every request takes Kestrel and YARP. Default true.
    /// </summary>
    public bool Relay { get; init; } = true;

    /// <summary>
    /// How often the certificate files of TLS listeners are looked at (modification time and size); a changed one is
    /// loaded for the handshakes that follow. Default 10 s.
    /// </summary>
    public TimeSpan CertificateCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Client-side timeouts, limits and trusted proxies of every listener started without options of its own.</summary>
    public EdgeListenerOptions Listener { get; init; } = new();

    /// <summary>Throws when an option is out of range (named in the message).</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Listener, nameof(Listener));
        Listener.Validate();
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(PooledConnectionLifetime, nameof(PooledConnectionLifetime));
        Positive(PooledConnectionIdleTimeout, nameof(PooledConnectionIdleTimeout));
        Positive(RequestTimeout, nameof(RequestTimeout));
        Positive(DrainTimeout, nameof(DrainTimeout));
        Positive(CertificateCheckInterval, nameof(CertificateCheckInterval));
        if (FailedInstanceCooldown < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(FailedInstanceCooldown), FailedInstanceCooldown, "must not be negative");
        }

        if (MaxConnectionsPerServer < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnectionsPerServer), MaxConnectionsPerServer, "must be at least 1");
        }

        if (RetryAttempts is < 0 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryAttempts), RetryAttempts, "must be between 0 and 5");
        }
    }

    internal static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }
    }
}
