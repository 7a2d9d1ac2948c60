using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Catalytic.Status.Config;

namespace Catalytic.Status.Prometheus;

/// <summary>One alerting rule.</summary>
public sealed record AlertRule(string Group, string Name, string Expr, string For, string Severity, string Summary, string Description, string? Kind = null);

/// <summary>
/// `catalytic prometheus rules`: the built-in signals as Prometheus alerting rules over the metrics of /metrics, for
/// teams that alert from Prometheus instead. The SLO rules are the SRE workbook's multi-window multi-burn-rate alerts
/// (14.4× over 1 h and 5 m and 6× over 6 h and 30 m page; 1× over 3 d and 6 h opens a ticket), with the objective
/// from `alerts.slo-burn-rate.objective` (default 99.9%). Thresholds and runbooks come from `alerts:` as well.
/// </summary>
public static class RulesWriter
{
    /// <summary>The rules for <paramref name="config"/>.</summary>
    public static ImmutableArray<AlertRule> Rules(StatusConfig config)
    {
        var budget = 1 - config.Kind("slo-burn-rate").Threshold;
        var successRate = config.Kind("deployment-success-rate").Threshold;
        var approval = config.Kind("approval-waiting").After.TotalSeconds;
        string Ratio(string w) =>
            $"(sum by (app, env) (rate(catalytic_edge_requests_total{{code=~\"5..\"}}[{w}])) / sum by (app, env) (rate(catalytic_edge_requests_total[{w}])))";
        string Burn(string longW, string shortW, double factor) =>
            $"{Ratio(longW)} > ({F(factor)} * {F(budget)}) and {Ratio(shortW)} > ({F(factor)} * {F(budget)})";

        return
        [
            new("catalytic-checks", "CatalyticCheckDown", "catalytic_check_up == 0", "0m", "critical", "Check {{ $labels.check }} is down", "The check's verdict is down (its failure-threshold was reached).", "check-down"),
            new("catalytic-checks", "CatalyticCheckDegraded", "catalytic_check_degraded == 1", "5m", "warning", "Check {{ $labels.check }} is degraded", "Only degraded-only conditions fail.", "check-degraded"),
            new("catalytic-checks", "CatalyticCheckFlapping", "changes(catalytic_check_up[30m]) > 6", "0m", "warning", "Check {{ $labels.check }} is flapping", "Up and down more than 6 times in 30 minutes."),
            new("catalytic-checks", "CatalyticCheckSlow", "histogram_quantile(0.95, sum by (check, le) (rate(catalytic_check_response_time_seconds_bucket[10m]))) > 1", "10m", "warning", "Check {{ $labels.check }} answers slowly", "p95 response time over 1 s for 10 minutes."),
            new("catalytic-checks", "CatalyticCertificateExpiringSoon", "catalytic_check_certificate_expiry_seconds < 30 * 86400", "0m", "warning", "The certificate of {{ $labels.check }} expires within 30 days", "Renew it.", "certificate-expiring"),
            new("catalytic-checks", "CatalyticCertificateExpiringCritical", "catalytic_check_certificate_expiry_seconds < 7 * 86400", "0m", "critical", "The certificate of {{ $labels.check }} expires within 7 days", "Renew it now.", "certificate-expiring"),
            new("catalytic-checks", "CatalyticCertificateExpired", "catalytic_check_certificate_expiry_seconds <= 0", "0m", "critical", "The certificate of {{ $labels.check }} has expired", "Clients refuse the connection."),
            new("catalytic-checks", "CatalyticCheckSchedulerLagging", "histogram_quantile(0.99, sum by (le) (rate(catalytic_check_schedule_lateness_seconds_bucket[5m]))) > 5", "10m", "warning", "Checks start late", "The scheduler's p99 lateness is over 5 s: the server is overloaded."),
            new("catalytic-checks", "CatalyticChecksStalled", "sum(rate(catalytic_check_results_total[10m])) == 0", "10m", "warning", "No check has produced a result for 10 minutes", "The check scheduler may be stuck."),
            new("catalytic-slo", "CatalyticErrorBudgetBurnFast", Burn("1h", "5m", 14.4), "2m", "critical", "{{ $labels.app }}/{{ $labels.env }} burns its error budget 14.4x too fast", "2% of a 30-day budget in one hour.", "slo-burn-rate"),
            new("catalytic-slo", "CatalyticErrorBudgetBurnMedium", Burn("6h", "30m", 6), "15m", "critical", "{{ $labels.app }}/{{ $labels.env }} burns its error budget 6x too fast", "5% of a 30-day budget in six hours.", "slo-burn-rate"),
            new("catalytic-slo", "CatalyticErrorBudgetBurnSlow", Burn("3d", "6h", 1), "1h", "warning", "{{ $labels.app }}/{{ $labels.env }} spends its error budget", "10% of a 30-day budget in three days: open a ticket.", "slo-burn-rate"),
            new("catalytic-edge", "CatalyticEdgeHighErrorRate", "sum by (app, env, version) (rate(catalytic_edge_requests_total{code=~\"5..\"}[5m])) / sum by (app, env, version) (rate(catalytic_edge_requests_total[5m])) > 0.05", "5m", "warning", "{{ $labels.app }}/{{ $labels.env }} {{ $labels.version }} answers 5xx to over 5% of requests", "Look at the version's logs."),
            new("catalytic-edge", "CatalyticEdgeHighLatency", "histogram_quantile(0.99, sum by (app, env, le) (rate(catalytic_edge_request_duration_seconds_bucket[5m]))) > 1", "10m", "warning", "{{ $labels.app }}/{{ $labels.env }} p99 latency over 1 s", "Slow responses for 10 minutes."),
            new("catalytic-edge", "CatalyticEdgeProxyFailures", "sum by (app, env) (rate(catalytic_edge_proxy_failures_total[5m])) > 0.1", "5m", "warning", "The edge cannot reach {{ $labels.app }}/{{ $labels.env }}", "Backends refuse, reset or time out."),
            new("catalytic-edge", "CatalyticEdgeNoRoute", "sum by (app, env) (catalytic_edge_route_weight) == 0", "1m", "critical", "{{ $labels.app }}/{{ $labels.env }} has no version taking traffic", "Every request is refused.", "environment-down"),
            new("catalytic-edge", "CatalyticEdgeSaturated", "sum by (app, env) (catalytic_edge_active_requests) > 1000", "5m", "warning", "{{ $labels.app }}/{{ $labels.env }} has over 1000 requests in flight", "Backends are slower than the traffic."),
            new("catalytic-deployments", "CatalyticDeploymentFailed", "increase(catalytic_deployments_total{state=\"failed\"}[15m]) > 0", "0m", "critical", "A deployment of {{ $labels.app }} to {{ $labels.environment }} failed", "The previous release still serves.", "deployment-failed"),
            new("catalytic-deployments", "CatalyticDeploymentRolledBack", "increase(catalytic_deployments_total{state=\"rolled-back\"}[15m]) > 0", "0m", "critical", "A deployment of {{ $labels.app }} to {{ $labels.environment }} was rolled back", "Analysis or a person rolled it back.", "deployment-rolled-back"),
            new("catalytic-deployments", "CatalyticDeploymentSuccessRateLow",
                $"sum by (app, environment) (increase(catalytic_deployments_total{{state=\"succeeded\"}}[7d])) / sum by (app, environment) (increase(catalytic_deployments_total[7d])) < {F(successRate)}",
                "1h", "warning", "Under " + F(successRate * 100) + "% of deployments of {{ $labels.app }} to {{ $labels.environment }} succeeded in 7 days", "Look at what fails.", "deployment-success-rate"),
            new("catalytic-deployments", "CatalyticApprovalWaiting", $"catalytic_approval_waiting_seconds > {F(approval)}", "0m", "warning", "A deployment of {{ $labels.app }} waits for approval in {{ $labels.environment }}", "Approve or reject it.", "approval-waiting"),
            new("catalytic-deployments", "CatalyticInstanceUnhealthy", "catalytic_instances{health=\"unhealthy\"} > 0", "5m", "warning", "{{ $labels.app }}/{{ $labels.environment }} {{ $labels.version }} has unhealthy instances", "The supervisor restarts them."),
            new("catalytic-pipelines", "CatalyticRunFailedOnDefaultBranch", "increase(catalytic_runs_total{conclusion=\"failure\",default_branch=\"true\"}[15m]) > 0", "0m", "critical", "{{ $labels.workflow }} failed on the default branch of {{ $labels.repository }}", "Fix the build.", "run-failed"),
            new("catalytic-pipelines", "CatalyticRunSuccessRateLow", "sum by (repository) (increase(catalytic_runs_total{conclusion=\"success\"}[1d])) / sum by (repository) (increase(catalytic_runs_total[1d])) < 0.8", "1h", "warning", "Under 80% of runs of {{ $labels.repository }} succeeded today", "Flaky or broken pipelines."),
            new("catalytic-pipelines", "CatalyticRunDurationHigh", "histogram_quantile(0.95, sum by (repository, le) (rate(catalytic_run_duration_seconds_bucket[1h]))) > 1800", "1h", "warning", "Runs of {{ $labels.repository }} take over 30 minutes (p95)", "The pipeline slowed down."),
            new("catalytic-pipelines", "CatalyticQueueBacklog", "sum(catalytic_queue_depth) > 20", "10m", "warning", "Over 20 jobs wait for a worker", "Add workers or look for a stuck one."),
            new("catalytic-pipelines", "CatalyticQueueWaitHigh", "histogram_quantile(0.95, sum by (le) (rate(catalytic_queue_wait_seconds_bucket[30m]))) > 300", "15m", "warning", "Jobs wait over 5 minutes for a worker (p95)", "Add workers."),
            new("catalytic-pipelines", "CatalyticWorkerLost", "catalytic_workers{state=\"lost\"} > 0", "0m", "warning", "{{ $value }} worker(s) lost", "A worker stopped renewing its lease; its jobs were re-queued.", "worker-lost"),
            new("catalytic-pipelines", "CatalyticNoIdleWorkers", "catalytic_workers{state=\"idle\"} == 0 and on () sum(catalytic_queue_depth) > 0", "15m", "warning", "Every worker is busy and jobs wait", "Add workers."),
            new("catalytic-platform", "CatalyticNotificationsFailing", "increase(catalytic_notifications_total{outcome=\"failed\"}[15m]) > 0", "5m", "warning", "Notifications to {{ $labels.channel }} fail", "See `catalytic notifications --failed`."),
            new("catalytic-platform", "CatalyticNotificationsBacklog", "catalytic_notifications_pending > 50", "10m", "warning", "Over 50 notifications wait in the outbox", "A channel is down or slow."),
            new("catalytic-platform", "CatalyticCriticalAlertsFiring", "sum(catalytic_alerts_firing{severity=\"critical\"}) > 0", "30m", "warning", "Critical Catalytic alerts have fired for 30 minutes", "See `catalytic alerts`."),
        ];
    }

    /// <summary>The rules file (Prometheus' YAML), one group per area.</summary>
    public static string Write(StatusConfig config)
    {
        var sb = new StringBuilder("# Generated by `catalytic prometheus rules`; check with `promtool check rules`.\ngroups:\n");
        foreach (var group in Rules(config).GroupBy(r => r.Group))
        {
            sb.Append("  - name: ").Append(group.Key).Append("\n    rules:\n");
            foreach (var r in group)
            {
                sb.Append("      - alert: ").Append(r.Name).Append('\n')
                    .Append("        expr: ").Append(Q(r.Expr)).Append('\n')
                    .Append("        for: ").Append(r.For).Append('\n')
                    .Append("        labels:\n          severity: ").Append(r.Severity).Append('\n')
                    .Append("        annotations:\n          summary: ").Append(Q(r.Summary)).Append('\n')
                    .Append("          description: ").Append(Q(r.Description)).Append('\n');
                if (r.Kind is not null && config.Kind(r.Kind).Runbook is { } runbook)
                {
                    sb.Append("          runbook_url: ").Append(Q(runbook)).Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>A YAML double-quoted scalar (JSON string syntax is valid YAML).</summary>
    private static string Q(string s) =>
        "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    private static string F(double d) => d.ToString("0.######", CultureInfo.InvariantCulture);
}
