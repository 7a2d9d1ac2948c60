using System.Collections.Immutable;
using Catalytic.Status.Alerts;
using Catalytic.Status.Checks;

namespace Catalytic.Status.Storage;

/// <summary>
/// Durable status state: check results (raw, and summarised per hour and per day), alerts, silences, the notification
/// log and the outbox. SQLite and PostgreSQL implement it in Catalytic.Storage and pass the same contract tests.
/// A write is durable when its task completes.
/// </summary>
public interface IStatusStore : IAsyncDisposable
{
    /// <summary>Creates the tables when missing. Idempotent.</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>Appends results and adds them to the hourly and daily summaries, in one transaction.</summary>
    Task AddResultsAsync(IReadOnlyList<CheckResult> results, CancellationToken ct = default);

    /// <summary>Results of a check, newest first.</summary>
    Task<IReadOnlyList<CheckResult>> ListResultsAsync(string check, int limit = 100, DateTimeOffset? before = null, CancellationToken ct = default);

    /// <summary>Summaries of a check ("hour" or "day") from <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<CheckRollup>> ListRollupsAsync(string check, string period, DateTimeOffset since, CancellationToken ct = default);

    /// <summary>Deletes raw results older than <paramref name="before"/> and summaries older than <paramref name="rollupsBefore"/>; returns rows removed.</summary>
    Task<int> PruneAsync(DateTimeOffset before, DateTimeOffset rollupsBefore, CancellationToken ct = default);

    /// <summary>Inserts or replaces an alert by fingerprint.</summary>
    Task UpsertAlertAsync(Alert alert, CancellationToken ct = default);

    /// <summary>Alerts firing, and those resolved since <paramref name="resolvedSince"/>.</summary>
    Task<IReadOnlyList<Alert>> ListAlertsAsync(DateTimeOffset resolvedSince, CancellationToken ct = default);

    /// <summary>Adds or replaces a silence.</summary>
    Task UpsertSilenceAsync(Silence silence, CancellationToken ct = default);

    /// <summary>Silences that end after <paramref name="endsAfter"/>.</summary>
    Task<IReadOnlyList<Silence>> ListSilencesAsync(DateTimeOffset endsAfter, CancellationToken ct = default);

    /// <summary>What was last sent for (route, group, channel), or null.</summary>
    Task<NotificationLogEntry?> GetLogAsync(string route, string group, string channel, CancellationToken ct = default);

    /// <summary>Queues notifications and records the notification-log entries they satisfy, in one transaction.</summary>
    Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, IReadOnlyList<NotificationLogEntry> log, CancellationToken ct = default);

    /// <summary>Pending messages due at <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<OutboxMessage>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken ct = default);

    /// <summary>Messages, newest first; only failed ones when <paramref name="failedOnly"/>.</summary>
    Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(bool failedOnly, int limit, CancellationToken ct = default);

    /// <summary>Records an attempt's outcome: sent, retry at <see cref="OutboxMessage.NextAttemptAt"/>, or failed for good.</summary>
    Task UpdateOutboxAsync(OutboxMessage message, CancellationToken ct = default);

    /// <summary>
    /// Makes a failed or retrying message due at <paramref name="now"/> (a failed one pending again, its attempts kept);
    /// null when no message <paramref name="id"/> is failed or retrying (sent, waiting for its first attempt, unknown).
    /// </summary>
    Task<OutboxMessage?> RetryOutboxAsync(long id, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>A small persisted value (report schedule, signal cursors); null when unset.</summary>
    Task<string?> GetValueAsync(string key, CancellationToken ct = default);

    /// <summary>Sets a small persisted value.</summary>
    Task SetValueAsync(string key, string value, CancellationToken ct = default);
}

/// <summary>One check's summary over an hour or a day: counts and a response-time histogram (for p50/p95).</summary>
public sealed record CheckRollup(string Check, string Period, DateTimeOffset Start, long Total, long Up, long Degraded, long Down, long Maintenance, double SumMs, ImmutableArray<long> Histogram)
{
    /// <summary>Upper bounds (ms) of the histogram buckets; the last is open.</summary>
    public static readonly ImmutableArray<double> BoundsMs = [5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10000, double.PositiveInfinity];

    /// <summary>The bucket of <paramref name="ms"/>.</summary>
    public static int Bucket(double ms)
    {
        var i = 0;
        while (ms > BoundsMs[i])
        {
            i++;
        }

        return i;
    }

    /// <summary>Share of results that were up or degraded (maintenance counts as up, as SLA reports do).</summary>
    public double Uptime => Total == 0 ? 1 : (double)(Up + Degraded + Maintenance) / Total;

    /// <summary>Quantile of response time (ms) interpolated within the histogram.</summary>
    public static double Quantile(IReadOnlyList<long> histogram, double q)
    {
        var total = histogram.Sum();
        if (total == 0)
        {
            return 0;
        }

        var rank = q * total;
        long seen = 0;
        for (var i = 0; i < histogram.Count; i++)
        {
            if (seen + histogram[i] >= rank && histogram[i] > 0)
            {
                var lo = i == 0 ? 0 : BoundsMs[i - 1];
                var hi = double.IsPositiveInfinity(BoundsMs[i]) ? lo * 2 : BoundsMs[i];
                return lo + ((hi - lo) * (rank - seen) / histogram[i]);
            }

            seen += histogram[i];
        }

        return BoundsMs[^2];
    }
}

/// <summary>What was last notified for a (route, group, channel): Alertmanager's notification log.</summary>
/// <param name="Firing">Fingerprints of the firing alerts sent.</param>
/// <param name="Resolved">Fingerprints of the resolved alerts sent.</param>
public sealed record NotificationLogEntry(string Route, string Group, string Channel, ImmutableArray<string> Firing, ImmutableArray<string> Resolved, DateTimeOffset SentAt);

/// <summary>Where an outbox message stands.</summary>
public enum OutboxState
{
    /// <summary>Not sent yet (maybe after failed attempts).</summary>
    Pending,

    /// <summary>Delivered.</summary>
    Sent,

    /// <summary>Gave up after the last attempt.</summary>
    Failed,
}

/// <summary>
/// A notification written before it is sent: the channel's name and the rendered message (no credentials — the
/// channel's URL, password and signing secret are read from the configuration when it is sent).
/// </summary>
/// <param name="Id">Store-assigned; 0 before it is queued.</param>
/// <param name="Kind">alert, resolved, escalation or report.</param>
/// <param name="Payload">The rendered message as JSON (see <c>Notifications.Message</c>).</param>
public sealed record OutboxMessage(
    long Id,
    string Channel,
    string Kind,
    string Subject,
    string Payload,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    int Attempts,
    OutboxState State,
    string? LastError,
    DateTimeOffset? SentAt);
