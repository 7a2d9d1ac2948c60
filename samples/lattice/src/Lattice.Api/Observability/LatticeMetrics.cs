using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Lattice.Api.Observability;

/// <summary>
/// Counters and histograms rendered in the Prometheus text format (version 0.0.4). Hand-written because
/// the service needs a dozen series, not a metrics library.
/// </summary>
public sealed class LatticeMetrics(VersionInfo version)
{
    /// <summary>Histogram bucket upper bounds in seconds.</summary>
    public static readonly double[] Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ConcurrentDictionary<(string Route, string Method, int Status), Histogram> _requests = new();
    private readonly ConcurrentDictionary<string, Counter> _cacheHits = new(StringComparer.Ordinal);
    private readonly Counter _cacheMisses = new();
    private readonly Counter _cacheErrors = new();
    private readonly Histogram _reachable = new();
    private readonly Histogram _unreachable = new();

    public void Request(string route, string method, int status, TimeSpan duration) =>
        _requests.GetOrAdd((route, method, status), _ => new Histogram()).Observe(duration);

    public void CacheHit(string layer) => _cacheHits.GetOrAdd(layer, _ => new Counter()).Increment();

    public void CacheMiss() => _cacheMisses.Increment();

    public void CacheError() => _cacheErrors.Increment();

    public void Computation(bool reachable, TimeSpan duration) => (reachable ? _reachable : _unreachable).Observe(duration);

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP lattice_build_info Version and commit of the running service.\n");
        text.Append("# TYPE lattice_build_info gauge\n");
        text.Append($"lattice_build_info{{version=\"{Escape(version.Version)}\",commit=\"{Escape(version.Commit)}\"}} 1\n");

        var requests = _requests.OrderBy(r => r.Key.Route, StringComparer.Ordinal).ThenBy(r => r.Key.Method, StringComparer.Ordinal).ThenBy(r => r.Key.Status).ToList();
        text.Append("# HELP lattice_http_requests_total HTTP requests by route, method and status.\n");
        text.Append("# TYPE lattice_http_requests_total counter\n");
        foreach (var (key, histogram) in requests)
        {
            text.Append($"lattice_http_requests_total{{{RequestLabels(key)}}} {histogram.Count}\n");
        }

        text.Append("# HELP lattice_http_request_duration_seconds HTTP request latency by route, method and status.\n");
        text.Append("# TYPE lattice_http_request_duration_seconds histogram\n");
        foreach (var (key, histogram) in requests)
        {
            histogram.Render(text, "lattice_http_request_duration_seconds", RequestLabels(key));
        }

        text.Append("# HELP lattice_path_computations_total Searches run (cache and store misses).\n");
        text.Append("# TYPE lattice_path_computations_total counter\n");
        text.Append($"lattice_path_computations_total{{reachable=\"true\"}} {_reachable.Count}\n");
        text.Append($"lattice_path_computations_total{{reachable=\"false\"}} {_unreachable.Count}\n");
        text.Append("# HELP lattice_path_computation_seconds Time spent searching.\n");
        text.Append("# TYPE lattice_path_computation_seconds histogram\n");
        _reachable.Render(text, "lattice_path_computation_seconds", "reachable=\"true\"");
        _unreachable.Render(text, "lattice_path_computation_seconds", "reachable=\"false\"");

        text.Append("# HELP lattice_cache_hits_total Results served without searching, by the layer that had them.\n");
        text.Append("# TYPE lattice_cache_hits_total counter\n");
        foreach (var layer in (string[])["cache", "store"])
        {
            text.Append($"lattice_cache_hits_total{{layer=\"{layer}\"}} {(_cacheHits.TryGetValue(layer, out var c) ? c.Value : 0)}\n");
        }

        text.Append("# HELP lattice_cache_misses_total Results that had to be computed.\n");
        text.Append("# TYPE lattice_cache_misses_total counter\n");
        text.Append($"lattice_cache_misses_total {_cacheMisses.Value}\n");
        text.Append("# HELP lattice_cache_errors_total Cache operations that failed (the request went on without the cache).\n");
        text.Append("# TYPE lattice_cache_errors_total counter\n");
        text.Append($"lattice_cache_errors_total {_cacheErrors.Value}\n");
        return text.ToString();
    }

    private static string RequestLabels((string Route, string Method, int Status) key) =>
        $"route=\"{Escape(key.Route)}\",method=\"{Escape(key.Method)}\",status=\"{key.Status}\"";

    /// <summary>Label values escape backslash, double quote and newline.</summary>
    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }

    private sealed class Histogram
    {
        private readonly long[] _buckets = new long[Buckets.Length];
        private long _count;
        private long _sumTicks;

        public long Count => Interlocked.Read(ref _count);

        public void Observe(TimeSpan duration)
        {
            var seconds = duration.TotalSeconds;
            for (var i = 0; i < Buckets.Length; i++)
            {
                if (seconds <= Buckets[i])
                {
                    Interlocked.Increment(ref _buckets[i]);
                    break;
                }
            }

            Interlocked.Add(ref _sumTicks, duration.Ticks);
            Interlocked.Increment(ref _count);
        }

        /// <summary>Buckets are stored per interval and rendered cumulatively, as the format requires.</summary>
        public void Render(StringBuilder text, string name, string labels)
        {
            long cumulative = 0;
            for (var i = 0; i < Buckets.Length; i++)
            {
                cumulative += Interlocked.Read(ref _buckets[i]);
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"{Buckets[i]}\"}} {cumulative}\n");
            }

            var count = Count;
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"+Inf\"}} {count}\n");
            text.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{labels}}} {TimeSpan.FromTicks(Interlocked.Read(ref _sumTicks)).TotalSeconds}\n");
            text.Append(CultureInfo.InvariantCulture, $"{name}_count{{{labels}}} {count}\n");
        }
    }
}
