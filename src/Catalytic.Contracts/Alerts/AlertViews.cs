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
