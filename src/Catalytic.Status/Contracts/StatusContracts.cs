using System.Text.Json;
using System.Text.Json.Serialization;
using Catalytic.Status.Notifications;

namespace Catalytic.Status.Contracts;

// The HTTP API's shapes for checks, alerts, silences and notifications. They move to Catalytic.Contracts (Status/)
// when that project lands; nothing here knows the engine's types.

/// <summary>One check as `catalytic checks` and GET /api/checks show it.</summary>
public sealed record CheckView(
    string Name,
    string Target,
    string Status,
    IReadOnlyDictionary<string, string> Labels,
    bool InMaintenance,
    CheckResultView? Last,
    double Uptime24h,
    double Uptime90d,
    double P50Ms,
    double P95Ms,
    IReadOnlyDictionary<string, string> Locations);

/// <summary>One probe's result with every condition's outcome.</summary>
public sealed record CheckResultView(
    DateTimeOffset At,
    string Location,
    bool Success,
    bool Degraded,
    double ResponseTimeMs,
    int? HttpStatus,
    string? Error,
    IReadOnlyList<ConditionView> Conditions,
    double? CertificateExpiresInSeconds,
    bool InMaintenance);

/// <summary>One condition's outcome, e.g. "[STATUS] (500) == 200" failed.</summary>
public sealed record ConditionView(string Condition, bool Success, bool DegradedOnly);

/// <summary>A check's history: recent results and hourly/daily summaries.</summary>
public sealed record CheckHistoryView(string Check, IReadOnlyList<CheckResultView> Results, IReadOnlyList<RollupView> Hours, IReadOnlyList<RollupView> Days);

/// <summary>An hour's or a day's summary.</summary>
public sealed record RollupView(DateTimeOffset Start, long Total, long Up, long Degraded, long Down, long Maintenance, double Uptime, double P50Ms, double P95Ms);

/// <summary>An SLA report of one check over a number of days.</summary>
public sealed record SlaView(string Check, int Days, double Uptime, double DowntimeMinutes, double P50Ms, double P95Ms, IReadOnlyList<RollupView> PerDay);

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

/// <summary>POST /api/alerts/{id}/ack.</summary>
public sealed record AckBody(string? By);

/// <summary>A silence.</summary>
public sealed record SilenceView(string Id, IReadOnlyList<string> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment, bool Active);

/// <summary>POST /api/silences: matchers such as environment=staging, a duration (2h) and a comment.</summary>
public sealed record SilenceBody(IReadOnlyList<string>? Matchers, string? For, string? Comment, string? By);

/// <summary>An outbox message: what was sent and what is failing.</summary>
public sealed record NotificationView(long Id, string Channel, string Kind, string Subject, string State, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? SentAt);

/// <summary>Source-generated JSON for the status API, the CLI and the outbox payloads.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CheckView))]
[JsonSerializable(typeof(IReadOnlyList<CheckView>))]
[JsonSerializable(typeof(CheckHistoryView))]
[JsonSerializable(typeof(SlaView))]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(IReadOnlyList<AlertView>))]
[JsonSerializable(typeof(AckBody))]
[JsonSerializable(typeof(SilenceView))]
[JsonSerializable(typeof(IReadOnlyList<SilenceView>))]
[JsonSerializable(typeof(SilenceBody))]
[JsonSerializable(typeof(NotificationView))]
[JsonSerializable(typeof(IReadOnlyList<NotificationView>))]
[JsonSerializable(typeof(Notification))]
[JsonSerializable(typeof(IReadOnlyList<ConditionView>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
public sealed partial class StatusJson : JsonSerializerContext;
