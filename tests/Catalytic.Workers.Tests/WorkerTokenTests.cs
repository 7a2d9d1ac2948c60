using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;

namespace Catalytic.Workers.Tests;

/// <summary>
/// Worker tokens (the access control's tokens with the worker role): `catalytic worker token create` prints one that
/// takes and reports jobs and nothing else, `revoke` ends it at once; and, because such a token outlives the server
/// process, a worker keeps its job through a restart of serve and reports it when serve is back.
/// </summary>
public sealed partial class WorkerTokenTests
{
    [Fact]
    public async Task WorkerToken_TakesAndReportsJobs_ReadsNothingElse_AndIsRevocable()
    {
        await using var rig = await WorkerRig.StartAsync();
        var created = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "token", "create", "--name", "build-2", "--state", rig.State]);
        Assert.True(created.Code == 0, created.ToString());
        var token = created.Out.Trim();
        var id = TokenId().Match(created.Err).Groups[1].Value;

        using var http = new HttpClient { BaseAddress = rig.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var deployments = await http.GetAsync("api/deployments");
        Assert.Equal(HttpStatusCode.Forbidden, deployments.StatusCode);

        var lease = rig.Dispatcher.Enqueue(rig.Spec("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cat hello.txt\n"), WorkerRig.Repository, rig.Sha);
        await using (var worker = CatalyticProcess.Start(rig.Dir.Path, ["worker", "--server", rig.Address.ToString(), "--name", "build-2", "--work-dir", rig.Dir["w"], "--once"],
            new Dictionary<string, string> { ["CATALYTIC_WORKER_TOKEN"] = token }))
        {
            var outcome = await Eventually.CompletesAsync(rig.Dispatcher.Leases[lease].Outcome.Task, "the job through the worker token\n" + worker.Output);
            Assert.Equal("success", outcome.Result);
            Assert.Contains("hello from the mirror", rig.Dispatcher.Leases[lease].Log, StringComparison.Ordinal);
        }

        var revoked = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "token", "revoke", id, "--state", rig.State]);
        Assert.True(revoked.Code == 0, revoked.ToString());
        using var after = await http.PostAsync("api/workers/acquire", new StringContent("""{"name":"build-2","labels":[],"capacity":1,"waitSeconds":0}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Worker_ThroughARestartOfServe_KeepsItsJob_AndReportsItWhenServeIsBack()
    {
        await using var rig = await WorkerRig.StartAsync();
        var created = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "token", "create", "--state", rig.State]);
        Assert.True(created.Code == 0, created.ToString());
        var gate = rig.Dir["go"];
        var lease = rig.Dispatcher.Enqueue(rig.Spec($$"""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo before
                      while [ ! -f '{{gate}}' ]; do sleep 0.05; done
                      echo "during the restart"
            """), WorkerRig.Repository, rig.Sha);
        await using var worker = CatalyticProcess.Start(rig.Dir.Path, ["worker", "--server", rig.Address.ToString(), "--name", "w1", "--work-dir", rig.Dir["w"], "--once"],
            new Dictionary<string, string> { ["CATALYTIC_WORKER_TOKEN"] = created.Out.Trim() });
        var record = rig.Dispatcher.Leases[lease];
        await Eventually.UntilAsync(() => record.Log.Contains("before", StringComparison.Ordinal), () => "the job to start\n" + worker.Output);

        await rig.StopServerAsync();
        File.WriteAllText(gate, "");
        await Eventually.UntilAsync(() => worker.Output.Contains("the server does not answer", StringComparison.Ordinal), () => "the worker to find serve gone\n" + worker.Output);
        await rig.StartServerAsync();

        var outcome = await Eventually.CompletesAsync(record.Outcome.Task, "the outcome after the restart\n" + worker.Output);
        Assert.Equal("success", outcome.Result);
        Assert.Contains("during the restart", record.Log, StringComparison.Ordinal);
        Assert.Empty(record.Gaps);
    }

    [Fact]
    public async Task WorkerToken_IsTiedToItsWorkersName_AnotherNameIsRefused_AndAnUnnamedTokenServesAnyWorker()
    {
        await using var rig = await WorkerRig.StartAsync();
        var created = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "token", "create", "--name", "build-a", "--state", rig.State]);
        Assert.True(created.Code == 0, created.ToString());
        using var http = new HttpClient { BaseAddress = rig.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Out.Trim());

        // Registering (asking for work) under another name: 403, saying which worker the token is for; nothing recorded.
        using (var asB = await http.PostAsync("api/workers/acquire", Acquire("build-b")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, asB.StatusCode);
            var problem = await asB.Content.ReadAsStringAsync();
            Assert.Contains("issued for worker 'build-a'", problem, StringComparison.Ordinal);
            Assert.Contains("as 'build-b'", problem, StringComparison.Ordinal);
        }

        Assert.False(rig.Dispatcher.Workers.ContainsKey("build-b"));
        using (var asA = await http.PostAsync("api/workers/acquire", Acquire("build-a")))
        {
            Assert.Equal(HttpStatusCode.NoContent, asA.StatusCode);
        }

        // Nor can it report a check's probe as another worker (one token, one location of a quorum).
        using (var probe = await http.PostAsync("api/workers/checks/results", new StringContent(
            """{"worker":"build-b","check":"web","status":200,"responseTimeMs":5,"connected":true}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, probe.StatusCode);
            Assert.Contains("issued for worker 'build-a'", await probe.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The real worker with the wrong name stops at once with the server's reason (exit 2), and takes nothing.
        var wrong = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "--server", rig.Address.ToString(), "--name", "build-b", "--work-dir", rig.Dir["w"], "--once"],
            new Dictionary<string, string> { ["CATALYTIC_WORKER_TOKEN"] = created.Out.Trim() });
        Assert.True(wrong.Code == 2, wrong.ToString());
        Assert.Contains("issued for worker 'build-a'", wrong.Err, StringComparison.Ordinal);

        // A worker token's name must be a worker's name.
        var badName = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "token", "create", "--name", "two words", "--state", rig.State]);
        Assert.NotEqual(0, badName.Code);
        Assert.Contains("name of the worker it is for", badName.Err, StringComparison.Ordinal);
        var reserved = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "token", "create", "--name", "worker", "--state", rig.State]);
        Assert.NotEqual(0, reserved.Code); // the name unnamed tokens are stored under: it would serve any worker
        Assert.Contains("tokens for any worker", reserved.Err, StringComparison.Ordinal);

        // A token created without a name (named `worker`) still serves any worker, as before.
        var any = await CatalyticProcess.RunAsync(rig.Dir.Path, ["worker", "token", "create", "--state", rig.State]);
        Assert.True(any.Code == 0, any.ToString());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", any.Out.Trim());
        foreach (var name in new[] { "w1", "w2" })
        {
            using var ok = await http.PostAsync("api/workers/acquire", Acquire(name));
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        }
    }

    private static StringContent Acquire(string name) =>
        new($$"""{"name":"{{name}}","labels":[],"capacity":1,"waitSeconds":0}""", System.Text.Encoding.UTF8, "application/json");

    [GeneratedRegex(@"worker token (\S+) ")]
    private static partial Regex TokenId();
}
