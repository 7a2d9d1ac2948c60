using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Catalytic.Status.Grafana;

/// <summary>One panel: title, kind (timeseries, stat, table) and its PromQL queries.</summary>
public sealed record Panel(string Title, string Type, ImmutableArray<string> Queries, string Unit = "short");

/// <summary>
/// `catalytic grafana dashboards`: Grafana dashboards (JSON model) for pipelines, deployments and the edge, and checks
/// and SLOs. Every panel reads from a `datasource` variable (type prometheus) rather than a fixed uid, so the files
/// import into any Grafana; a test checks every query's metric names against the families /metrics exposes.
/// </summary>
public static partial class DashboardWriter
{
    /// <summary>The dashboards: file name (without .json), title, panels.</summary>
    public static ImmutableArray<(string File, string Title, ImmutableArray<Panel> Panels)> Dashboards { get; } =
    [
        ("catalytic-pipelines", "Catalytic / Pipelines",
        [
            new("Runs per hour by conclusion", "timeseries", ["sum by (conclusion) (increase(catalytic_runs_total[1h]))"]),
            new("Run success rate (1 d)", "stat", ["sum(increase(catalytic_runs_total{conclusion=\"success\"}[1d])) / sum(increase(catalytic_runs_total[1d]))"], "percentunit"),
            new("Run duration p50 / p95", "timeseries",
                ["histogram_quantile(0.5, sum by (le) (rate(catalytic_run_duration_seconds_bucket[1h])))", "histogram_quantile(0.95, sum by (le) (rate(catalytic_run_duration_seconds_bucket[1h])))"], "s"),
            new("Jobs by conclusion", "timeseries", ["sum by (conclusion) (increase(catalytic_jobs_total[1h]))"]),
            new("Job duration p95", "timeseries", ["histogram_quantile(0.95, sum by (le) (rate(catalytic_job_duration_seconds_bucket[1h])))"], "s"),
            new("Runs not completed by status", "timeseries", ["sum by (status) (catalytic_runs_active)"]),
            new("Queue depth", "timeseries", ["sum by (labels) (catalytic_queue_depth)"]),
            new("Queue wait p95", "timeseries", ["histogram_quantile(0.95, sum by (le) (rate(catalytic_queue_wait_seconds_bucket[30m])))"], "s"),
            new("Workers", "timeseries", ["sum by (state) (catalytic_workers)"]),
        ]),
        ("catalytic-deployments-edge", "Catalytic / Deployments and edge",
        [
            new("Deployments by outcome (1 d)", "timeseries", ["sum by (state) (increase(catalytic_deployments_total[1d]))"]),
            new("Deployment success rate (7 d)", "stat",
                ["sum(increase(catalytic_deployments_total{state=\"succeeded\"}[7d])) / sum(increase(catalytic_deployments_total[7d]))"], "percentunit"),
            new("Approvals waiting", "table", ["catalytic_approval_waiting_seconds"], "s"),
            new("Instances by health", "timeseries", ["sum by (app, environment, health) (catalytic_instances)"]),
            new("Requests per second by version", "timeseries", ["sum by (app, env, version) (rate(catalytic_edge_requests_total[1m]))"], "reqps"),
            new("5xx share by version", "timeseries",
                ["sum by (app, env, version) (rate(catalytic_edge_requests_total{code=~\"5..\"}[5m])) / sum by (app, env, version) (rate(catalytic_edge_requests_total[5m]))"], "percentunit"),
            new("Latency p99 by version", "timeseries", ["histogram_quantile(0.99, sum by (app, env, version, le) (rate(catalytic_edge_request_duration_seconds_bucket[5m])))"], "s"),
            new("Traffic split", "timeseries", ["catalytic_edge_route_weight"], "percent"),
            new("Proxy failures", "timeseries", ["sum by (app, env) (rate(catalytic_edge_proxy_failures_total[5m]))"]),
            new("Requests in flight", "timeseries", ["sum by (app, env) (catalytic_edge_active_requests)"]),
        ]),
        ("catalytic-checks-slo", "Catalytic / Checks and SLOs",
        [
            new("Checks up", "stat", ["catalytic_check_up"]),
            new("Checks degraded", "stat", ["catalytic_check_degraded"]),
            new("Response time p95 by check", "timeseries", ["histogram_quantile(0.95, sum by (check, le) (rate(catalytic_check_response_time_seconds_bucket[10m])))"], "s"),
            new("Certificate expiry", "table", ["catalytic_check_certificate_expiry_seconds / 86400"], "d"),
            new("Results by outcome", "timeseries", ["sum by (check, result) (rate(catalytic_check_results_total[5m]))"]),
            new("Scheduler lateness p99", "timeseries", ["histogram_quantile(0.99, sum by (le) (rate(catalytic_check_schedule_lateness_seconds_bucket[5m])))"], "s"),
            new("Error budget burn rate (1 h)", "timeseries",
                ["(sum by (app, env) (rate(catalytic_edge_requests_total{code=~\"5..\"}[1h])) / sum by (app, env) (rate(catalytic_edge_requests_total[1h]))) / (1 - $objective)"]),
            new("Availability (30 d)", "stat",
                ["1 - (sum by (app, env) (increase(catalytic_edge_requests_total{code=~\"5..\"}[30d])) / sum by (app, env) (increase(catalytic_edge_requests_total[30d])))"], "percentunit"),
            new("Alerts firing", "timeseries", ["sum by (severity) (catalytic_alerts_firing)"]),
            new("Notifications sent / failed", "timeseries", ["sum by (channel, outcome) (increase(catalytic_notifications_total[1h]))"]),
            new("Notifications pending", "stat", ["catalytic_notifications_pending"]),
        ]),
    ];

    /// <summary>The catalytic_* metric names a query reads (histogram suffixes removed).</summary>
    public static IEnumerable<string> MetricNames(string query) =>
        MetricRegex().Matches(query).Select(m => Regex.Replace(m.Value, "_(bucket|sum|count)$", "")).Distinct();

    /// <summary>The dashboard JSON (Grafana's model, schemaVersion 39) for <paramref name="objective"/> (e.g. 0.999).</summary>
    public static string Write(string file, string title, ImmutableArray<Panel> panels, double objective)
    {
        var list = new JsonArray();
        for (var i = 0; i < panels.Length; i++)
        {
            var p = panels[i];
            var targets = new JsonArray();
            for (var q = 0; q < p.Queries.Length; q++)
            {
                targets.Add((JsonNode)new JsonObject
                {
                    ["refId"] = ((char)('A' + q)).ToString(),
                    ["expr"] = p.Queries[q],
                    ["datasource"] = Datasource(),
                });
            }

            list.Add((JsonNode)new JsonObject
            {
                ["id"] = i + 1,
                ["type"] = p.Type,
                ["title"] = p.Title,
                ["datasource"] = Datasource(),
                ["gridPos"] = new JsonObject { ["h"] = 8, ["w"] = 12, ["x"] = i % 2 * 12, ["y"] = i / 2 * 8 },
                ["fieldConfig"] = new JsonObject { ["defaults"] = new JsonObject { ["unit"] = p.Unit }, ["overrides"] = new JsonArray() },
                ["targets"] = targets,
            });
        }

        var root = new JsonObject
        {
            ["uid"] = file,
            ["title"] = title,
            ["tags"] = new JsonArray { (JsonNode)"catalytic" },
            ["schemaVersion"] = 39,
            ["version"] = 1,
            ["editable"] = true,
            ["time"] = new JsonObject { ["from"] = "now-24h", ["to"] = "now" },
            ["templating"] = new JsonObject
            {
                ["list"] = new JsonArray
                {
                    (JsonNode)new JsonObject
                    {
                        ["name"] = "datasource", ["label"] = "Prometheus", ["type"] = "datasource", ["query"] = "prometheus",
                        ["current"] = new JsonObject(), ["hide"] = 0,
                    },
                    (JsonNode)new JsonObject
                    {
                        ["name"] = "objective", ["label"] = "SLO objective", ["type"] = "constant", ["query"] = objective.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture), ["hide"] = 2,
                    },
                },
            },
            ["panels"] = list,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, TypeInfoResolver = Contracts.StatusJson.Default });
    }

    private static JsonObject Datasource() => new() { ["type"] = "prometheus", ["uid"] = "${datasource}" };

    [GeneratedRegex("catalytic_[a-z_]+")]
    private static partial Regex MetricRegex();
}
