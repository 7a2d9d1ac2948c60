using Catalytic.Edge.Routing;
using Prometheus;

namespace Catalytic.Edge.Metrics;

/// <summary>
/// The edge's families in a prometheus-net registry. The hot path does not touch prometheus-net: each request only
/// bumps its version's lock-free counters (<see cref="VersionStats"/>: one Interlocked increment per counter, no label
/// lookup), and the registry's before-collect callback publishes them at scrape time — counters with
/// <c>IncTo</c>, gauges with <c>Set</c>, and the duration histogram by observing each bucket's new requests since the
/// last scrape. prometheus-net has no way to set a histogram's buckets and sum, so the new requests of a bucket are
/// observed (<c>Observe(value, count)</c>) at values inside that bucket chosen so that their total is the sum the
/// edge measured: bucket counts and count are exact, and so is the sum (a scrape that races a request leaves the
/// difference for the next). Route weights and certificates are set from what is in force, and children for what is
/// no longer (a version that left the route table, a replaced certificate) are removed.
/// </summary>
internal sealed class EdgeMetrics
{
    private static readonly double[] Bounds = [.. VersionStats.DurationBoundsMicros.Select(m => m / 1_000_000.0)];

    private readonly EdgeRouter _router;
    private readonly Counter _requests;
    private readonly Counter _proxyFailures;
    private readonly Histogram _duration;
    private readonly Gauge _active;
    private readonly Gauge _routeWeight;
    private readonly Gauge _certificateExpiry;
    private readonly Lock _gate = new();

    // What was observed into each version's histogram so far: per-bucket counts and the sum in seconds.
    private readonly Dictionary<VersionStats, (long[] Buckets, double Sum)> _observed = [];

    /// <summary>Creates the families in <paramref name="registry"/> and publishes <paramref name="router"/>'s counters before each collection.</summary>
    public EdgeMetrics(EdgeRouter router, CollectorRegistry registry)
    {
        _router = router;
        var f = global::Prometheus.Metrics.WithCustomRegistry(registry);
        string[] version = ["app", "env", "version"];
        _requests = f.CreateCounter("catalytic_edge_requests_total", "Requests the edge answered, by app, environment, version and HTTP status code.", [.. version, "code"]);
        _proxyFailures = f.CreateCounter("catalytic_edge_proxy_failures_total", "Requests whose backend refused, reset or timed out, or broke off its response.", version);
        _duration = f.CreateHistogram("catalytic_edge_request_duration_seconds", "Time from a request reaching the edge to the end of its response.",
            new HistogramConfiguration { LabelNames = version, Buckets = Bounds });
        _active = f.CreateGauge("catalytic_edge_active_requests", "Requests being proxied to a version right now.", version);
        _routeWeight = f.CreateGauge("catalytic_edge_route_weight", "Share (0-100) of new requests the route table in force gives a version.", version);
        _certificateExpiry = f.CreateGauge("catalytic_edge_certificate_expiry_timestamp_seconds",
            "When a TLS listener's certificate expires (Unix time of its notAfter), as the edge has it loaded now.", "listener", "certificate", "subject");
        registry.AddBeforeCollectCallback(Publish);
    }

    /// <summary>Copies the edge's counters into the families (the registry calls it before each collection).</summary>
    public void Publish()
    {
        lock (_gate)
        {
            foreach (var stats in _router.AllStats())
            {
                var reading = stats.ReadCumulative();
                string[] labels = [stats.App, stats.Environment, stats.Version];
                foreach (var (status, count) in reading.ByStatus)
                {
                    _requests.WithLabels([.. labels, status.ToString(System.Globalization.CultureInfo.InvariantCulture)]).IncTo(count);
                }

                _proxyFailures.WithLabels(labels).IncTo(reading.ProxyFailures);
                _active.WithLabels(labels).Set(reading.Active);
                ObserveNew(stats, _duration.WithLabels(labels), reading);
            }

            var weights = _router.Tables().SelectMany(t => t.Versions.Select(v => (Labels: new[] { t.App, t.Environment, v.Version }, (double)v.Weight))).ToList();
            Replace(_routeWeight, weights);
            var certificates = _router.Certificates.Keys.SelectMany(store => store.Current.Select(c =>
                (Labels: new[] { store.Listener, c.Files.CertificatePath, c.Names.FirstOrDefault() ?? c.Certificate.Subject }, (double)c.NotAfter.ToUnixTimeSeconds()))).ToList();
            Replace(_certificateExpiry, certificates);
        }
    }

    /// <summary>
    /// Observes the requests of each bucket that are new since the last scrape at values inside the bucket whose total
    /// is the new duration sum: finite buckets at a common fraction of their width, or, when the +Inf bucket has new
    /// requests, finite ones at their upper bound and the rest of the sum spread over the +Inf ones.
    /// </summary>
    private void ObserveNew(VersionStats stats, Histogram.Child child, CumulativeReading reading)
    {
        if (!_observed.TryGetValue(stats, out var before))
        {
            before = (new long[reading.DurationBuckets.Length], 0);
        }

        var n = Bounds.Length;
        var delta = new long[n + 1];
        var any = false;
        for (var i = 0; i <= n; i++)
        {
            delta[i] = Math.Max(0, reading.DurationBuckets[i] - before.Buckets[i]);
            any |= delta[i] > 0;
        }

        if (!any)
        {
            return;
        }

        var sum = Math.Max(0, (reading.DurationSumMicros / 1_000_000.0) - before.Sum);
        var values = new double[n + 1];
        if (delta[n] > 0)
        {
            var finite = 0.0;
            for (var i = 0; i < n; i++)
            {
                values[i] = Bounds[i];
                finite += delta[i] * Bounds[i];
            }

            values[n] = Math.Max(Math.BitIncrement(Bounds[n - 1]), (sum - finite) / delta[n]);
        }
        else
        {
            double low = 0, width = 0;
            for (var i = 0; i < n; i++)
            {
                low += delta[i] * Lower(i);
                width += delta[i] * (Bounds[i] - Lower(i));
            }

            var t = width > 0 ? Math.Clamp((sum - low) / width, 0, 1) : 1;
            for (var i = 0; i < n; i++)
            {
                var v = Lower(i) + (t * (Bounds[i] - Lower(i)));
                values[i] = Math.Min(Bounds[i], i == 0 ? v : Math.Max(Math.BitIncrement(Lower(i)), v));
            }
        }

        var observed = before.Sum;
        var buckets = (long[])before.Buckets.Clone();
        for (var i = 0; i <= n; i++)
        {
            if (delta[i] > 0)
            {
                child.Observe(values[i], delta[i]);
                observed += values[i] * delta[i];
                buckets[i] += delta[i];
            }
        }

        _observed[stats] = (buckets, observed);
    }

    private static double Lower(int bucket) => bucket == 0 ? 0 : Bounds[bucket - 1];

    /// <summary>Sets <paramref name="gauge"/> to exactly these children: values set, children not among them removed.</summary>
    private static void Replace(Gauge gauge, List<(string[] Labels, double Value)> now)
    {
        var keep = new HashSet<string>(now.Select(x => string.Join('\0', x.Labels)), StringComparer.Ordinal);
        foreach (var old in gauge.GetAllLabelValues().ToList())
        {
            if (!keep.Contains(string.Join('\0', old)))
            {
                gauge.RemoveLabelled(old);
            }
        }

        foreach (var (labels, value) in now)
        {
            gauge.WithLabels(labels).Set(value);
        }
    }
}
