using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Tests.Support;
using Catalytic.Storage.Postgres;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Catalytic.Delivery.Tests.Deployments;

/// <summary>
/// Several `serve` nodes sharing one PostgreSQL: two engines, each with its own edge, supervisor and state folder, on
/// one schema. One deployment per environment holds across them because each run takes the environment's lease in
/// the store first (docs/architecture.md, "One deployment per environment").
/// </summary>
public sealed class MultiNodeTests
{
    private const string Yaml = """
        apps:
          web:
            run: python3 app.py
            health: { path: /healthz, interval: 100ms, timeout: 1m, start-timeout: 10m }
            drain: 100ms
            environments:
              production:
                listen: "{listen}"
                strategy: blue-green
                scale-down-delay: 0s
                analysis: false
        """;

    [Fact]
    public async Task TwoEnginesOnOnePostgresSchema_RacingToDeployOneEnvironment_RunOneAfterTheOther()
    {
        var cs = Environment.GetEnvironmentVariable("CATALYTIC_TEST_POSTGRES");
        Assert.SkipWhen(string.IsNullOrEmpty(cs), "CATALYTIC_TEST_POSTGRES is not set (./test.sh starts PostgreSQL)");
        var schema = "race_" + Guid.NewGuid().ToString("N")[..10];
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        try
        {
            await using var a = await DeliveryHarness.StartAsync(Yaml, store: new PostgresDeliveryStore(cs!, clock, schema), clock: clock);
            await using var b = await DeliveryHarness.StartAsync(Yaml, store: new PostgresDeliveryStore(cs!, clock, schema), clock: clock);

            // Both requests at once, on two nodes: each is recorded against nothing live and each node is idle.
            var requested = await a.RunAsync(Task.WhenAll(
                a.Engine.DeployAsync(new DeployRequest("web", "production", a.Artifact("va"), "va", null, "node-a")),
                b.Engine.DeployAsync(new DeployRequest("web", "production", b.Artifact("vb"), "vb", null, "node-b"))), "both deployments to be recorded");
            Assert.All(requested, r => Assert.Null(r.Error));
            var onA = await a.WaitAsync(requested[0].Value!.Id, until: d => d.State.IsTerminal());
            var onB = await b.WaitAsync(requested[1].Value!.Id, until: d => d.State.IsTerminal());

            // The store's own order of events (one sequence for both nodes): one run's steps all come before the other's.
            var spans = await SpansAsync(cs!, schema, onA.Id, onB.Id);
            var (first, second) = spans[onA.Id].Start < spans[onB.Id].Start ? (onA, onB) : (onB, onA);
            Assert.True(spans[first.Id].End < spans[second.Id].Start,
                $"the two runs overlapped: {first.Id} ran from event {spans[first.Id].Start} to {spans[first.Id].End}, {second.Id} from {spans[second.Id].Start} to {spans[second.Id].End}\n" +
                await a.EventsAsync(onA.Id) + "\n" + await b.EventsAsync(onB.Id));
            Assert.Equal(DeploymentState.Succeeded, first.State);
            // The second waited for the first; what it was recorded against was no longer live, so it started nothing.
            Assert.Equal(DeploymentState.Failed, second.State);
            Assert.Contains($"{first.Version} became live while it waited", second.Reason, StringComparison.Ordinal);
            Assert.Equal(first.Version, (await a.Store.GetLiveAsync("web", "production"))!.Version);
        }
        finally
        {
            await DropAsync(cs!, schema);
        }
    }

    /// <summary>For each deployment, the first and last sequence number of its events after "pending" (its run).</summary>
    private static async Task<Dictionary<string, (long Start, long End)>> SpansAsync(string cs, string schema, params string[] ids)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT deployment_id, min(seq), max(seq) FROM {schema}.deployment_events WHERE deployment_id = ANY(@ids) AND state <> 'pending' GROUP BY deployment_id", c);
        cmd.Parameters.AddWithValue("ids", ids);
        await using var r = await cmd.ExecuteReaderAsync();
        var spans = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        while (await r.ReadAsync())
        {
            spans[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2));
        }

        return spans;
    }

    private static async Task DropAsync(string cs, string schema)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", c);
        await drop.ExecuteNonQueryAsync();
    }
}
