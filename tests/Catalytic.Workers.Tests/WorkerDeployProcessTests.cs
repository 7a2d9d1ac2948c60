using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Catalytic.Pipelines.Runs;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;

namespace Catalytic.Workers.Tests;

/// <summary>
/// <c>catalytic/deploy@v1</c> in a job a worker runs, as a user runs it: a real <c>catalytic serve</c> and either a real
/// <c>catalytic worker</c> process with its own token or serve's embedded worker; the job deploys through the server that
/// handed it out, with the job's own credential, sending the artifact as a tar stream. The deployment happens on the server (its
/// API and edge show it), the job's log shows its progress, and no credential appears in any log. Then the credential's
/// limits, through the real HTTP API: it deploys uploads and reads its own deployments, nothing else, refuses hostile
/// uploads, and dies with its job.
/// </summary>
public sealed partial class WorkerDeployProcessTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeployStep_OnAWorker_DeploysThroughItsServerAsTheJob_LogsProgress_AndLeaksNoCredential(bool embedded)
    {
        await using var rig = await ServeProcessRig.CreateAsync("sqlite", extraConfig: "    health:\n      path: /healthz\n");
        await rig.StartServeAsync(capacity: embedded ? 1 : 0);
        var edge = ListenRegex().Match(File.ReadAllText(Path.Combine(rig.Dir.Path, "catalytic.yml"))).Groups[1].Value;
        rig.Dir.Write("app/app.py", TestApp.Source);
        rig.Dir.Write("app/VERSION", "v-remote-1");
        // "!deployer": the remote worker takes only jobs that ask for it, and this one does.
        var worker = embedded ? null : await rig.StartWorkerAsync("deployer-1", labels: "!deployer");
        rig.Dir.Write(".github/workflows/deploy.yml", $$$"""
            on: push
            jobs:
              ship:
                runs-on: {{{(embedded ? "ubuntu-latest" : "[self-hosted, deployer]")}}}
                steps:
                  - uses: actions/checkout@v4
                  - run: echo "runner is $RUNNER_NAME and ${{ runner.name }}"
                  - uses: catalytic/deploy@v1
                    id: deploy
                    with:
                      app: web
                      environment: production
                      artifact: app
                      version: v-remote-1
                  - run: echo "deployed ${{ steps.deploy.outputs.deployment-id }} ${{ steps.deploy.outputs.state }}"
            """);
        var sha = await rig.CommitAsync("deploy from a remote worker");

        var run = await rig.CompletedRunAsync(sha, () => "worker:\n" + worker?.Output);
        await using var store = rig.OpenStore();
        var job = (await store.ListJobsAsync(run.Id)).Single();
        var log = await ServeProcessRig.LogAsync(store, job);
        Assert.True(run.Conclusion == Conclusions.Success, $"{job.Conclusion} {job.Reason}\n{log}\nworker:\n{worker?.Output}\nserve:\n{rig.Serve!.Output}");
        Assert.Equal(embedded, job.WorkerEmbedded);
        if (!embedded)
        {
            Assert.Equal("deployer-1", job.Worker);
        }

        // The job's log shows the deployment's progress, and the worker's name as the runner's.
        Assert.Contains($"runner is {job.Worker} and {job.Worker}", log, StringComparison.Ordinal);
        Assert.Contains("clean: already done — the workspace is the worker's own checkout", log, StringComparison.Ordinal);
        Assert.Equal(!embedded, log.Contains("sending ", StringComparison.Ordinal)); // the upload is said only where it crosses machines
        Assert.Matches(@"deployment \S+: web v-remote-1 to production \(", log);
        Assert.Contains("  succeeded:", log, StringComparison.Ordinal);
        Assert.Matches(@"deployed \S+ succeeded", log);

        // The deployment happened on the server, requested by the job.
        using var api = rig.Api();
        var deployments = JsonNode.Parse(await api.GetStringAsync(new Uri("api/deployments?app=web&environment=production", UriKind.Relative)))!.AsArray();
        var deployment = Assert.Single(deployments)!;
        Assert.Equal(("v-remote-1", "succeeded", $"job:{run.Id}/ship"),
            (deployment["version"]!.GetValue<string>(), deployment["state"]!.GetValue<string>(), deployment["requestedBy"]!.GetValue<string>()));
        using var anyone = new HttpClient();
        Assert.StartsWith("v-remote-1", await anyone.GetStringAsync(new Uri($"http://{edge}/")), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(rig.State, "uploads")));

        // No credential in any log: neither the job's (cjt_…) nor the worker's token nor serve's local one.
        var tokens = new[] { embedded ? null : await rig.WorkerTokenAsync("deployer-1"), (await File.ReadAllTextAsync(Path.Combine(rig.State, "server.token"))).Trim() };
        var apiLog = await api.GetStringAsync(new Uri($"api/runs/{run.Id}/jobs/ship/logs", UriKind.Relative));
        foreach (var (name, text) in new[] { ("the job's log", log), ("the log API", apiLog), ("the worker's output", worker?.Output ?? ""), ("serve's output", rig.Serve!.Output) })
        {
            Assert.DoesNotContain("cjt_", text, StringComparison.Ordinal);
            Assert.All(tokens.OfType<string>(), t => Assert.False(text.Contains(t, StringComparison.Ordinal), $"a token is in {name}"));
        }
    }

    [Fact]
    public async Task JobCredential_DeploysUploadsAndReadsItsOwnDeployments_NothingElse_AndEndsWithItsJob()
    {
        await using var rig = await ServeProcessRig.CreateAsync("sqlite", extraConfig: "    health:\n      path: /healthz\n");
        await rig.StartServeAsync(capacity: 0);
        rig.Dir.Write(".github/workflows/ci.yml", "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n");
        await rig.CommitAsync("a job to take by hand");

        // A worker takes the job over the real protocol, as `catalytic worker` does.
        using var worker = new HttpClient { BaseAddress = rig.ServerUrl };
        worker.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await rig.WorkerTokenAsync("hand"));
        JsonNode? assignment = null;
        await Eventually.UntilAsync(async () =>
        {
            using var acquired = await worker.PostAsync(new Uri("api/workers/acquire", UriKind.Relative),
                Json("""{"name":"hand","labels":["self-hosted","linux","x64","ubuntu-latest"],"capacity":1,"waitSeconds":1}"""));
            Assert.True(acquired.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{acquired.StatusCode} {await acquired.Content.ReadAsStringAsync()}");
            assignment = acquired.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(await acquired.Content.ReadAsStringAsync()) : null;
            return assignment is not null;
        }, () => "the job handed out; serve printed:\n" + rig.Serve!.Output);
        var jobToken = assignment!["jobToken"]!.GetValue<string>();
        var lease = assignment["lease"]!.GetValue<string>();
        var runId = assignment["runId"]!.GetValue<long>();
        Assert.StartsWith("cjt_", jobToken, StringComparison.Ordinal);

        using var job = new HttpClient { BaseAddress = rig.ServerUrl };
        job.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", jobToken);

        // Anything but its deployments is refused, naming what it may do.
        foreach (var path in new[] { "api/runs", "api/deployments", "api/workers", "api/status" })
        {
            using var refused = await job.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("job's credential", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var serverFolder = await job.PostAsync(new Uri("api/deployments", UriKind.Relative), Json($$"""{"app":"web","environment":"production","artifact":"{{rig.Dir.Path}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, serverFolder.StatusCode); // a folder of the server's machine: never a job's to name
        }

        // Hostile or broken uploads are refused and leave nothing.
        using (var link = await job.PostAsync(new Uri("api/deployments/upload?app=web&environment=production", UriKind.Relative), Tar(w =>
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "app.py") { LinkName = "/etc/passwd" }))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, link.StatusCode);
        }

        using (var escape = await job.PostAsync(new Uri("api/deployments/upload?app=web&environment=production", UriKind.Relative), Tar(w =>
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../../escape.txt") { DataStream = new MemoryStream("x"u8.ToArray()) }))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, escape.StatusCode);
        }

        using (var garbage = await job.PostAsync(new Uri("api/deployments/upload?app=web&environment=production", UriKind.Relative), new ByteArrayContent(Encoding.UTF8.GetBytes(new string('x', 2000)))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        }

        using (var noEnvironment = await job.PostAsync(new Uri("api/deployments/upload?app=web&environment=nowhere", UriKind.Relative), Tar(_ => { })))
        {
            Assert.Equal(HttpStatusCode.NotFound, noEnvironment.StatusCode);
            Assert.Contains("nowhere", await noEnvironment.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var noApp = await job.PostAsync(new Uri("api/deployments/upload?environment=production", UriKind.Relative), Tar(_ => { })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noApp.StatusCode);
        }

        Assert.False(File.Exists(Path.Combine(rig.State, "escape.txt")));
        using var api = rig.Api();
        Assert.Empty(JsonNode.Parse(await api.GetStringAsync(new Uri("api/deployments", UriKind.Relative)))!.AsArray());

        // A good upload deploys, requested by the job; the job reads that deployment and no other.
        var artifact = TestApp.Write(rig.Dir["artifacts"], "v-job-1");
        string id;
        using (var deployed = await job.PostAsync(new Uri("api/deployments/upload?app=web&environment=production&version=v-job-1", UriKind.Relative), Tar(w =>
        {
            foreach (var file in Directory.EnumerateFiles(artifact))
            {
                w.WriteEntry(file, Path.GetFileName(file));
            }
        })))
        {
            var body = await deployed.Content.ReadAsStringAsync();
            Assert.True(deployed.StatusCode == HttpStatusCode.Accepted, $"{deployed.StatusCode} {body}");
            var view = JsonNode.Parse(body)!;
            id = view["id"]!.GetValue<string>();
            Assert.Equal(($"job:{runId}/ship", "v-job-1"), (view["requestedBy"]!.GetValue<string>(), view["version"]!.GetValue<string>()));
        }

        await Eventually.UntilAsync(async () =>
        {
            using var own = await job.GetAsync(new Uri($"api/deployments/{id}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            return JsonNode.Parse(await own.Content.ReadAsStringAsync())!["state"]!.GetValue<string>() == "succeeded";
        }, () => "the job's deployment succeeding; serve printed:\n" + rig.Serve!.Output);

        using (var other = await api.PostAsync(new Uri("api/deployments/upload?app=web&environment=production&version=v-admin-1", UriKind.Relative), Tar(w =>
        {
            foreach (var file in Directory.EnumerateFiles(TestApp.Write(rig.Dir["artifacts"], "v-admin-1")))
            {
                w.WriteEntry(file, Path.GetFileName(file));
            }
        })))
        {
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode); // the upload is the API's, for people too
            var otherId = JsonNode.Parse(await other.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
            Assert.Equal("local", JsonNode.Parse(await api.GetStringAsync(new Uri($"api/deployments/{otherId}", UriKind.Relative)))!["requestedBy"]!.GetValue<string>());
            using var notItsOwn = await job.GetAsync(new Uri($"api/deployments/{otherId}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, notItsOwn.StatusCode);
        }

        // The job ends: its credential ends with it.
        using (var completed = await worker.PostAsync(new Uri($"api/workers/leases/{lease}/complete", UriKind.Relative), Json("""
            {"outcome":{"result":"success","outcome":"success","reason":null,"outputs":{},"report":{"id":"ship","name":"ship","result":"success","outcome":"success"}}}
            """)))
        {
            Assert.True(completed.IsSuccessStatusCode, await completed.Content.ReadAsStringAsync());
        }

        using var after = await job.GetAsync(new Uri($"api/deployments/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var forged = new HttpClient { BaseAddress = rig.ServerUrl };
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "cjt_" + new string('A', 43));
        using var forgedAnswer = await forged.GetAsync(new Uri($"api/deployments/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, forgedAnswer.StatusCode);
        Assert.DoesNotContain(jobToken, rig.Serve!.Output, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static ByteArrayContent Tar(Action<TarWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(writer);
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        return content;
    }

    [GeneratedRegex(@"listen: (127\.0\.0\.1:\d+)")]
    private static partial Regex ListenRegex();
}
