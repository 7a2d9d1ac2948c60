using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Catalytic.Platform.Text;
using Catalytic.Status.Alerts;
using Catalytic.Status.Config;
using Catalytic.Status.Contracts;
using Catalytic.Status.Notifications;
using Catalytic.Status.Storage;

namespace Catalytic.Status.Reports;

/// <summary>Pipeline history for reports; the pipeline server provides it (until then there is none).</summary>
public interface IRunHistory
{
    /// <summary>Runs that ended in [from, to): conclusion and duration.</summary>
    Task<IReadOnlyList<(string Repository, string Conclusion, TimeSpan Duration)>> RunsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);
}

/// <summary>
/// The status report (the seed's daily/weekly summary): pipeline success rate and p50/p95 durations, deployments and
/// rollbacks, uptime and response times per check, and the alerts open now. Sent as a notification of kind report
/// through the outbox to each configured channel at `at` in `timezone`, daily or weekly.
/// </summary>
public sealed class ReportService(Func<StatusConfig> config, IStatusStore store, AlertBook book, IDeliveryStore? deliveries, IRunHistory? runs, TimeProvider time)
{
    /// <summary>Sends every report that has come due since it was last sent (once per due time, across restarts).</summary>
    public async Task<int> SendDueAsync(CancellationToken ct = default)
    {
        var sent = 0;
        var now = time.GetUtcNow();
        foreach (var report in config().Reports)
        {
            var due = LastDue(report, now);
            var key = "report." + report.Name + ".last";
            var last = await store.GetValueAsync(key, ct);
            if (last is null)
            {
                // First sight of this report: it starts with the next due time, not a burst at start-up.
                await store.SetValueAsync(key, due.UtcTicks.ToString(CultureInfo.InvariantCulture), ct);
                continue;
            }

            if (due.UtcTicks <= long.Parse(last, CultureInfo.InvariantCulture))
            {
                continue;
            }

            var (title, text, html) = await BuildAsync(report.Weekly ? TimeSpan.FromDays(7) : TimeSpan.FromDays(1), due, ct);
            var n = new Notification("report", title, "", "report:" + report.Name, new Dictionary<string, string>(), new Dictionary<string, string>(), [], config().DashboardUrl?.ToString(), text, html);
            var payload = JsonSerializer.Serialize(n, StatusJson.Default.Notification);
            await store.EnqueueAsync([.. report.To.Select(ch => new OutboxMessage(0, ch, "report", title, payload, now, now, 0, OutboxState.Pending, null, null))], [], ct);
            await store.SetValueAsync(key, due.UtcTicks.ToString(CultureInfo.InvariantCulture), ct);
            sent++;
        }

        return sent;
    }

    /// <summary>The most recent due time at or before <paramref name="now"/>.</summary>
    public static DateTimeOffset LastDue(ReportConfig report, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, report.TimeZone);
        for (var back = 0; back <= 8; back++)
        {
            var day = local.Date.AddDays(-back);
            if (report.Weekly && day.DayOfWeek != report.Day)
            {
                continue;
            }

            var at = day + report.At.ToTimeSpan();
            var due = new DateTimeOffset(at, report.TimeZone.GetUtcOffset(at));
            if (due <= now)
            {
                return due;
            }
        }

        return now;
    }

    /// <summary>Builds the report over the <paramref name="span"/> before <paramref name="end"/>: title, plain text, HTML.</summary>
    public async Task<(string Title, string Text, string Html)> BuildAsync(TimeSpan span, DateTimeOffset end, CancellationToken ct = default)
    {
        var from = end - span;
        var title = $"Catalytic {(span.TotalDays >= 7 ? "weekly" : "daily")} status report, {from:yyyy-MM-dd} to {end:yyyy-MM-dd}";
        var rows = new List<(string Section, string[] Cells)>();

        var runList = runs is null ? [] : await runs.RunsAsync(from, end, ct);
        if (runList.Count == 0)
        {
            rows.Add(("Pipelines", ["no pipeline runs recorded"]));
        }
        else
        {
            var ok = runList.Count(r => r.Conclusion == "success");
            var durations = runList.Select(r => r.Duration.TotalSeconds).Order().ToList();
            rows.Add(("Pipelines", [$"{runList.Count} runs", $"success {Signals.AlertSignals.Percent((double)ok / runList.Count)}",
                $"p50 {Durations.FormatRounded(TimeSpan.FromSeconds(Percentile(durations, 0.5)))}", $"p95 {Durations.FormatRounded(TimeSpan.FromSeconds(Percentile(durations, 0.95)))}"]));
        }

        if (deliveries is not null)
        {
            var deps = (await deliveries.ListDeploymentsAsync(limit: 10_000, ct: ct)).Where(d => d.CreatedAt >= from && d.CreatedAt < end).ToList();
            rows.Add(("Deployments", [$"{deps.Count} deployments", $"{deps.Count(d => d.State == DeploymentState.Succeeded)} succeeded",
                $"{deps.Count(d => d.State == DeploymentState.Failed)} failed", $"{deps.Count(d => d.State == DeploymentState.RolledBack)} rolled back"]));
        }

        foreach (var check in config().Checks)
        {
            var days = (await store.ListRollupsAsync(check.Name, "hour", from, ct)).Where(r => r.Start < end).ToList();
            var total = days.Sum(d => d.Total);
            var hist = Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => days.Sum(d => d.Histogram[i])).ToList();
            var up = total == 0 ? 1 : (double)days.Sum(d => d.Up + d.Degraded + d.Maintenance) / total;
            rows.Add(("Checks", [check.Name, $"uptime {Signals.AlertSignals.Percent(up)}", $"p50 {CheckRollup.Quantile(hist, 0.5):0}ms", $"p95 {CheckRollup.Quantile(hist, 0.95):0}ms", $"{total} probes"]));
        }

        var open = book.Alerts.Values.Where(a => a.Firing).OrderBy(a => a.StartsAt).ToList();
        rows.Add(("Open alerts", [open.Count == 0 ? "none" : $"{open.Count} open"]));
        rows.AddRange(open.Select(a => ("Open alerts", new[] { a.Id, a.Severity, a.Summary, a.AckedBy is null ? "not acknowledged" : $"acknowledged by {a.AckedBy}" })));

        var text = new StringBuilder().AppendLine(title);
        var html = new StringBuilder($"<h2>{WebUtility.HtmlEncode(title)}</h2>");
        foreach (var section in rows.GroupBy(r => r.Section))
        {
            text.AppendLine().AppendLine(section.Key);
            html.Append("<h3>").Append(WebUtility.HtmlEncode(section.Key)).Append("</h3><table>");
            foreach (var (_, cells) in section)
            {
                text.Append("  ").AppendLine(string.Join("  ", cells));
                html.Append("<tr>").Append(string.Concat(cells.Select(c => "<td>" + WebUtility.HtmlEncode(c) + "</td>"))).Append("</tr>");
            }

            html.Append("</table>");
        }

        return (title, text.ToString(), html.ToString());
    }

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
