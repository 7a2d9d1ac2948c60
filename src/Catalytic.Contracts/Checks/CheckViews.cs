namespace Catalytic.Contracts.Checks;

// The status API's checks: GET /api/checks, /api/checks/NAME/history, /api/checks/NAME/sla (docs/status.md).

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
