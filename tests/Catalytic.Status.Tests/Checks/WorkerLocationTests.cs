using System.Collections.Concurrent;
using Catalytic.Status.Checks;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Config;
using Catalytic.Status.Hosting;
using Catalytic.Status.Tests.Support;
using Catalytic.Storage.Status;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Status.Tests.Checks;

/// <summary>
/// Checks run from several places (`from: [local, workers]`) and one verdict over them (`quorum`), on a fake clock. The
/// remote workers themselves are not on main yet: their reports enter through StatusService.ObserveRemoteAsync, which
/// these tests call as the worker protocol will.
/// </summary>
public sealed class WorkerLocationTests
{
    [Fact]
    public async Task Quorum_OneBadPathPagesNobody_TwoDo_AndASilentWorkerLeavesTheVerdict()
    {
        await using var h = new AlertingHarness("""
            checks:
              api:
                url: http://127.0.0.1:1/
                interval: 10s
                failure-threshold: 2
                from: [local, workers]
            """);
        await h.InitializeAsync();
        var check = h.Config.Checks[0];
        Assert.Equal(2, check.Quorum);
        var monitor = new CheckMonitor(() => h.Config, h.Book, h.Time);
        var verdict = CheckStatus.Unknown;

        async Task Turn(params (string Location, int Status)[] reports)
        {
            h.Time.Advance(check.Interval);
            foreach (var (location, status) in reports)
            {
                verdict = await monitor.ObserveAsync(check, CheckResult.Evaluate(check, new ProbeResult { Status = status }, h.Time.GetUtcNow(), location));
            }
        }

        // The server's own path is broken: it alone sees the API down, twice in a row (its threshold).
        await Turn(("local", 500), ("w1", 200), ("w2", 200));
        await Turn(("local", 500), ("w1", 200), ("w2", 200));
        Assert.Equal(CheckStatus.Down, monitor.States["api"].Locations["local"]);
        Assert.Equal(CheckStatus.Up, verdict);
        Assert.DoesNotContain(h.Book.Alerts.Values, a => a.Firing);

        // A second location agrees: two of three is the quorum.
        await Turn(("local", 500), ("w1", 500), ("w2", 200));
        Assert.Equal(CheckStatus.Up, verdict);
        await Turn(("local", 500), ("w1", 500), ("w2", 200));
        Assert.Equal(CheckStatus.Down, verdict);
        Assert.Equal("check-down", Assert.Single(h.Book.Alerts.Values, a => a.Firing).Name);

        // w1 stops reporting: its "down" counts for three intervals and a timeout, then it leaves the verdict, which
        // is one of two again (no quorum): resolved.
        var w1Last = h.Time.GetUtcNow();
        while (h.Time.GetUtcNow() - w1Last + check.Interval <= CheckMonitor.State.StaleAfter(check))
        {
            await Turn(("local", 500), ("w2", 200));
            Assert.Equal(CheckStatus.Down, verdict);
        }

        await Turn(("local", 500), ("w2", 200));
        Assert.Equal(CheckStatus.Up, verdict);
        Assert.Equal(["local", "w2"], monitor.States["api"].Locations.Keys);
        Assert.DoesNotContain(h.Book.Alerts.Values, a => a.Firing);
    }

    [Fact]
    public async Task WorkersOnlyCheck_IsNotProbedByTheServer_AndRemoteReportsAreCheckedBeforeTheyCount()
    {
        var (config, errors) = StatusConfigParser.Parse("""
            checks:
              remote: { url: "http://127.0.0.1:1/", interval: 1s, from: [workers], quorum: 1, failure-threshold: 1 }
              here: { url: "tcp://127.0.0.1:1", interval: 1s }
            """);
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        using var dir = new TempDir();
        await using var store = new SqliteStatusStore(dir.File("status.db"));
        await store.InitializeAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var probe = new RecordingProbe();
        await using var service = new StatusService(new StatusServiceOptions { Config = config!, Store = store, StateDirectory = dir.Path, Time = time, Probe = probe });
        await service.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Ports.WaitAsync(() => Task.FromResult(probe.Probed.Count(n => n == "here") > i), $"probe {i + 1} of the local check");
        }

        Assert.DoesNotContain("remote", probe.Probed);

        var down = new ProbeResult { Status = 503, Body = "busy" };
        foreach (var (worker, name, expected) in new[]
        {
            ("local", "remote", "must be 1-64 letters"),
            ("", "remote", "must be 1-64 letters"),
            ("w 1", "remote", "must be 1-64 letters"),
            (new string('w', 65), "remote", "must be 1-64 letters"),
            ("w1", "nosuch", "no check 'nosuch'"),
            ("w1", "here", "check 'here' does not run from workers (from: [local])"),
        })
        {
            var refusal = await service.ObserveRemoteAsync(worker, name, down);
            Assert.True(refusal?.Contains(expected, StringComparison.Ordinal) == true, $"{worker}/{name}: {refusal}");
        }

        Assert.False(service.Monitor.States["remote"].Locations.Any(), "a refused report changes nothing");
        Assert.DoesNotContain(service.Book.Alerts.Values, a => a.Labels.GetValueOrDefault("check") == "remote");

        Assert.Null(await service.ObserveRemoteAsync("w1", "remote", down));
        var state = service.Monitor.States["remote"];
        Assert.Equal(CheckStatus.Down, state.Locations["w1"]);
        Assert.Equal(CheckStatus.Down, state.Status);
        Assert.Equal("w1", state.Last!.Location);
        Assert.Contains("[STATUS] (503) < 400", state.Last.Conditions.Single().Condition, StringComparison.Ordinal);
        Assert.Contains(service.Book.Alerts.Values, a => a.Firing && a.Name == "check-down" && a.Labels["check"] == "remote");
    }

    private sealed class RecordingProbe : IProbe
    {
        public ConcurrentQueue<string> Probed { get; } = new();

        public Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct)
        {
            Probed.Enqueue(check.Name);
            return Task.FromResult(new ProbeResult { Connected = false, Error = "connection refused" });
        }
    }
}
