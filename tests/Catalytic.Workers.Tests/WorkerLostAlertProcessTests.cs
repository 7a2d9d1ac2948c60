using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Runs;
using Catalytic.Testing.Network;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Catalytic.Workers.Tests;

/// <summary>
/// The worker-lost alert end to end, with real processes: a real <c>catalytic serve</c> whose catalytic.yml routes
/// worker-lost to a webhook receiver on loopback (Kestrel in the test, Alertmanager's version-4 payload), a real remote
/// <c>catalytic worker</c> SIGKILLed while it holds a job. After its lease lapses (serve's own 15 s lease and 5 s sweep
/// on the real clock: separate processes, no fake clock reaches them) the alert reaches the receiver once, naming the
/// worker, and the job is re-queued as attempt 2 (docs/server.md); when a worker of that name asks for work again the
/// alert resolves and the resolved message is sent too.
/// </summary>
public sealed class WorkerLostAlertProcessTests
{
    [Fact]
    public async Task WorkerSigkilledHoldingAJob_WorkerLostAlertReachesTheWebhook_JobIsRequeued_AndItsReturnResolves()
    {
        var received = new ConcurrentQueue<JsonNode>();
        var port = Ports.FreeTcpPort();
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        await using var receiver = b.Build();
        receiver.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            received.Enqueue(JsonNode.Parse(await reader.ReadToEndAsync())!);
            ctx.Response.StatusCode = 200;
        });
        await receiver.StartAsync();

        await using var rig = await ServeProcessRig.CreateAsync("sqlite", $$"""
            notifications:
              channels:
                on-call:
                  webhook: { url: "http://127.0.0.1:{{port}}/alerts" }
              routes:
                - match: { alertname: worker-lost }
                  to: [on-call]
                  group-wait: 0s
            """);
        // The worker is killed: its job moves on after a lease of 15 s, not the default 60 s.
        await rig.StartServeAsync(capacity: 0, args: ["--worker-lease", "15s"]);
        var w1 = await rig.StartWorkerAsync("w1");
        // A sleep of a length no other process has: what the killed worker leaves behind is found by it.
        var sleep = "6" + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        rig.Dir.Write(".github/workflows/ci.yml", $$"""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo holding; sleep {{sleep}}
            """);
        var sha = await rig.CommitAsync("a job that holds its worker");

        try
        {
            await using var store = rig.OpenStore();
            RunRecord? run = null;
            await Eventually.UntilAsync(async () =>
            {
                run = (await store.ListRunsAsync(new RunQuery())).FirstOrDefault(r => r.Sha == sha);
                return run is not null && (await store.ListJobsAsync(run.Id)).SingleOrDefault() is { Status: JobStatuses.InProgress, Worker: "w1" };
            }, () => $"the build running on w1\nserve:\n{rig.Serve!.Output}\nw1:\n{w1.Output}", TimeSpan.FromMinutes(2));
            Assert.Empty(received); // nothing is lost yet

            await w1.KillAsync(); // SIGKILL while it holds the job: no goodbye, its lease is left to lapse
            ServeProcessRig.KillOrphans("sleep " + sleep);

            var firing = await AlertAsync(received, "firing", () => $"serve:\n{rig.Serve!.Output}");
            var alert = firing["alerts"]!.AsArray().Single()!;
            Assert.Equal("warning", alert["labels"]!["severity"]!.GetValue<string>());
            Assert.Equal("w1", alert["labels"]!["worker"]!.GetValue<string>());

            // The job the lost worker held is re-queued as its next attempt (no other worker is there to take it).
            var build = (await store.ListJobsAsync(run!.Id)).Single();
            Assert.Equal(2, build.Attempt);
            Assert.NotEqual(JobStatuses.Completed, build.Status);
            Assert.Contains("attempt 2: re-queued because worker w1 was lost", await ServeProcessRig.LogAsync(store, build), StringComparison.Ordinal);

            // w1 comes back (a new process, the same name) and asks for work: the alert resolves, and says so once.
            var back = await rig.StartWorkerAsync("w1");
            var resolved = await AlertAsync(received, "resolved", () => $"serve:\n{rig.Serve!.Output}\nw1 again:\n{back.Output}");
            Assert.Equal("w1", resolved["alerts"]!.AsArray().Single()!["labels"]!["worker"]!.GetValue<string>());
            Assert.Single(received, m => Status(m) == "firing" && Names(m).Contains("worker-lost"));
        }
        finally
        {
            ServeProcessRig.KillOrphans("sleep " + sleep);
        }
    }

    private static async Task<JsonNode> AlertAsync(ConcurrentQueue<JsonNode> received, string status, Func<string> also)
    {
        JsonNode? found = null;
        await Eventually.UntilAsync(() =>
        {
            found = received.FirstOrDefault(m => Status(m) == status && Names(m).Contains("worker-lost"));
            return found is not null;
        }, () => $"a {status} worker-lost message at the webhook (it got {received.Count}: {string.Join(" | ", received.Select(m => m.ToJsonString()))})\n{also()}", TimeSpan.FromMinutes(2));
        return found!;
    }

    private static string? Status(JsonNode m) => m["status"]?.GetValue<string>();

    private static List<string?> Names(JsonNode m) => [.. m["alerts"]!.AsArray().Select(a => a?["labels"]?["alertname"]?.GetValue<string>())];
}
