using System.Text.Json.Serialization;

namespace Catalytic.Status.Notifications;

/// <summary>
/// A rendered notification as the outbox keeps it: channel-neutral (each channel formats it when sending) and free
/// of credentials. Alerts carry their runbook and link in <see cref="NotifiedAlert.Annotations"/>.
/// </summary>
/// <param name="Kind">firing, resolved, escalation or report.</param>
/// <param name="GroupKey">The route and group it was sent for (Alertmanager's groupKey).</param>
/// <param name="Text">A report's plain text (reports only).</param>
/// <param name="Html">A report's HTML (reports only).</param>
public sealed record Notification(
    string Kind,
    string Title,
    string Receiver,
    string GroupKey,
    IReadOnlyDictionary<string, string> GroupLabels,
    IReadOnlyDictionary<string, string> CommonLabels,
    IReadOnlyList<NotifiedAlert> Alerts,
    string? ExternalUrl,
    string? Text = null,
    string? Html = null)
{
    /// <summary>The highest severity among the alerts (critical &gt; warning &gt; info).</summary>
    [JsonIgnore]
    public string Severity => Alerts.Select(a => a.Labels.GetValueOrDefault("severity", "info"))
        .OrderBy(s => s switch { "critical" => 0, "warning" => 1, _ => 2 }).FirstOrDefault() ?? "info";
}

/// <summary>One alert inside a notification.</summary>
/// <param name="Status">firing or resolved.</param>
public sealed record NotifiedAlert(
    string Id,
    string Status,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string Fingerprint);
