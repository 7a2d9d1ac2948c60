using System.Collections.Immutable;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Catalytic.Status.Alerts;
using Catalytic.Status.Checks;
using Catalytic.Status.Conditions;
using Catalytic.Status.Contracts;
using Catalytic.Status.Storage;
using Catalytic.Storage.Sql;

namespace Catalytic.Storage.Status;

/// <summary>
/// <see cref="IStatusStore"/> over plain ADO.NET in the SQL SQLite and PostgreSQL share (ON CONFLICT upserts, @name
/// parameters, `excluded.`); the dialects differ only in how a connection opens and the auto-increment column.
/// Hourly and daily summaries are added to in the same transaction as the raw results, by SQL addition, so a reading
/// of 90 days touches 90 rows per check, never 130,000 results. Times are UTC ticks.
/// </summary>
public abstract class SqlStatusStore : IStatusStore
{
    private static readonly string HistogramColumns = string.Join(", ", Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => $"h{i}"));

    /// <summary>Opens a ready connection.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>The column type of an auto-incrementing key.</summary>
    protected abstract string AutoIdColumn { get; }

    /// <inheritdoc/>
    public virtual async Task InitializeAsync(CancellationToken ct = default)
    {
        var histogram = string.Join(", ", Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => $"h{i} BIGINT NOT NULL DEFAULT 0"));
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, $"""
            CREATE TABLE IF NOT EXISTS check_results (
              seq {AutoIdColumn}, check_name TEXT NOT NULL, at BIGINT NOT NULL, location TEXT NOT NULL, success INTEGER NOT NULL,
              degraded INTEGER NOT NULL, response_us BIGINT NOT NULL, http_status INTEGER NULL, error TEXT NULL, conditions TEXT NOT NULL,
              cert_seconds DOUBLE PRECISION NULL, maintenance INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS check_results_name_at ON check_results (check_name, at);
            CREATE TABLE IF NOT EXISTS check_rollups (
              check_name TEXT NOT NULL, period TEXT NOT NULL, start_at BIGINT NOT NULL, total BIGINT NOT NULL, up BIGINT NOT NULL,
              degraded BIGINT NOT NULL, down BIGINT NOT NULL, maintenance BIGINT NOT NULL, sum_ms DOUBLE PRECISION NOT NULL, {histogram},
              PRIMARY KEY (check_name, period, start_at));
            CREATE TABLE IF NOT EXISTS alerts (
              fingerprint TEXT PRIMARY KEY, labels TEXT NOT NULL, annotations TEXT NOT NULL, starts_at BIGINT NOT NULL, ends_at BIGINT NULL,
              updated_at BIGINT NOT NULL, acked_by TEXT NULL, acked_at BIGINT NULL, escalation_step INTEGER NOT NULL, maintenance INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS alerts_ends_at ON alerts (ends_at);
            CREATE TABLE IF NOT EXISTS silences (
              id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL, created_by TEXT NOT NULL, comment TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS notification_log (
              route TEXT NOT NULL, grp TEXT NOT NULL, channel TEXT NOT NULL, firing TEXT NOT NULL, resolved TEXT NOT NULL, sent_at BIGINT NOT NULL,
              PRIMARY KEY (route, grp, channel));
            CREATE TABLE IF NOT EXISTS outbox (
              id {AutoIdColumn}, channel TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL,
              next_attempt_at BIGINT NOT NULL, attempts INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT NULL, sent_at BIGINT NULL);
            CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
            CREATE TABLE IF NOT EXISTS status_values (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """, ct);
    }

    /// <inheritdoc/>
    public async Task AddResultsAsync(IReadOnlyList<CheckResult> results, CancellationToken ct = default)
    {
        if (results.Count == 0)
        {
            return;
        }

        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await using (var insert = Command(c, tx, """
            INSERT INTO check_results (check_name, at, location, success, degraded, response_us, http_status, error, conditions, cert_seconds, maintenance)
            VALUES (@check, @at, @location, @success, @degraded, @us, @status, @error, @conditions, @cert, @maintenance)
            """, [("check", "", null), ("at", 0L, null), ("location", "", null), ("success", 0, null), ("degraded", 0, null), ("us", 0L, null),
                  ("status", null, DbType.Int32), ("error", null, DbType.String), ("conditions", "", null), ("cert", null, DbType.Double), ("maintenance", 0, null)]))
        {
            foreach (var r in results)
            {
                Set(insert, "check", r.Check);
                Set(insert, "at", r.At.UtcTicks);
                Set(insert, "location", r.Location);
                Set(insert, "success", r.Success ? 1 : 0);
                Set(insert, "degraded", r.Degraded ? 1 : 0);
                Set(insert, "us", (long)(r.ResponseTime.TotalMilliseconds * 1000));
                Set(insert, "status", r.HttpStatus);
                Set(insert, "error", r.Error);
                Set(insert, "conditions", JsonSerializer.Serialize(r.Conditions.Select(x => new StoredCondition(x.Condition, x.Success, x.DegradedOnly)).ToList(), StatusJson.Default.IReadOnlyListStoredCondition));
                Set(insert, "cert", r.CertificateExpiration?.TotalSeconds);
                Set(insert, "maintenance", r.InMaintenance ? 1 : 0);
                await insert.ExecuteNonQueryAsync(ct);
            }
        }

        var sums = new Dictionary<(string, string, long), (long Total, long Up, long Degraded, long Down, long Maint, double SumMs, long[] H)>();
        foreach (var r in results)
        {
            foreach (var (period, start) in (ReadOnlySpan<(string, DateTimeOffset)>)[("hour", Truncate(r.At, TimeSpan.FromHours(1))), ("day", Truncate(r.At, TimeSpan.FromDays(1)))])
            {
                var key = (r.Check, period, start.UtcTicks);
                var s = sums.TryGetValue(key, out var x) ? x : (0, 0, 0, 0, 0, 0.0, new long[CheckRollup.BoundsMs.Length]);
                var ms = r.ResponseTime.TotalMilliseconds;
                s.H[CheckRollup.Bucket(ms)]++;
                sums[key] = (s.Total + 1,
                    s.Up + (r.InMaintenance || r.Vote != CheckStatus.Up ? 0 : 1),
                    s.Degraded + (!r.InMaintenance && r.Vote == CheckStatus.Degraded ? 1 : 0),
                    s.Down + (!r.InMaintenance && r.Vote == CheckStatus.Down ? 1 : 0),
                    s.Maint + (r.InMaintenance ? 1 : 0), s.SumMs + ms, s.H);
            }
        }

        var hParams = string.Join(", ", Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => $"@h{i}"));
        var hAdd = string.Join(", ", Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => $"h{i} = check_rollups.h{i} + excluded.h{i}"));
        foreach (var ((check, period, start), s) in sums)
        {
            var args = new List<(string, object?, DbType?)>
            {
                ("check", check, null), ("period", period, null), ("start", start, null), ("total", s.Total, null), ("up", s.Up, null),
                ("degraded", s.Degraded, null), ("down", s.Down, null), ("maint", s.Maint, null), ("sum", s.SumMs, null),
            };
            args.AddRange(s.H.Select((n, i) => ($"h{i}", (object?)n, (DbType?)null)));
            await using var up = Command(c, tx, $"""
                INSERT INTO check_rollups (check_name, period, start_at, total, up, degraded, down, maintenance, sum_ms, {HistogramColumns})
                VALUES (@check, @period, @start, @total, @up, @degraded, @down, @maint, @sum, {hParams})
                ON CONFLICT (check_name, period, start_at) DO UPDATE SET total = check_rollups.total + excluded.total,
                  up = check_rollups.up + excluded.up, degraded = check_rollups.degraded + excluded.degraded, down = check_rollups.down + excluded.down,
                  maintenance = check_rollups.maintenance + excluded.maintenance, sum_ms = check_rollups.sum_ms + excluded.sum_ms, {hAdd}
                """, [.. args]);
            await up.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<CheckResult>> ListResultsAsync(string check, int limit = 100, DateTimeOffset? before = null, CancellationToken ct = default) =>
        QueryAsync("""
            SELECT check_name, at, location, success, degraded, response_us, http_status, error, conditions, cert_seconds, maintenance
            FROM check_results WHERE check_name = @check AND at < @before ORDER BY at DESC, seq DESC LIMIT @limit
            """, r => new CheckResult(r.GetString(0), Time(r.GetInt64(1)), r.GetString(2), Int(r, 3) != 0, Int(r, 4) != 0,
                TimeSpan.FromMicroseconds(r.GetInt64(5)), r.IsDBNull(6) ? null : (int)Int(r, 6), r.IsDBNull(7) ? null : r.GetString(7),
                [.. (JsonSerializer.Deserialize(r.GetString(8), StatusJson.Default.IReadOnlyListStoredCondition) ?? []).Select(v => new ConditionResult(v.Condition, v.Success, v.DegradedOnly))],
                r.IsDBNull(9) ? null : TimeSpan.FromSeconds(r.GetDouble(9)), Int(r, 10) != 0),
            ct, ("check", check, null), ("before", (before ?? DateTimeOffset.MaxValue).UtcTicks, null), ("limit", limit, null));

    /// <inheritdoc/>
    public Task<IReadOnlyList<CheckRollup>> ListRollupsAsync(string check, string period, DateTimeOffset since, CancellationToken ct = default) =>
        QueryAsync($"""
            SELECT check_name, period, start_at, total, up, degraded, down, maintenance, sum_ms, {HistogramColumns}
            FROM check_rollups WHERE check_name = @check AND period = @period AND start_at >= @since ORDER BY start_at
            """, r => new CheckRollup(r.GetString(0), r.GetString(1), Time(r.GetInt64(2)), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetDouble(8),
                [.. Enumerable.Range(0, CheckRollup.BoundsMs.Length).Select(i => r.GetInt64(9 + i))]),
            ct, ("check", check, null), ("period", period, null), ("since", Truncate(since, period == "day" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1)).UtcTicks, null));

    /// <inheritdoc/>
    public async Task<int> PruneAsync(DateTimeOffset before, DateTimeOffset rollupsBefore, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        var n = await ExecAsync(c, null, "DELETE FROM check_results WHERE at < @before", ct, ("before", before.UtcTicks, null));
        n += await ExecAsync(c, null, "DELETE FROM check_rollups WHERE start_at < @before", ct, ("before", rollupsBefore.UtcTicks, null));
        n += await ExecAsync(c, null, "DELETE FROM outbox WHERE state = 'sent' AND sent_at < @before", ct, ("before", before.UtcTicks, null));
        return n;
    }

    /// <inheritdoc/>
    public async Task UpsertAlertAsync(Alert a, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, """
            INSERT INTO alerts (fingerprint, labels, annotations, starts_at, ends_at, updated_at, acked_by, acked_at, escalation_step, maintenance)
            VALUES (@fp, @labels, @annotations, @starts, @ends, @updated, @acked_by, @acked_at, @step, @maintenance)
            ON CONFLICT (fingerprint) DO UPDATE SET labels = excluded.labels, annotations = excluded.annotations, starts_at = excluded.starts_at,
              ends_at = excluded.ends_at, updated_at = excluded.updated_at, acked_by = excluded.acked_by, acked_at = excluded.acked_at,
              escalation_step = excluded.escalation_step, maintenance = excluded.maintenance
            """, ct, ("fp", a.Fingerprint, null), ("labels", Json(a.Labels), null), ("annotations", Json(a.Annotations), null),
            ("starts", a.StartsAt.UtcTicks, null), ("ends", a.EndsAt?.UtcTicks, DbType.Int64), ("updated", a.UpdatedAt.UtcTicks, null),
            ("acked_by", a.AckedBy, DbType.String), ("acked_at", a.AckedAt?.UtcTicks, DbType.Int64), ("step", a.EscalationStep, null), ("maintenance", a.InMaintenance ? 1 : 0, null));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Alert>> ListAlertsAsync(DateTimeOffset resolvedSince, CancellationToken ct = default) =>
        QueryAsync("""
            SELECT labels, annotations, starts_at, ends_at, updated_at, acked_by, acked_at, escalation_step, maintenance
            FROM alerts WHERE ends_at IS NULL OR ends_at >= @since ORDER BY starts_at, fingerprint
            """, r => new Alert
            {
                Labels = Dict(r.GetString(0)),
                Annotations = Dict(r.GetString(1)),
                StartsAt = Time(r.GetInt64(2)),
                EndsAt = r.IsDBNull(3) ? null : Time(r.GetInt64(3)),
                UpdatedAt = Time(r.GetInt64(4)),
                AckedBy = r.IsDBNull(5) ? null : r.GetString(5),
                AckedAt = r.IsDBNull(6) ? null : Time(r.GetInt64(6)),
                EscalationStep = (int)Int(r, 7),
                InMaintenance = Int(r, 8) != 0,
            }, ct, ("since", resolvedSince.UtcTicks, null));

    /// <inheritdoc/>
    public async Task UpsertSilenceAsync(Silence s, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, """
            INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment) VALUES (@id, @matchers, @starts, @ends, @by, @comment)
            ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
              created_by = excluded.created_by, comment = excluded.comment
            """, ct, ("id", s.Id, null), ("matchers", JsonSerializer.Serialize(s.Matchers.Select(m => m.ToString()).ToList(), StatusJson.Default.ListString), null),
            ("starts", s.StartsAt.UtcTicks, null), ("ends", s.EndsAt.UtcTicks, null), ("by", s.CreatedBy, null), ("comment", s.Comment, null));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Silence>> ListSilencesAsync(DateTimeOffset endsAfter, CancellationToken ct = default) =>
        QueryAsync("SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences WHERE ends_at > @after ORDER BY starts_at, id",
            r => new Silence(r.GetString(0), [.. (JsonSerializer.Deserialize(r.GetString(1), StatusJson.Default.ListString) ?? []).Select(Matcher.Parse).OfType<Matcher>()],
                Time(r.GetInt64(2)), Time(r.GetInt64(3)), r.GetString(4), r.GetString(5)),
            ct, ("after", endsAfter.UtcTicks, null));

    /// <inheritdoc/>
    public async Task<NotificationLogEntry?> GetLogAsync(string route, string group, string channel, CancellationToken ct = default) =>
        (await QueryAsync("SELECT route, grp, channel, firing, resolved, sent_at FROM notification_log WHERE route = @route AND grp = @grp AND channel = @channel",
            r => new NotificationLogEntry(r.GetString(0), r.GetString(1), r.GetString(2), List(r.GetString(3)), List(r.GetString(4)), Time(r.GetInt64(5))),
            ct, ("route", route, null), ("grp", group, null), ("channel", channel, null))).FirstOrDefault();

    /// <inheritdoc/>
    public async Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, IReadOnlyList<NotificationLogEntry> log, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        foreach (var m in messages)
        {
            await ExecAsync(c, tx, """
                INSERT INTO outbox (channel, kind, subject, payload, created_at, next_attempt_at, attempts, state, last_error, sent_at)
                VALUES (@channel, @kind, @subject, @payload, @created, @next, 0, 'pending', NULL, NULL)
                """, ct, ("channel", m.Channel, null), ("kind", m.Kind, null), ("subject", m.Subject, null), ("payload", m.Payload, null),
                ("created", m.CreatedAt.UtcTicks, null), ("next", m.NextAttemptAt.UtcTicks, null));
        }

        foreach (var e in log)
        {
            await ExecAsync(c, tx, """
                INSERT INTO notification_log (route, grp, channel, firing, resolved, sent_at) VALUES (@route, @grp, @channel, @firing, @resolved, @at)
                ON CONFLICT (route, grp, channel) DO UPDATE SET firing = excluded.firing, resolved = excluded.resolved, sent_at = excluded.sent_at
                """, ct, ("route", e.Route, null), ("grp", e.Group, null), ("channel", e.Channel, null),
                ("firing", string.Join(',', e.Firing), null), ("resolved", string.Join(',', e.Resolved), null), ("at", e.SentAt.UtcTicks, null));
        }

        await tx.CommitAsync(ct);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxMessage>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken ct = default) =>
        QueryAsync(OutboxSelect + " WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit",
            ReadOutbox, ct, ("now", now.UtcTicks, null), ("limit", limit, null));

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(bool failedOnly, int limit, CancellationToken ct = default) =>
        QueryAsync(OutboxSelect + " WHERE (@failed = 0 OR state = 'failed' OR (state = 'pending' AND attempts > 0)) ORDER BY id DESC LIMIT @limit",
            ReadOutbox, ct, ("failed", failedOnly ? 1 : 0, null), ("limit", limit, null));

    /// <inheritdoc/>
    public async Task UpdateOutboxAsync(OutboxMessage m, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, "UPDATE outbox SET attempts = @attempts, state = @state, next_attempt_at = @next, last_error = @error, sent_at = @sent WHERE id = @id",
            ct, ("attempts", m.Attempts, null), ("state", m.State.ToString().ToLowerInvariant(), null), ("next", m.NextAttemptAt.UtcTicks, null),
            ("error", m.LastError, DbType.String), ("sent", m.SentAt?.UtcTicks, DbType.Int64), ("id", m.Id, null));
    }

    /// <inheritdoc/>
    public async Task<OutboxMessage?> RetryOutboxAsync(long id, DateTimeOffset now, CancellationToken ct = default)
    {
        // One conditional UPDATE: a message the sender marks sent meanwhile is not made pending again.
        await using var c = await OpenAsync(ct);
        var changed = await ExecAsync(c, null, "UPDATE outbox SET state = 'pending', next_attempt_at = @now WHERE id = @id AND (state = 'failed' OR (state = 'pending' AND attempts > 0))",
            ct, ("now", now.UtcTicks, null), ("id", id, null));
        return changed == 0 ? null
            : (await QueryAsync(OutboxSelect + " WHERE id = @id", ReadOutbox, ct, ("id", id, null))).FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<string?> GetValueAsync(string key, CancellationToken ct = default) =>
        (await QueryAsync("SELECT value FROM status_values WHERE key = @key", r => r.GetString(0), ct, ("key", key, null))).FirstOrDefault();

    /// <inheritdoc/>
    public async Task SetValueAsync(string key, string value, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, "INSERT INTO status_values (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            ct, ("key", key, null), ("value", value, null));
    }

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private const string OutboxSelect = "SELECT id, channel, kind, subject, payload, created_at, next_attempt_at, attempts, state, last_error, sent_at FROM outbox";

    private static OutboxMessage ReadOutbox(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Time(r.GetInt64(5)), Time(r.GetInt64(6)), (int)Int(r, 7),
        Enum.Parse<OutboxState>(r.GetString(8), ignoreCase: true), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : Time(r.GetInt64(10)));

    private static DateTimeOffset Truncate(DateTimeOffset t, TimeSpan unit) => new(t.UtcTicks - (t.UtcTicks % unit.Ticks), TimeSpan.Zero);

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private static long Int(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    private static string Json(ImmutableSortedDictionary<string, string> map) =>
        JsonSerializer.Serialize(new Dictionary<string, string>(map, StringComparer.Ordinal), StatusJson.Default.DictionaryStringString);

    private static ImmutableSortedDictionary<string, string> Dict(string json) =>
        (JsonSerializer.Deserialize(json, StatusJson.Default.DictionaryStringString) ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal);

    private static ImmutableArray<string> List(string csv) => csv.Length == 0 ? [] : [.. csv.Split(',')];

    private static async Task<int> ExecAsync(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string Name, object? Value, DbType? Type)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken ct, params (string Name, object? Value, DbType? Type)[] args)
    {
        await using var c = await OpenAsync(ct);
        return await SqlCommands.QueryAsync(c, null, sql, read, ct, args);
    }

    /// <summary><see cref="SqlCommands.Command"/>: a NULL carries the type given with it (its column's, which PostgreSQL needs to accept it), else text.</summary>
    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, (string Name, object? Value, DbType? Type)[] args) =>
        SqlCommands.Command(c, tx, sql, args);

    private static void Set(DbCommand cmd, string name, object? value) => cmd.Parameters["@" + name].Value = value ?? DBNull.Value;
}
