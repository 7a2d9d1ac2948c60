using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Problems;
using Catalytic.Platform.Text;
using Catalytic.Server.Api;
using Catalytic.Server.Auth;
using Catalytic.Status.Conditions;
using Catalytic.Status.Config;
using Catalytic.Status.Hosting;
using Catalytic.Status.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Status;

/// <summary>
/// The notification outbox under /api: what was sent and what is failing (<c>catalytic notifications [--failed]</c>),
/// the channels and routes configured, and Retry now for a failed or retrying message. Nothing here carries a
/// credential: the outbox holds none (a channel's URL and password are read when a message is sent, and send errors
/// are masked), and the setup is described by kind, host and secret names only — a webhook's path and query (where
/// Slack and most receivers keep their token) are never shown.
/// </summary>
internal static class NotificationEndpoints
{
    private const string AuditRetry = "notification.retry";

    /// <summary>Maps the routes on the status API's group.</summary>
    public static RouteGroupBuilder MapNotificationEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/notifications", ListAsync).Require(Policies.Viewer);
        api.MapGet("/notifications/setup", Setup).Require(Policies.Viewer);

        // A developer may re-run a job; sending a notification again is no more than that.
        api.MapPost("/notifications/{id}/retry", RetryAsync).Require(Policies.Developer);
        return api;
    }

    private static async Task<IResult> ListAsync(bool? failed, int? limit, StatusService status, CancellationToken ct)
    {
        var list = await status.Store.ListOutboxAsync(failed == true, Math.Clamp(limit ?? 50, 1, 1000), ct);
        return TypedResults.Ok<IReadOnlyList<NotificationView>>([.. list.Select(View)]);
    }

    private static async Task<IResult> RetryAsync(string id, HttpContext http, StatusService status, CancellationToken ct)
    {
        // The id is read here rather than by a route constraint, so a malformed one is a 400 naming it, not a 404.
        if (!long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            return ApiResults.Problem(ApiProblems.Invalid, $"`id` must be a notification's number (see catalytic notifications), not '{(id.Length > 40 ? id[..40] + "…" : id)}'", "id");
        }

        if (await status.RetryNotificationAsync(number, ct) is not { } m)
        {
            return ApiResults.Problem(ApiProblems.NotFound, $"no failed or retrying notification #{number} (see catalytic notifications --failed)", "id");
        }

        await http.AuditAsync(AuditRetry, m.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{m.Channel}: {m.Subject} (after {m.Attempts} attempt(s))");
        return TypedResults.Ok(View(m));
    }

    private static IResult Setup(StatusService status)
    {
        var config = status.Config;
        var channels = config.Channels.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(Channel).ToList();
        var routes = new List<RouteView>();
        Flatten(config.Routes, 0, routes);
        return TypedResults.Ok(new NotificationSetupView(channels, routes));
    }

    internal static NotificationView View(OutboxMessage m) =>
        new(m.Id, m.Channel, m.Kind, m.Subject, m.State.ToString().ToLowerInvariant(), m.Attempts, m.LastError, m.CreatedAt, m.NextAttemptAt, m.SentAt);

    /// <summary>A channel said without its credential.</summary>
    internal static ChannelView Channel(ChannelConfig c)
    {
        if (c.Slack is { } slack)
        {
            // The whole URL of a Slack incoming webhook is its token: not even the host is shown.
            return new ChannelView(c.Name, "slack", "Slack incoming webhook",
                slack.WebhookUrlSecret is { } s ? $"URL from secret {s}" : null);
        }

        if (c.Email is { } mail)
        {
            var tls = mail.Tls switch { SmtpTls.None => "no TLS", SmtpTls.StartTls => "STARTTLS", _ => "TLS" };
            return new ChannelView(c.Name, "email", $"smtp://{mail.Host}:{mail.Port} ({tls}), from {mail.From} to {string.Join(", ", mail.To)}",
                mail.PasswordSecret is { } p ? $"SMTP login, password from secret {p}" : mail.Username is not null ? "SMTP login" : null);
        }

        var hook = c.Webhook!;
        var where = Uri.TryCreate(hook.Url, UriKind.Absolute, out var u) ? $"{u.Scheme}://{u.Host}:{u.Port}" : "a webhook";
        return new ChannelView(c.Name, "webhook", $"{where} ({hook.Format} payload)",
            hook.SecretName is { } h ? $"signed with HMAC-SHA256, secret {h}" : null);
    }

    private static void Flatten(IEnumerable<RouteConfig> routes, int depth, List<RouteView> into)
    {
        foreach (var r in routes)
        {
            into.Add(new RouteView(r.Key, depth,
                [.. r.Match.Select(m => $"{m.Key}={m.Value}"), .. r.MatchRe.Select(m => $"{m.Key}=~{m.Value}")],
                r.To, r.GroupBy, Durations.Format(r.GroupWait), Durations.Format(r.GroupInterval), Durations.Format(r.RepeatInterval),
                r.SendResolved, r.Continue, r.EscalateAfter is { } e ? Durations.Format(e) : null, r.EscalateTo));
            Flatten(r.Routes, depth + 1, into);
        }
    }
}
