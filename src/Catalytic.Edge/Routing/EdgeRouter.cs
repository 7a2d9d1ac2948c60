using System.Collections.Concurrent;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Metrics;
using Prometheus;

namespace Catalytic.Edge.Routing;

/// <summary>
/// The edge's routing state and per-version metrics. <see cref="Apply"/> compiles a table into an immutable snapshot
/// and swaps it in with one atomic exchange; listeners of an <see cref="Proxy.EdgeHost"/> read the snapshot per request.
/// Thread-safe; one instance serves every listener of a process.
/// </summary>
public sealed class EdgeRouter : ITrafficRouter, IVersionMetricsSource
{
    private readonly ConcurrentDictionary<(string App, string Environment), RouteSlot> _slots = new();
    private readonly ConcurrentDictionary<(string App, string Environment, string Version), VersionStats> _stats = new();
    private readonly ConcurrentDictionary<Uri, InstanceState> _instances = new();
    private readonly Lazy<CollectorRegistry> _metrics;

    /// <summary>The certificates of the TLS listeners running now (for their expiry metric).</summary>
    internal ConcurrentDictionary<Tls.CertificateStore, byte> Certificates { get; } = new();

    /// <summary>
    /// Creates a router; <paramref name="timeProvider"/> stamps metric buckets, times requests and runs every timeout of
    /// the hosts that serve it (the composition root passes the system clock, tests a fake one).
    /// </summary>
    public EdgeRouter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeProvider = timeProvider;
        _metrics = new Lazy<CollectorRegistry>(() =>
        {
            var registry = Prometheus.Metrics.NewCustomRegistry();
            _ = new EdgeMetrics(this, registry);
            return registry;
        });
    }

    /// <summary>The clock of metric buckets and latencies.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// Replaces the table of (table.App, table.Environment) in one atomic swap.
    /// </summary>
    /// <exception cref="ArgumentException">The table is invalid (every problem is listed by field); the live table is unchanged.</exception>
    public void Apply(RouteTable table)
    {
        var errors = RouteTableValidator.Validate(table);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Route table of {table.App}/{table.Environment} rejected: " + string.Join("; ", errors), nameof(table));
        }

        var sticky = string.IsNullOrEmpty(table.StickyCookie) ? null : table.StickyCookie;
        var versions = new VersionRoute[table.Versions.Length];
        for (var i = 0; i < versions.Length; i++)
        {
            var v = table.Versions[i];
            var instances = v.Instances.Select(u => _instances.GetOrAdd(u, static a => new InstanceState(a))).ToArray();
            versions[i] = new VersionRoute(v.Version, v.Weight, instances, StatsFor(table.App, table.Environment, v.Version), sticky);
        }

        Slot(table.App, table.Environment).Swap(new RouteSnapshot(table, versions));
    }

    /// <inheritdoc />
    public RouteTable? Current(string app, string environment) =>
        _slots.TryGetValue((app, environment), out var slot) ? slot.Current?.Table : null;

    /// <summary>Every table in force, ordered by app then environment.</summary>
    public IReadOnlyList<RouteTable> Tables() =>
        _slots.Values.Select(s => s.Current?.Table).OfType<RouteTable>()
            .OrderBy(t => t.App, StringComparer.Ordinal).ThenBy(t => t.Environment, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Requests, errors and p99 of a version over the last <paramref name="window"/> (whole seconds, rounded up, the
    /// current second included; at most 300 s). A version never seen reads as zero requests and a null p99.
    /// </summary>
    public VersionMetrics Read(string app, string environment, string version, TimeSpan window)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        }

        if (!_stats.TryGetValue((app, environment, version), out var stats))
        {
            return new VersionMetrics(version, 0, 0, null);
        }

        var seconds = (int)Math.Min(VersionStats.RingSeconds, Math.Ceiling(window.TotalSeconds));
        var reading = stats.Read(NowSecond(), seconds);
        return new VersionMetrics(version, reading.Requests, reading.Errors, reading.Quantile(0.99));
    }

    /// <summary>
    /// Requests being proxied to the instance at <paramref name="instance"/> right now, whichever table routed them
    /// (0 for an address the edge never routed to). Read while draining an instance that left the table.
    /// </summary>
    public int InFlight(Uri instance) =>
        instance is not null && _instances.TryGetValue(instance, out var state) ? state.InFlight : 0;

    /// <summary>
    /// Holds requests to (app, environment) that find nothing routable for up to <paramref name="upTo"/>, waiting for a
    /// route table, instead of answering 503; <see cref="TimeSpan.Zero"/> ends the hold (the waiting requests get 503).
    /// </summary>
    public void Hold(string app, string environment, TimeSpan upTo)
    {
        var slot = Slot(app, environment);
        slot.HoldUntil(upTo <= TimeSpan.Zero ? long.MinValue : TimeProvider.GetTimestamp() + (long)(upTo.TotalSeconds * TimeProvider.TimestampFrequency));
    }

    /// <summary>Requests being proxied to (app, environment, version) right now.</summary>
    public long ActiveRequests(string app, string environment, string version) =>
        _stats.TryGetValue((app, environment, version), out var stats) ? stats.Active : 0;

    /// <summary>Writes every edge metric in the Prometheus text exposition format 0.0.4.</summary>
    public async Task WritePrometheusAsync(TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        await writer.WriteAsync((await ExportPrometheusAsync(cancellationToken)).AsMemory(), cancellationToken);
    }

    /// <summary>
    /// Every edge metric in the Prometheus text exposition format 0.0.4, through prometheus-net (the edge's own
    /// registry; <see cref="EdgeMetrics"/> copies the per-version counters into it before each export).
    /// </summary>
    public async Task<string> ExportPrometheusAsync(CancellationToken cancellationToken = default)
    {
        using var ms = new MemoryStream();
        await _metrics.Value.CollectAndExportAsTextAsync(ms, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Every version's counters.</summary>
    internal IEnumerable<VersionStats> AllStats() => _stats.Values;

    internal RouteSlot Slot(string app, string environment) =>
        _slots.GetOrAdd((app, environment), static k => new RouteSlot(k.App, k.Environment));

    internal VersionStats StatsFor(string app, string environment, string version) =>
        _stats.GetOrAdd((app, environment, version), static k => new VersionStats(k.App, k.Environment, k.Version));

    internal long NowSecond() => TimeProvider.GetUtcNow().ToUnixTimeSeconds();
}
