using System.Collections.Concurrent;
using System.Collections.Immutable;
using Catalytic.Platform.Text;
using Catalytic.Status.Alerts;
using Catalytic.Status.Conditions;
using Catalytic.Status.Config;

namespace Catalytic.Status.Checks;

/// <summary>
/// Turns check results into state and alerts: the thresholds per location, the verdict over locations (quorum),
/// check-down / environment-down / check-degraded alerts and certificate-expiring alerts (warning within 30 days,
/// critical within 7). Results inside a maintenance window are recorded and raise alerts marked as in maintenance,
/// which the dispatcher never notifies.
/// </summary>
public sealed class CheckMonitor(Func<StatusConfig> config, AlertBook book, TimeProvider time)
{
    /// <summary>The label that marks the edge's own health checks (their down alert is environment-down).</summary>
    public const string EdgeLabel = "edge";

    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Check, string Kind, string Severity), (ImmutableSortedDictionary<string, string> Labels, string Fingerprint)> _labels = new();

    /// <summary>Status, last result and per-location status of each check seen so far.</summary>
    public IReadOnlyDictionary<string, State> States => _states;

    /// <summary>Sets each check's starting status from the alerts that were firing before a restart.</summary>
    public void Restore(IEnumerable<CheckConfig> checks)
    {
        foreach (var check in checks)
        {
            var state = _states.GetOrAdd(check.Name, _ => new State(check));
            var firing = book.Alerts.Values.Where(a => a.Firing && a.Labels.GetValueOrDefault("check") == check.Name).Select(a => a.Name).ToHashSet();
            var status = firing.Contains("check-down") || firing.Contains("environment-down") ? CheckStatus.Down
                : firing.Contains("check-degraded") ? CheckStatus.Degraded : CheckStatus.Unknown;
            state.Restore(status, time.GetUtcNow());
        }
    }

    /// <summary>Takes one result: thresholds, verdict, alerts. Returns the verdict.</summary>
    public async Task<CheckStatus> ObserveAsync(CheckConfig check, CheckResult result, CancellationToken ct = default)
    {
        var state = _states.GetOrAdd(check.Name, _ => new State(check));
        var verdict = state.Observe(result, time.GetUtcNow());
        var cfg = config();
        var maintenance = result.InMaintenance;
        var edge = check.Labels.ContainsKey(EdgeLabel);
        var downKind = edge ? "environment-down" : "check-down";
        // Only a firing alert reads its description (a resolve keeps the one it fired with).
        var failing = verdict is CheckStatus.Up or CheckStatus.Unknown ? "" : string.Join("; ", result.Conditions.Where(c => !c.Success).Select(c => c.Condition));
        var why = result.Error is { } e ? $"{e}; {failing}" : failing;

        await SignalAsync(cfg, check, downKind, verdict == CheckStatus.Down, maintenance,
            $"{Name(check)} is down", $"{check.Target}: {why}", check.Severity, ct);
        await SignalAsync(cfg, check, "check-degraded", verdict == CheckStatus.Degraded, maintenance,
            $"{Name(check)} is degraded", $"{check.Target}: {why}", cfg.Kind("check-degraded").Severity, ct);

        if (result.CertificateExpiration is { } left)
        {
            var level = left < TimeSpan.FromDays(7) ? "critical" : left < TimeSpan.FromDays(30) ? "warning" : null;
            foreach (var severity in new[] { "warning", "critical" })
            {
                await SignalAsync(cfg, check, "certificate-expiring", level == severity, maintenance,
                    $"the certificate of {Name(check)} expires in {Durations.FormatRounded(left)}",
                    $"{check.Url.Authority}: the server certificate expires {time.GetUtcNow().Add(left):u}", severity, ct);
            }
        }

        return verdict;
    }

    private static string Name(CheckConfig check) =>
        check.Labels.TryGetValue("app", out var app) && check.Labels.TryGetValue("environment", out var env) && check.Labels.ContainsKey(EdgeLabel)
            ? $"{app}/{env}" : check.Name;

    private async Task SignalAsync(StatusConfig cfg, CheckConfig check, string kind, bool firing, bool maintenance, string summary, string description, string severity, CancellationToken ct)
    {
        var settings = cfg.Kind(kind);
        if (!settings.Enabled)
        {
            return;
        }

        // Labels and fingerprint are the same on every probe of a check: computed once, so a healthy check's result
        // (nothing firing, nothing to resolve) costs a dictionary lookup here, not a label set and a hash.
        var (labels, fingerprint) = _labels.GetOrAdd((check.Name, kind, severity), _ =>
        {
            var l = check.Labels.Remove(EdgeLabel).SetItem("alertname", kind).SetItem("check", check.Name).SetItem("severity", severity);
            return (l, Alert.FingerprintOf(l));
        });
        if (!firing && !book.Alerts.ContainsKey(fingerprint))
        {
            return;
        }

        var annotations = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal)
            .Add("summary", summary)
            .Add("description", description);
        if ((check.Runbook ?? settings.Runbook) is { } runbook)
        {
            annotations = annotations.Add("runbook", runbook);
        }

        if (cfg.DashboardUrl is { } url)
        {
            annotations = annotations.Add("link", new Uri(url, $"checks/{Uri.EscapeDataString(check.Name)}").ToString());
        }

        // Firing signals go in on every result so a maintenance window's end (or a new description) reaches the alert;
        // the book writes nothing when nothing changed. Resolving an alert that does not fire is a no-op as well.
        await book.ApplyAsync(new AlertSignal(labels, annotations, firing, maintenance), ct);
    }

    /// <summary>One check's live state.</summary>
    public sealed class State(CheckConfig check)
    {
        private readonly Dictionary<string, CheckTracker> _locations = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        /// <summary>The configuration.</summary>
        public CheckConfig Check { get; } = check;

        /// <summary>The verdict over all locations.</summary>
        public CheckStatus Status { get; private set; }

        /// <summary>When the verdict last changed.</summary>
        public DateTimeOffset? Since { get; private set; }

        /// <summary>The latest result from any location.</summary>
        public CheckResult? Last { get; private set; }

        /// <summary>Status per location.</summary>
        public ImmutableSortedDictionary<string, CheckStatus> Locations { get; private set; } = ImmutableSortedDictionary<string, CheckStatus>.Empty;

        internal void Restore(CheckStatus status, DateTimeOffset at)
        {
            // Which locations said so is not kept: the status stands for the server until a location reports (and leaves
            // the verdict like any silent location when none reports from here).
            lock (_lock)
            {
                Status = status;
                if (status == CheckStatus.Unknown)
                {
                    return;
                }

                var local = Tracker(CheckConfig.Local);
                local.Restore(status, at);
                Locations = Locations.SetItem(CheckConfig.Local, status);
            }
        }

        internal CheckStatus Observe(CheckResult result, DateTimeOffset now)
        {
            lock (_lock)
            {
                Tracker(result.Location).Observe(result);
                Last = result;
                // A location that stopped reporting (a worker lost or stopped, or one that no longer runs this check)
                // leaves the verdict after missing three turns; worker-lost tells people about the worker itself.
                foreach (var stale in _locations.Where(l => l.Key != result.Location && l.Value.LastAt is { } at && now - at > StaleAfter(Check)).Select(l => l.Key).ToList())
                {
                    _locations.Remove(stale);
                }

                Locations = _locations.ToImmutableSortedDictionary(l => l.Key, l => l.Value.Status, StringComparer.Ordinal);
                var verdict = CheckTracker.Combine(Locations.Values, Math.Min(Check.Quorum, Math.Max(1, Locations.Count)));
                if (verdict != Status)
                {
                    Status = verdict;
                    Since = now;
                }

                return verdict;
            }
        }

        /// <summary>How long a location's last result counts toward the verdict: three intervals and a timeout.</summary>
        public static TimeSpan StaleAfter(CheckConfig check) => (3 * check.Interval) + check.Timeout;

        private CheckTracker Tracker(string location)
        {
            if (!_locations.TryGetValue(location, out var t))
            {
                _locations[location] = t = new CheckTracker(Check);
            }

            return t;
        }
    }
}
