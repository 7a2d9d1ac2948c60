using System.Globalization;
using System.Net;
using System.Text;
using Catalytic.Status.Hosting;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Status;

/// <summary>
/// The public status page (/status, no login; `status: page: enabled: false` turns it off): each public check with
/// its state and a bar per day for 90 days coloured by that day's uptime, and the incidents open now. Server-rendered
/// HTML with no script; it shows check names and states only, never URLs, labels or alert details beyond a summary.
/// </summary>
internal static class StatusPage
{
    public static async Task<IResult> RenderAsync(StatusService status, CancellationToken ct)
    {
        if (!status.Config.Page.Enabled)
        {
            return TypedResults.NotFound();
        }

        var now = StatusEndpoints.TimeNow(status);
        var checks = status.Config.Checks.Where(c => c.Public).ToList();
        var incidents = status.Book.Alerts.Values
            .Where(a => a.Firing && !a.InMaintenance && a.Labels.TryGetValue("check", out var c) && checks.Any(x => x.Name == c))
            .OrderBy(a => a.StartsAt).ToList();
        var html = new StringBuilder();
        var title = WebUtility.HtmlEncode(status.Config.Page.Title);
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>").Append(title).Append("</title>")
            // A stylesheet of the embedded assets, not a <style>: the Content-Security-Policy allows styles from 'self' only.
            .Append("<link rel=\"stylesheet\" href=\"/assets/status.css\"></head><body><main><h1>").Append(title).Append("</h1>");
        var allUp = incidents.Count == 0;
        html.Append("<p class=\"summary ").Append(allUp ? "up" : "down").Append("\">")
            .Append(allUp ? "All systems operational" : $"{incidents.Count} open incident(s)").Append("</p>");
        if (!allUp)
        {
            html.Append("<h2>Current incidents</h2><ul class=\"incidents\">");
            foreach (var a in incidents)
            {
                html.Append("<li><b>").Append(WebUtility.HtmlEncode(a.Summary)).Append("</b> since ")
                    .Append(a.StartsAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)).Append("</li>");
            }

            html.Append("</ul>");
        }

        if (checks.Count > 0)
        {
            html.Append("<h2>Checks</h2><ul class=\"legend\" aria-label=\"What a day's bar means\"><li><span class=\"up\"></span>up 99.9% or more</li>")
                .Append("<li><span class=\"degraded\"></span>up 95% or more</li><li><span class=\"down\"></span>up less</li><li><span class=\"none\"></span>no data</li></ul>");
        }

        foreach (var check in checks)
        {
            var days = await status.Store.ListRollupsAsync(check.Name, "day", now - TimeSpan.FromDays(89), ct);
            var state = status.Monitor.States.TryGetValue(check.Name, out var s) ? s.Status.ToString().ToLowerInvariant() : "unknown";
            html.Append("<div class=\"check\"><div><b>").Append(WebUtility.HtmlEncode(check.Name)).Append("</b><span class=\"state ")
                .Append(state).Append("\">").Append(state).Append("</span></div><div class=\"bars\">");
            var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            for (var d = 89; d >= 0; d--)
            {
                var day = today.AddDays(-d);
                var r = days.FirstOrDefault(x => x.Start == day);
                var cls = r is null || r.Total == 0 ? "none" : r.Uptime >= 0.999 ? "up" : r.Uptime >= 0.95 ? "degraded" : "down";
                var tip = r is null || r.Total == 0 ? "no data" : $"{r.Uptime * 100:0.##}% up";
                html.Append("<span class=\"").Append(cls).Append("\" title=\"").Append(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(": ").Append(tip).Append("\"></span>");
            }

            html.Append("</div><small>90 days: ").Append((StatusEndpoints.Uptime(days) * 100).ToString("0.###", CultureInfo.InvariantCulture)).Append("% uptime</small></div>");
        }

        html.Append("</main><footer><small>Updated ").Append(now.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append("</small></footer></body></html>");
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
