namespace Catalytic.Contracts.Alerts;

// The status API's alerts, silences and notification outbox (docs/status.md).

/// <summary>An alert as `catalytic alerts` and GET /api/alerts show it.</summary>
/// <param name="State">firing, resolved, acknowledged, silenced, inhibited or maintenance.</param>
public sealed record AlertView(
    string Id,
    string Fingerprint,
    string Name,
    string Severity,
    string State,
    string Summary,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string? AckedBy,
    DateTimeOffset? AckedAt,
    int EscalationStep);

/// <summary>A silence.</summary>
public sealed record SilenceView(string Id, IReadOnlyList<string> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment, bool Active);

/// <summary>
/// POST /api/silences: matchers such as environment=staging, a duration (2h) and a comment. Who silences is the
/// authenticated caller, never a body member (POST /api/alerts/{id}/ack has no body for the same reason).
/// </summary>
public sealed record SilenceBody(IReadOnlyList<string>? Matchers, string? For, string? Comment);

/// <summary>An outbox message: what was sent and what is failing.</summary>
public sealed record NotificationView(long Id, string Channel, string Kind, string Subject, string State, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? SentAt);

/// <summary>
/// GET /api/notifications/setup: the channels and the routing tree as catalytic.yml configures them, without a
/// credential — no webhook path or query (a Slack URL is its token), no SMTP user or password, no signing secret.
/// </summary>
public sealed record NotificationSetupView(IReadOnlyList<ChannelView> Channels, IReadOnlyList<RouteView> Routes);

/// <summary>A channel by name and kind.</summary>
/// <param name="Kind">slack, email or webhook.</param>
/// <param name="Target">Where it goes, said without a secret: "Slack incoming webhook", "smtp://host:port (starttls) → a@b, c@d", "http://host:port (alertmanager)".</param>
/// <param name="Credential">What it authenticates with, by a secret's name (never its value); null when nothing.</param>
public sealed record ChannelView(string Name, string Kind, string Target, string? Credential);

/// <summary>One node of the routing tree, in order; <paramref name="Depth"/> 0 is a top-level route.</summary>
/// <param name="Match">Matchers as label=value and label=~regex.</param>
/// <param name="GroupWait">Durations as catalytic.yml writes them (30s, 5m, 4h).</param>
public sealed record RouteView(
    string Key,
    int Depth,
    IReadOnlyList<string> Match,
    IReadOnlyList<string> To,
    IReadOnlyList<string> GroupBy,
    string GroupWait,
    string GroupInterval,
    string RepeatInterval,
    bool SendResolved,
    bool Continue,
    string? EscalateAfter,
    IReadOnlyList<string> EscalateTo);
