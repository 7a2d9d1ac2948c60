using System.Collections.Immutable;
using Catalytic.Delivery.Routing;
using Catalytic.Status.Config;

namespace Catalytic.Status.Alerts;

/// <summary>
/// The SRE workbook's multi-window multi-burn-rate alert, in process, on the edge's own request counts (for teams
/// without Prometheus; `catalytic prometheus rules` has the same rules for those with it). Once a minute it reads each
/// environment's live versions over the last minute from the edge and keeps three days of per-minute totals; the
/// error budget is 1 − `alerts.slo-burn-rate.objective`. A burn of 14.4× over 1 h and 5 m, or 6× over 6 h and 30 m,
/// pages (critical); 1× over 3 d and 6 h opens a ticket (warning).
/// </summary>
public sealed class SloBurnMonitor(Func<StatusConfig> config, AlertBook book, TimeProvider time)
{
    private const int Minutes = 3 * 24 * 60;
    private readonly Dictionary<(string App, string Environment), Ring> _rings = [];
    private readonly Lock _lock = new();

    /// <summary>Reads the last minute of every live version from <paramref name="tables"/> through <paramref name="metrics"/> and evaluates.</summary>
    public Task SampleAsync(IEnumerable<RouteTable> tables, IVersionMetricsSource metrics, CancellationToken ct = default)
    {
        foreach (var t in tables)
        {
            long requests = 0, errors = 0;
            foreach (var v in t.Versions)
            {
                var m = metrics.Read(t.App, t.Environment, v.Version, TimeSpan.FromMinutes(1));
                requests += m.Requests;
                errors += m.Errors;
            }

            Add(t.App, t.Environment, requests, errors);
        }

        return EvaluateAsync(ct);
    }

    /// <summary>Records one minute of (app, environment) traffic.</summary>
    public void Add(string app, string environment, long requests, long errors)
    {
        lock (_lock)
        {
            if (!_rings.TryGetValue((app, environment), out var ring))
            {
                _rings[(app, environment)] = ring = new Ring();
            }

            ring.Add(requests, errors);
        }
    }

    /// <summary>Fires or resolves the page and ticket alerts of every environment.</summary>
    public async Task EvaluateAsync(CancellationToken ct = default)
    {
        var settings = config().Kind("slo-burn-rate");
        if (!settings.Enabled)
        {
            return;
        }

        var budget = 1 - settings.Threshold;
        List<(string App, string Environment, bool Page, bool Ticket, double Hour)> verdicts;
        lock (_lock)
        {
            verdicts = [.. _rings.Select(r =>
            {
                double R(int minutes) => r.Value.Ratio(minutes);
                var page = (R(60) > 14.4 * budget && R(5) > 14.4 * budget) || (R(360) > 6 * budget && R(30) > 6 * budget);
                var ticket = R(Minutes) > budget && R(360) > budget;
                return (r.Key.App, r.Key.Environment, page, ticket, R(60));
            })];
        }

        foreach (var (app, env, page, ticket, hour) in verdicts)
        {
            foreach (var (window, firing, severity) in new[] { ("page", page, "critical"), ("ticket", ticket && !page, "warning") })
            {
                var labels = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
                {
                    ["alertname"] = "slo-burn-rate", ["severity"] = severity, ["app"] = app, ["environment"] = env, ["window"] = window,
                });
                var annotations = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal)
                    .Add("summary", $"{app}/{env} burns its error budget {hour / budget:0.#}x too fast (objective {Signals.AlertSignals.Percent(settings.Threshold)})")
                    .Add("description", $"5xx share over the last hour {Signals.AlertSignals.Percent(hour)}; budget {Signals.AlertSignals.Percent(budget)}");
                if (settings.Runbook is { } runbook)
                {
                    annotations = annotations.Add("runbook", runbook);
                }

                if (firing || book.Alerts.ContainsKey(Alert.FingerprintOf(labels)))
                {
                    await book.ApplyAsync(new AlertSignal(labels, annotations, firing), ct);
                }
            }
        }
    }

    /// <summary>The clock (for the host's minute timer).</summary>
    public TimeProvider Time => time;

    private sealed class Ring
    {
        private readonly long[] _requests = new long[Minutes];
        private readonly long[] _errors = new long[Minutes];
        private int _next;
        private int _count;

        public void Add(long requests, long errors)
        {
            _requests[_next] = requests;
            _errors[_next] = errors;
            _next = (_next + 1) % Minutes;
            _count = Math.Min(Minutes, _count + 1);
        }

        /// <summary>Errors over requests in the last <paramref name="minutes"/> minutes (or as many as there are).</summary>
        public double Ratio(int minutes)
        {
            long r = 0, e = 0;
            for (var i = 1; i <= Math.Min(minutes, _count); i++)
            {
                var at = (_next - i + Minutes) % Minutes;
                r += _requests[at];
                e += _errors[at];
            }

            return r == 0 ? 0 : (double)e / r;
        }
    }
}
