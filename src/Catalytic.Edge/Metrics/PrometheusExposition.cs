using System.Globalization;
using System.Text;
using Catalytic.Delivery.Routing;

namespace Catalytic.Edge.Metrics;

/// <summary>Renders edge metrics in the Prometheus text exposition format, version 0.0.4.</summary>
internal static class PrometheusExposition
{
    /// <summary>The Content-Type a /metrics endpoint should answer with.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Format(IEnumerable<VersionStats> stats, IReadOnlyList<RouteTable> tables, IEnumerable<Tls.CertificateStore>? certificates = null)
    {
        var ordered = stats
            .OrderBy(s => s.App, StringComparer.Ordinal)
            .ThenBy(s => s.Environment, StringComparer.Ordinal)
            .ThenBy(s => s.Version, StringComparer.Ordinal)
            .Select(s => (Stats: s, Reading: s.ReadCumulative(), Labels: Labels(s.App, s.Environment, s.Version)))
            .ToList();
        var sb = new StringBuilder(1024 + (ordered.Count * 2048));

        Family(sb, "catalytic_edge_requests_total", "counter",
            "Requests the edge answered, by app, environment, version and HTTP status code.");
        foreach (var (_, reading, labels) in ordered)
        {
            foreach (var (status, count) in reading.ByStatus)
            {
                sb.Append("catalytic_edge_requests_total{").Append(labels).Append(",code=\"")
                    .Append(status.ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(Number(count)).Append('\n');
            }
        }

        Family(sb, "catalytic_edge_proxy_failures_total", "counter",
            "Requests whose backend refused, reset or timed out, or broke off its response.");
        foreach (var (_, reading, labels) in ordered)
        {
            Sample(sb, "catalytic_edge_proxy_failures_total", labels, Number(reading.ProxyFailures));
        }

        Family(sb, "catalytic_edge_request_duration_seconds", "histogram",
            "Time from a request reaching the edge to the end of its response.");
        foreach (var (_, reading, labels) in ordered)
        {
            long cumulative = 0;
            var bounds = VersionStats.DurationBoundsMicros;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += reading.DurationBuckets[i];
                sb.Append("catalytic_edge_request_duration_seconds_bucket{").Append(labels).Append(",le=\"")
                    .Append(Seconds(bounds[i])).Append("\"} ").Append(Number(cumulative)).Append('\n');
            }

            sb.Append("catalytic_edge_request_duration_seconds_bucket{").Append(labels).Append(",le=\"+Inf\"} ")
                .Append(Number(reading.Count)).Append('\n');
            Sample(sb, "catalytic_edge_request_duration_seconds_sum", labels, Seconds(reading.DurationSumMicros));
            Sample(sb, "catalytic_edge_request_duration_seconds_count", labels, Number(reading.Count));
        }

        Family(sb, "catalytic_edge_active_requests", "gauge", "Requests being proxied to a version right now.");
        foreach (var (_, reading, labels) in ordered)
        {
            Sample(sb, "catalytic_edge_active_requests", labels, Number(reading.Active));
        }

        Family(sb, "catalytic_edge_route_weight", "gauge",
            "Share (0-100) of new requests the route table in force gives a version.");
        foreach (var table in tables)
        {
            foreach (var v in table.Versions)
            {
                Sample(sb, "catalytic_edge_route_weight", Labels(table.App, table.Environment, v.Version),
                    Number(v.Weight));
            }
        }

        Family(sb, "catalytic_edge_certificate_expiry_timestamp_seconds", "gauge",
            "When a TLS listener's certificate expires (Unix time of its notAfter), as the edge has it loaded now.");
        foreach (var store in (certificates ?? []).OrderBy(c => c.Listener, StringComparer.Ordinal))
        {
            foreach (var c in store.Current)
            {
                var labels = $"listener=\"{EscapeLabel(store.Listener)}\",certificate=\"{EscapeLabel(c.Files.CertificatePath)}\",subject=\"{EscapeLabel(c.Names.FirstOrDefault() ?? c.Certificate.Subject)}\"";
                Sample(sb, "catalytic_edge_certificate_expiry_timestamp_seconds", labels, Number(c.NotAfter.ToUnixTimeSeconds()));
            }
        }

        return sb.ToString();
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static string EscapeLabel(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
    }

    private static string Labels(string app, string environment, string version) =>
        $"app=\"{EscapeLabel(app)}\",env=\"{EscapeLabel(environment)}\",version=\"{EscapeLabel(version)}\"";

    private static void Family(StringBuilder sb, string name, string type, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder sb, string name, string labels, string value) =>
        sb.Append(name).Append('{').Append(labels).Append("} ").Append(value).Append('\n');

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(long micros) => (micros / 1_000_000.0).ToString("R", CultureInfo.InvariantCulture);
}
