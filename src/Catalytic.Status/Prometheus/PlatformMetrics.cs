using System.Collections.Immutable;
using Prometheus;

namespace Catalytic.Status.Prometheus;

/// <summary>
/// Every metric `catalytic serve` exposes on /metrics, in one prometheus-net registry (one per server, so tests and
/// several servers in one process do not share counters). The alert rules and the Grafana boards are written against
/// <see cref="Names"/>, and a test checks that every name a rule or a panel uses is one of them; another scrapes a real
/// serve's /metrics (checks, notifications, a TLS edge listener) and checks that its families are exactly these.
/// Pipelines (runs, jobs, queue, workers) are fed by the pipeline server through the methods below.
/// </summary>
public sealed class PlatformMetrics
{
    private static readonly double[] ProbeBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] RunBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

    private readonly MetricFactory _f;

    /// <summary>Creates the registry and every family.</summary>
    public PlatformMetrics()
    {
        Registry = global::Prometheus.Metrics.NewCustomRegistry();
        _f = global::Prometheus.Metrics.WithCustomRegistry(Registry);
        CheckUp = _f.CreateGauge("catalytic_check_up", "1 when the check's verdict is up or degraded, 0 when down.", "check");
        CheckDegraded = _f.CreateGauge("catalytic_check_degraded", "1 when the check is degraded (only degraded-only conditions fail).", "check");
        CheckResponseTime = _f.CreateHistogram("catalytic_check_response_time_seconds", "Time each probe took.",
            new HistogramConfiguration { LabelNames = ["check"], Buckets = ProbeBuckets });
        CheckCertificateExpiry = _f.CreateGauge("catalytic_check_certificate_expiry_seconds", "Seconds until the certificate a TLS or https check saw expires.", "check");
        CheckResults = _f.CreateCounter("catalytic_check_results_total", "Probe results, by outcome (up, degraded, down).", "check", "result");
        ScheduleLateness = _f.CreateHistogram("catalytic_check_schedule_lateness_seconds", "How late a check's turn started against its plan (the scheduler's jitter).",
            new HistogramConfiguration { Buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });
        AlertsFiring = _f.CreateGauge("catalytic_alerts_firing", "Alerts firing now, by name and severity.", "alertname", "severity");
        Notifications = _f.CreateCounter("catalytic_notifications_total", "Notification attempts, by channel, channel kind and outcome (sent, failed).", "channel", "kind", "outcome");
        NotificationsPending = _f.CreateGauge("catalytic_notifications_pending", "Notifications in the outbox not sent yet.");
        Deployments = _f.CreateCounter("catalytic_deployments_total", "Deployments that ended, by final state.", "app", "environment", "state");
        ApprovalWaiting = _f.CreateGauge("catalytic_approval_waiting_seconds", "How long the deployment waiting at an environment's gate has waited.", "app", "environment");
        Instances = _f.CreateGauge("catalytic_instances", "Supervised instances, by health.", "app", "environment", "version", "health");
        Runs = _f.CreateCounter("catalytic_runs_total", "Pipeline runs that ended, by conclusion; default_branch is true for the default branch or a tag.", "repository", "workflow", "conclusion", "default_branch");
        RunDuration = _f.CreateHistogram("catalytic_run_duration_seconds", "Duration of pipeline runs.",
            new HistogramConfiguration { LabelNames = ["repository", "workflow"], Buckets = RunBuckets });
        Jobs = _f.CreateCounter("catalytic_jobs_total", "Jobs that ended, by conclusion.", "repository", "conclusion");
        JobDuration = _f.CreateHistogram("catalytic_job_duration_seconds", "Duration of jobs.", new HistogramConfiguration { LabelNames = ["repository"], Buckets = RunBuckets });
        QueueDepth = _f.CreateGauge("catalytic_queue_depth", "Jobs waiting for a worker, by runs-on labels.", "labels");
        QueueWait = _f.CreateHistogram("catalytic_queue_wait_seconds", "Time a job waited for a worker.", new HistogramConfiguration { Buckets = RunBuckets });
        Workers = _f.CreateGauge("catalytic_workers", "Workers by state (busy, idle, offline, lost).", "state");
        RunsActive = _f.CreateGauge("catalytic_runs_active", "Runs not completed, by status (queued, pending, in_progress, waiting).", "status");
    }

    /// <summary>The names of every family, without the _bucket/_sum/_count suffixes of histograms.</summary>
    public static ImmutableArray<string> Names { get; } =
    [
        "catalytic_check_up", "catalytic_check_degraded", "catalytic_check_response_time_seconds", "catalytic_check_certificate_expiry_seconds",
        "catalytic_check_results_total", "catalytic_check_schedule_lateness_seconds", "catalytic_alerts_firing", "catalytic_notifications_total",
        "catalytic_notifications_pending", "catalytic_deployments_total", "catalytic_approval_waiting_seconds", "catalytic_instances",
        "catalytic_runs_total", "catalytic_run_duration_seconds", "catalytic_jobs_total", "catalytic_job_duration_seconds", "catalytic_queue_depth",
        "catalytic_queue_wait_seconds", "catalytic_workers", "catalytic_runs_active",
        // The edge's families (Catalytic.Edge's metrics).
        "catalytic_edge_requests_total", "catalytic_edge_proxy_failures_total", "catalytic_edge_request_duration_seconds",
        "catalytic_edge_active_requests", "catalytic_edge_route_weight", "catalytic_edge_certificate_expiry_timestamp_seconds",
    ];

    /// <summary>The registry /metrics serialises.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>catalytic_check_up.</summary>
    public Gauge CheckUp { get; }

    /// <summary>catalytic_check_degraded.</summary>
    public Gauge CheckDegraded { get; }

    /// <summary>catalytic_check_response_time_seconds.</summary>
    public Histogram CheckResponseTime { get; }

    /// <summary>catalytic_check_certificate_expiry_seconds.</summary>
    public Gauge CheckCertificateExpiry { get; }

    /// <summary>catalytic_check_results_total.</summary>
    public Counter CheckResults { get; }

    /// <summary>catalytic_check_schedule_lateness_seconds.</summary>
    public Histogram ScheduleLateness { get; }

    /// <summary>catalytic_alerts_firing.</summary>
    public Gauge AlertsFiring { get; }

    /// <summary>catalytic_notifications_total.</summary>
    public Counter Notifications { get; }

    /// <summary>catalytic_notifications_pending.</summary>
    public Gauge NotificationsPending { get; }

    /// <summary>catalytic_deployments_total.</summary>
    public Counter Deployments { get; }

    /// <summary>catalytic_approval_waiting_seconds.</summary>
    public Gauge ApprovalWaiting { get; }

    /// <summary>catalytic_instances.</summary>
    public Gauge Instances { get; }

    /// <summary>catalytic_runs_total.</summary>
    public Counter Runs { get; }

    /// <summary>catalytic_run_duration_seconds.</summary>
    public Histogram RunDuration { get; }

    /// <summary>catalytic_jobs_total.</summary>
    public Counter Jobs { get; }

    /// <summary>catalytic_job_duration_seconds.</summary>
    public Histogram JobDuration { get; }

    /// <summary>catalytic_queue_depth.</summary>
    public Gauge QueueDepth { get; }

    /// <summary>catalytic_queue_wait_seconds.</summary>
    public Histogram QueueWait { get; }

    /// <summary>catalytic_workers.</summary>
    public Gauge Workers { get; }

    /// <summary>catalytic_runs_active.</summary>
    public Gauge RunsActive { get; }

    /// <summary>A run ended (the pipeline server calls this with the alert signal).</summary>
    public void RunFinished(string repository, string workflow, string conclusion, bool defaultBranch, TimeSpan duration)
    {
        Runs.WithLabels(repository, workflow, conclusion, defaultBranch ? "true" : "false").Inc();
        RunDuration.WithLabels(repository, workflow).Observe(duration.TotalSeconds);
    }

    /// <summary>A job ended after waiting <paramref name="waited"/> in the queue.</summary>
    public void JobFinished(string repository, string conclusion, TimeSpan duration, TimeSpan waited)
    {
        Jobs.WithLabels(repository, conclusion).Inc();
        JobDuration.WithLabels(repository).Observe(duration.TotalSeconds);
        QueueWait.Observe(waited.TotalSeconds);
    }

    /// <summary>Sets a gauge's labelled children to exactly <paramref name="values"/>, removing children no longer present.</summary>
    public static void SetAll(Gauge gauge, IReadOnlyDictionary<string[], double> values)
    {
        var keep = new HashSet<string>(values.Keys.Select(k => string.Join('\u0001', k)), StringComparer.Ordinal);
        foreach (var labels in gauge.GetAllLabelValues().ToList())
        {
            if (!keep.Contains(string.Join('\u0001', labels)))
            {
                gauge.RemoveLabelled(labels);
            }
        }

        foreach (var (labels, v) in values)
        {
            gauge.WithLabels(labels).Set(v);
        }
    }

    /// <summary>The text exposition (0.0.4) of every family.</summary>
    public async Task<string> ExportAsync(CancellationToken ct = default)
    {
        using var ms = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(ms, ct);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
