using System.Collections.Concurrent;
using System.Net;
using Catalytic.Pipelines.Tests.Support;

namespace Catalytic.Pipelines.Tests.Webhooks;

public sealed class WebhookFloodTests
{
    [Fact]
    public async Task AThousandPushes_OverHttp_WithRedeliveries_NoneLostNoneDoubled()
    {
        using var forge = new Forge();
        // 1,000 commits in one git fast-import (a commit per push, each changing a file).
        var script = new System.Text.StringBuilder();
        var parent = forge.Work.Git("rev-parse", "HEAD");
        for (var i = 1; i <= 1000; i++)
        {
            script.Append("commit refs/heads/main\nmark :").Append(i).Append("\ncommitter Ada <ada@example.com> ").Append(1_700_000_000 + i).Append(" +0000\ndata 4\nc").Append((i % 1000).ToString("000", System.Globalization.CultureInfo.InvariantCulture))
                .Append('\n').Append(i == 1 ? "from " + parent : "from :" + (i - 1)).Append("\nM 644 inline f.txt\ndata ").Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture).Length).Append('\n').Append(i).Append('\n');
        }

        var import = new System.Diagnostics.ProcessStartInfo("git", "fast-import --quiet --force") { WorkingDirectory = forge.Work.Path };
        var imported = await Catalytic.Testing.Processes.ProcessRun.RunAsync(import, script.ToString());
        Assert.True(imported.Code == 0, imported.ToString());

        var shas = forge.Work.Git("rev-list", "--reverse", "-n", "1000", "main").Split('\n');
        Assert.Equal(1000, shas.Length);
        forge.Work.Git("push", "-q", forge.Remote.Path, "main");
        await using var h = await Harness.StartAsync(forge.Work.State, [forge.Definition], secrets: forge.Secrets);
        await using var server = await TestServer.StartAsync(h.Triggers, forge.Work.State);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };

        // Every push delivered once, and every tenth delivered twice more (GitHub's "redeliver"), 16 at a time.
        var deliveries = Enumerable.Range(0, 1000).SelectMany(i => Enumerable.Repeat(i, i % 10 == 0 ? 3 : 1)).ToList();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var before = i == 0 ? parent : shas[i - 1];
            var body = Forge.PushBody("refs/heads/main", before, shas[i]);
            using var response = await WebhookTests.Post(http, "api/hooks/api", body, Forge.Headers(body, delivery: "delivery-" + i));
            statuses.Add(response.StatusCode);
        });

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
        var runs = h.Queue.Runs;
        Assert.Equal(1000, runs.Count);
        Assert.Equal(shas.Order(StringComparer.Ordinal), runs.Select(r => r.Sha).Order(StringComparer.Ordinal));
    }
}
