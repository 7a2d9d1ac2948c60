using System.Collections.Immutable;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Checks;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Problems;
using Catalytic.Edge.Routing;
using Catalytic.Platform.Text;
using Catalytic.Server.Api;
using Catalytic.Server.Auth;
using Catalytic.Status.Alerts;
using Catalytic.Status.Checks;
using Catalytic.Status.Conditions;
using Catalytic.Status.Hosting;
using Catalytic.Status.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Status;

/// <summary>
/// The status API under /api (bearer token): checks with their history and SLA, alerts with acknowledgement,
/// silences, the notification outbox. /metrics (prometheus-net plus the edge's families) and the public /status page
/// need no token. No answer carries a channel's URL, password or signing secret: those stay in catalytic.yml and secrets.
/// </summary>
public static class StatusEndpoints
{
    private const int MaxMatchers = 50;

    // Audit actions of the status API (the audit log's own list is Identity's AuditActions; these join it by name).
    private const string AuditAlertAck = "alert.ack";
    private const string AuditSilenceAdd = "silence.add";
    private const string AuditSilenceExpire = "silence.expire";

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapStatusEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api");
        api.MapGet("/checks", ListChecksAsync).Require(Policies.Viewer);
        api.MapGet("/checks/{name}", GetCheckAsync).Require(Policies.Viewer);
        api.MapGet("/checks/{name}/history", HistoryAsync).Require(Policies.Viewer);
        api.MapGet("/checks/{name}/sla", SlaAsync).Require(Policies.Viewer);
        api.MapGet("/alerts", ListAlerts).Require(Policies.Viewer);
        api.MapPost("/alerts/{id}/ack", AckAsync).Require(Policies.Developer);
        api.MapGet("/silences", ListSilences).Require(Policies.Viewer);
        api.MapPost("/silences", AddSilenceAsync).Require(Policies.Developer);
        api.MapDelete("/silences/{id}", ExpireSilenceAsync).Require(Policies.Developer);
        api.MapNotificationEndpoints();
        routes.MapGet("/status", StatusPage.RenderAsync).Public("the public status page: check names, states and uptime of public checks only");
        return routes;
    }

    /// <summary>/metrics: every family of the platform's prometheus-net registry, then those of the edge's.</summary>
    public static IEndpointRouteBuilder MapStatusMetrics(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Catalytic.Contracts.Deployments.DeliveryRoutes.Metrics, async (StatusService status, EdgeRouter router, CancellationToken ct) =>
            TypedResults.Text(await status.Metrics.ExportAsync(ct) + await router.ExportPrometheusAsync(ct), "text/plain; version=0.0.4; charset=utf-8")).Require(Policies.Metrics);
        return routes;
    }

    private static async Task<IResult> ListChecksAsync(StatusService status, CancellationToken ct)
    {
        var list = new List<CheckView>();
        foreach (var check in status.Config.Checks)
        {
            list.Add(await ViewAsync(status, check.Name, ct));
        }

        return TypedResults.Ok<IReadOnlyList<CheckView>>(list);
    }

    private static async Task<IResult> GetCheckAsync(string name, StatusService status, CancellationToken ct) =>
        status.Config.Checks.Any(c => c.Name == name) ? TypedResults.Ok(await ViewAsync(status, name, ct)) : NoCheck(name);

    private static async Task<IResult> HistoryAsync(string name, int? limit, StatusService status, CancellationToken ct)
    {
        if (!status.Config.Checks.Any(c => c.Name == name))
        {
            return NoCheck(name);
        }

        var now = TimeNow(status);
        var results = await status.Store.ListResultsAsync(name, Math.Clamp(limit ?? 50, 1, 1000), null, ct);
        var hours = await status.Store.ListRollupsAsync(name, "hour", now - TimeSpan.FromHours(24), ct);
        var days = await status.Store.ListRollupsAsync(name, "day", now - TimeSpan.FromDays(90), ct);
        return TypedResults.Ok(new CheckHistoryView(name, [.. results.Select(Result)], [.. hours.Select(Rollup)], [.. days.Select(Rollup)]));
    }

    private static async Task<IResult> SlaAsync(string name, int? days, StatusService status, CancellationToken ct)
    {
        if (!status.Config.Checks.Any(c => c.Name == name))
        {
            return NoCheck(name);
        }

        var span = Math.Clamp(days ?? 30, 1, 400);
        var rollups = await status.Store.ListRollupsAsync(name, "day", TimeNow(status) - TimeSpan.FromDays(span), ct);
        var total = rollups.Sum(r => r.Total);
        var hist = Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => rollups.Sum(r => r.Histogram[i])).ToList();
        var up = total == 0 ? 1 : (double)rollups.Sum(r => r.Up + r.Degraded + r.Maintenance) / total;
        var check = status.Config.Checks.First(c => c.Name == name);
        var downMinutes = rollups.Sum(r => r.Down) * check.Interval.TotalMinutes;
        return TypedResults.Ok(new SlaView(name, span, up, downMinutes, CheckRollup.Quantile(hist, 0.5), CheckRollup.Quantile(hist, 0.95), [.. rollups.Select(Rollup)]));
    }

    private static IResult ListAlerts(bool? all, StatusService status)
    {
        var now = TimeNow(status);
        var alerts = status.Book.Alerts.Values.Where(a => all == true || a.Firing).OrderByDescending(a => a.StartsAt).ToList();
        var muted = AlertDispatcher.Muted([.. status.Book.Alerts.Values], status.Book.Silences, status.Config.Inhibit, now);
        return TypedResults.Ok<IReadOnlyList<AlertView>>([.. alerts.Select(a => View(a, muted, status.Book.Silences, now))]);
    }

    private static async Task<IResult> AckAsync(string id, HttpContext http, StatusService status, CancellationToken ct)
    {
        if (status.Book.Find(id) is not { Firing: true })
        {
            return ApiResults.Problem(ApiProblems.NotFound, $"no firing alert '{(id.Length > 100 ? id[..100] + "…" : id)}' (see catalytic alerts)", "id");
        }

        var acked = await status.Book.AckAsync(id, http.Caller().Name, ct);
        await http.AuditAsync(AuditAlertAck, acked!.Id, $"{acked.Name} ({acked.Severity}): {acked.Summary}");
        var now = TimeNow(status);
        return TypedResults.Ok(View(acked!, [], status.Book.Silences, now));
    }

    private static IResult ListSilences(StatusService status)
    {
        var now = TimeNow(status);
        return TypedResults.Ok<IReadOnlyList<SilenceView>>([.. status.Book.Silences.Select(s => SilenceView(s, now))]);
    }

    private static async Task<IResult> AddSilenceAsync(HttpContext http, StatusService status, CancellationToken ct)
    {
        var (body, refusal) = await StatusBodies.ReadAsync(http.Request, ApiJson.Default.SilenceBody, ct);
        if (refusal is not null)
        {
            return refusal;
        }

        if (body?.Matchers is not { Count: > 0 } texts)
        {
            return ApiResults.Problem(ApiProblems.Invalid, "`matchers` is required: label=value, label!=value, label=~regex or label!~regex", "matchers");
        }

        if (texts.Count > MaxMatchers)
        {
            return ApiResults.Problem(ApiProblems.Invalid, $"a silence has at most {MaxMatchers} matchers, not {texts.Count}", "matchers");
        }

        var matchers = new List<Matcher>();
        foreach (var t in texts)
        {
            if (t is null || t.Length > 500 || Matcher.Parse(t) is not { } m)
            {
                return ApiResults.Problem(ApiProblems.Invalid, $"matcher '{t}' must be label=value, label!=value, label=~regex or label!~regex", "matchers");
            }

            matchers.Add(m);
        }

        if (body.For is not { } forText || !Durations.TryParse(forText, out var span) || span <= TimeSpan.Zero || span > TimeSpan.FromDays(365))
        {
            return ApiResults.Problem(ApiProblems.Invalid, "`for` must be a duration such as 30m, 2h or 7d (at most 365d)", "for");
        }

        if (string.IsNullOrWhiteSpace(body.Comment) || body.Comment.Length > 1000)
        {
            return ApiResults.Problem(ApiProblems.Invalid, "`comment` is required (why the alerts are silenced), at most 1000 characters", "comment");
        }

        var now = TimeNow(status);
        var silence = new Silence("s" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)), [.. matchers], now, now + span,
            http.Caller().Name, body.Comment.Trim());
        await status.Book.AddSilenceAsync(silence, ct);
        await http.AuditAsync(AuditSilenceAdd, silence.Id, $"{string.Join(", ", silence.Matchers)} for {Durations.Format(span)}: {silence.Comment}");
        return TypedResults.Created($"/api/silences/{silence.Id}", SilenceView(silence, now));
    }

    private static async Task<IResult> ExpireSilenceAsync(string id, HttpContext http, StatusService status, CancellationToken ct)
    {
        if (await status.Book.ExpireSilenceAsync(id, ct) is not { } s)
        {
            return ApiResults.Problem(ApiProblems.NotFound, $"no silence '{(id.Length > 100 ? id[..100] + "…" : id)}' (see catalytic silence list)", "id");
        }

        await http.AuditAsync(AuditSilenceExpire, s.Id, string.Join(", ", s.Matchers));
        return TypedResults.Ok(SilenceView(s, TimeNow(status)));
    }

    internal static async Task<CheckView> ViewAsync(StatusService status, string name, CancellationToken ct)
    {
        var check = status.Config.Checks.First(c => c.Name == name);
        status.Monitor.States.TryGetValue(name, out var state);
        var now = TimeNow(status);
        var hours = await status.Store.ListRollupsAsync(name, "hour", now - TimeSpan.FromHours(24), ct);
        var days = await status.Store.ListRollupsAsync(name, "day", now - TimeSpan.FromDays(90), ct);
        var hist = Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => hours.Sum(r => r.Histogram[i])).ToList();
        var last = state?.Last is { } l ? Result(l) : null;
        return new CheckView(name, check.Target, (state?.Status ?? CheckStatus.Unknown).ToString().ToLowerInvariant(), check.Labels.Remove(CheckMonitor.EdgeLabel),
            check.Maintenance.Any(w => w.Contains(now)), last, Uptime(hours), Uptime(days), CheckRollup.Quantile(hist, 0.5), CheckRollup.Quantile(hist, 0.95),
            (state?.Locations ?? ImmutableSortedDictionary<string, CheckStatus>.Empty).ToDictionary(x => x.Key, x => x.Value.ToString().ToLowerInvariant()));
    }

    internal static double Uptime(IReadOnlyList<CheckRollup> rollups)
    {
        var total = rollups.Sum(r => r.Total);
        return total == 0 ? 1 : (double)rollups.Sum(r => r.Up + r.Degraded + r.Maintenance) / total;
    }

    internal static DateTimeOffset TimeNow(StatusService status) => status.Clock.GetUtcNow();

    private static CheckResultView Result(CheckResult r) => new(r.At, r.Location, r.Success, r.Degraded, Math.Round(r.ResponseTime.TotalMilliseconds, 1), r.HttpStatus, r.Error,
        [.. r.Conditions.Select(c => new ConditionView(c.Condition, c.Success, c.DegradedOnly))], r.CertificateExpiration?.TotalSeconds, r.InMaintenance);

    private static RollupView Rollup(CheckRollup r) => new(r.Start, r.Total, r.Up, r.Degraded, r.Down, r.Maintenance, r.Uptime,
        CheckRollup.Quantile(r.Histogram, 0.5), CheckRollup.Quantile(r.Histogram, 0.95));

    private static AlertView View(Alert a, HashSet<string> muted, ImmutableArray<Silence> silences, DateTimeOffset now)
    {
        var state = !a.Firing ? "resolved"
            : a.InMaintenance ? "maintenance"
            : silences.Any(s => s.Mutes(a, now)) ? "silenced"
            : muted.Contains(a.Fingerprint) ? "inhibited"
            : a.AckedBy is not null ? "acknowledged"
            : "firing";
        return new AlertView(a.Id, a.Fingerprint, a.Name, a.Severity, state, a.Summary, a.Labels, a.Annotations, a.StartsAt, a.EndsAt, a.AckedBy, a.AckedAt, a.EscalationStep);
    }

    private static SilenceView SilenceView(Silence s, DateTimeOffset now) =>
        new(s.Id, [.. s.Matchers.Select(m => m.ToString())], s.StartsAt, s.EndsAt, s.CreatedBy, s.Comment, s.ActiveAt(now));

    private static IResult NoCheck(string name) => ApiResults.Problem(ApiProblems.NotFound, $"no check '{name}' (see catalytic checks)", "name");
}
