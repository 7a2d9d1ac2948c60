using System.Collections.Immutable;
using Catalytic.Status.Alerts;
using Catalytic.Status.Checks;
using Catalytic.Status.Conditions;
using Catalytic.Status.Storage;
using Catalytic.Status.Tests.Support;
using Catalytic.Storage.Status;

namespace Catalytic.Status.Tests.Storage;

/// <summary>The same contract for both stores; PostgreSQL runs when CATALYTIC_TEST_POSTGRES is set (./test.sh sets it), each test in its own schema.</summary>
public abstract class StatusStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 15, 0, TimeSpan.Zero);

    protected IStatusStore Store { get; private set; } = null!;

    protected abstract IStatusStore Create();

    public async ValueTask InitializeAsync()
    {
        Store = Create();
        await Store.InitializeAsync();
        await Store.InitializeAsync(); // idempotent
    }

    public virtual async ValueTask DisposeAsync() => await Store.DisposeAsync();

    private static CheckResult Result(string check, DateTimeOffset at, bool ok, double ms, bool maintenance = false) =>
        new(check, at, "local", ok, false, TimeSpan.FromMilliseconds(ms), ok ? 200 : 500, ok ? null : "HTTP 500",
            [new ConditionResult(ok ? "[STATUS] (200) == 200" : "[STATUS] (500) == 200", ok, false)], TimeSpan.FromDays(12.5), maintenance);

    [Fact]
    public async Task Results_RoundTrip_AndRollUpPerHourAndDay()
    {
        var results = Enumerable.Range(0, 120).Select(i => Result("api", T0.AddMinutes(i), i % 10 != 0, i < 60 ? 20 : 400)).ToList();
        await Store.AddResultsAsync(results[..70]);
        await Store.AddResultsAsync(results[70..]);
        var last = await Store.ListResultsAsync("api", 3);
        Assert.Equal([T0.AddMinutes(119), T0.AddMinutes(118), T0.AddMinutes(117)], last.Select(r => r.At));
        Assert.Equal(TimeSpan.FromMilliseconds(400), last[0].ResponseTime);
        Assert.Equal("[STATUS] (200) == 200", last[0].Conditions.Single().Condition);
        Assert.Equal(12.5, last[0].CertificateExpiration!.Value.TotalDays, 6);
        var failed = (await Store.ListResultsAsync("api", 200)).First(r => !r.Success);
        Assert.Equal((500, "HTTP 500"), (failed.HttpStatus, failed.Error));

        var hours = await Store.ListRollupsAsync("api", "hour", T0.AddHours(-1));
        Assert.Equal([T0.AddMinutes(-15), T0.AddMinutes(45), T0.AddMinutes(105)], hours.Select(h => h.Start));
        Assert.Equal(120, hours.Sum(h => h.Total));
        Assert.Equal(12, hours.Sum(h => h.Down));
        var day = Assert.Single(await Store.ListRollupsAsync("api", "day", T0.AddDays(-1)));
        Assert.Equal((120L, 108L, 12L), (day.Total, day.Up, day.Down));
        Assert.Equal(0.9, day.Uptime, 6);
        Assert.InRange(CheckRollup.Quantile(day.Histogram, 0.25), 10, 25);
        Assert.InRange(CheckRollup.Quantile(day.Histogram, 0.95), 300, 500);
    }

    [Fact]
    public async Task Results_Maintenance_CountsAsUpInTheSummary()
    {
        await Store.AddResultsAsync([Result("api", T0, false, 10, maintenance: true), Result("api", T0.AddMinutes(1), true, 10)]);
        var day = Assert.Single(await Store.ListRollupsAsync("api", "day", T0.AddDays(-1)));
        Assert.Equal((2L, 1L, 0L, 1L), (day.Total, day.Up, day.Down, day.Maintenance));
        Assert.Equal(1.0, day.Uptime);
    }

    [Fact]
    public async Task Prune_RemovesOnlyWhatIsOlderThanRetention()
    {
        await Store.AddResultsAsync([Result("api", T0.AddDays(-100), true, 10), Result("api", T0, true, 10)]);
        Assert.True(await Store.PruneAsync(T0.AddDays(-90), T0.AddDays(-400)) >= 1);
        Assert.Equal([T0], (await Store.ListResultsAsync("api")).Select(r => r.At));
        Assert.Equal(2, (await Store.ListRollupsAsync("api", "day", T0.AddDays(-200))).Count);
    }

    [Fact]
    public async Task Alerts_Upsert_AndListFiringPlusRecentlyResolved()
    {
        var labels = ImmutableSortedDictionary<string, string>.Empty.Add("alertname", "check-down").Add("check", "api");
        var a = new Alert { Labels = labels, Annotations = ImmutableSortedDictionary<string, string>.Empty.Add("summary", "api is down"), StartsAt = T0, UpdatedAt = T0 };
        await Store.UpsertAlertAsync(a);
        await Store.UpsertAlertAsync(a with { AckedBy = "alice", AckedAt = T0.AddMinutes(1), EscalationStep = 1 });
        var old = new Alert { Labels = labels.SetItem("check", "old"), StartsAt = T0.AddDays(-2), EndsAt = T0.AddDays(-2), UpdatedAt = T0.AddDays(-2) };
        await Store.UpsertAlertAsync(old);
        var list = await Store.ListAlertsAsync(T0.AddHours(-1));
        var got = Assert.Single(list);
        Assert.Equal((a.Fingerprint, "alice", 1, "api is down"), (got.Fingerprint, got.AckedBy, got.EscalationStep, got.Summary));
        Assert.Equal(2, (await Store.ListAlertsAsync(DateTimeOffset.MinValue)).Count);
    }

    [Fact]
    public async Task Silences_RoundTripTheirMatchers()
    {
        var s = new Silence("s1", [Matcher.Parse("environment=staging")!, Matcher.Parse("app=~web|api")!], T0, T0.AddHours(2), "bob", "load test");
        await Store.UpsertSilenceAsync(s);
        var got = Assert.Single(await Store.ListSilencesAsync(T0));
        Assert.Equal(["environment=staging", "app=~web|api"], got.Matchers.Select(m => m.ToString()));
        await Store.UpsertSilenceAsync(s with { EndsAt = T0.AddMinutes(1) });
        Assert.Empty(await Store.ListSilencesAsync(T0.AddMinutes(2)));
    }

    [Fact]
    public async Task Outbox_EnqueueWithLog_IsOneTransaction_AndDueOrderIsKept()
    {
        var log = new NotificationLogEntry("0", "{check=\"api\"}", "ops", ["f1", "f2"], [], T0);
        OutboxMessage M(string ch, DateTimeOffset at) => new(0, ch, "firing", "subject", "{}", at, at, 0, OutboxState.Pending, null, null);
        await Store.EnqueueAsync([M("ops", T0), M("mail", T0.AddSeconds(5))], [log]);
        Assert.Equal(["f1", "f2"], (await Store.GetLogAsync("0", "{check=\"api\"}", "ops"))!.Firing);
        Assert.Null(await Store.GetLogAsync("0", "{check=\"api\"}", "mail"));
        var due = await Store.ListDueAsync(T0.AddSeconds(1), 10);
        var first = Assert.Single(due);
        await Store.UpdateOutboxAsync(first with { Attempts = 1, LastError = "refused", NextAttemptAt = T0.AddSeconds(30) });
        Assert.Equal(["mail"], (await Store.ListDueAsync(T0.AddSeconds(10), 10)).Select(m => m.Channel));
        Assert.Equal(["ops"], (await Store.ListOutboxAsync(true, 10)).Select(m => m.Channel));
        await Store.UpdateOutboxAsync(first with { Attempts = 2, State = OutboxState.Sent, SentAt = T0.AddSeconds(31), LastError = null });
        Assert.Empty(await Store.ListOutboxAsync(true, 10));
        var sent = (await Store.ListOutboxAsync(false, 10)).Single(m => m.Channel == "ops");
        Assert.Equal((OutboxState.Sent, T0.AddSeconds(31)), (sent.State, sent.SentAt));
    }

    [Fact]
    public async Task RetryOutbox_MakesAFailedOrRetryingMessageDueNow_KeepsItsAttempts_AndRefusesTheOthers()
    {
        OutboxMessage M(string ch) => new(0, ch, "firing", "subject", "{}", T0, T0, 0, OutboxState.Pending, null, null);
        await Store.EnqueueAsync([M("failed"), M("retrying"), M("sent"), M("new")], []);
        var all = (await Store.ListOutboxAsync(false, 10)).ToDictionary(m => m.Channel);
        await Store.UpdateOutboxAsync(all["failed"] with { Attempts = 1, State = OutboxState.Failed, LastError = "HTTP 400", NextAttemptAt = T0.AddSeconds(1) });
        await Store.UpdateOutboxAsync(all["retrying"] with { Attempts = 3, LastError = "refused", NextAttemptAt = T0.AddMinutes(10) });
        await Store.UpdateOutboxAsync(all["sent"] with { Attempts = 1, State = OutboxState.Sent, SentAt = T0 });

        var now = T0.AddMinutes(1);
        var failed = await Store.RetryOutboxAsync(all["failed"].Id, now);
        Assert.Equal((OutboxState.Pending, 1, now, "HTTP 400"), (failed!.State, failed.Attempts, failed.NextAttemptAt, failed.LastError));
        var retrying = await Store.RetryOutboxAsync(all["retrying"].Id, now);
        Assert.Equal((OutboxState.Pending, 3, now), (retrying!.State, retrying.Attempts, retrying.NextAttemptAt));
        Assert.Equal(["failed", "new", "retrying"], (await Store.ListDueAsync(now, 10)).Select(m => m.Channel).Order(StringComparer.Ordinal));

        // A sent message, one not attempted yet and an unknown id are not retried, and nothing changes.
        Assert.Null(await Store.RetryOutboxAsync(all["sent"].Id, now));
        Assert.Null(await Store.RetryOutboxAsync(all["new"].Id, now));
        Assert.Null(await Store.RetryOutboxAsync(999_999, now));
        var sent = (await Store.ListOutboxAsync(false, 10)).Single(m => m.Channel == "sent");
        Assert.Equal((OutboxState.Sent, 1), (sent.State, sent.Attempts));
    }

    [Fact]
    public async Task Values_SetAndOverwrite()
    {
        Assert.Null(await Store.GetValueAsync("k"));
        await Store.SetValueAsync("k", "1");
        await Store.SetValueAsync("k", "2");
        Assert.Equal("2", await Store.GetValueAsync("k"));
    }
}

public sealed class SqliteStatusStoreTests : StatusStoreContract
{
    private readonly TempDir _dir = new();

    protected override IStatusStore Create() => new SqliteStatusStore(_dir.File("catalytic.db"));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}

public sealed class PostgresStatusStoreTests : StatusStoreContract
{
    private readonly string _schema = "status_" + Guid.NewGuid().ToString("N")[..12];

    protected override IStatusStore Create()
    {
        var cs = Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES");
        Assert.SkipWhen(string.IsNullOrEmpty(cs), "CATALYTIC_TEST_POSTGRES is not set (./test.sh starts a PostgreSQL and sets it)");
        return new PostgresStatusStore(cs!, _schema);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES") is { Length: > 0 } cs)
        {
            await using var c = new Npgsql.NpgsqlConnection(cs);
            await c.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", c);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
