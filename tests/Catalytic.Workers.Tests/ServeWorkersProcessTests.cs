using System.Globalization;
using Catalytic.Pipelines.Runs;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;

namespace Catalytic.Workers.Tests;

/// <summary>
/// End to end, as a user runs it: a commit in the repository a real <c>catalytic serve</c> serves (no embedded worker)
/// becomes a run in its queue (SQLite, and PostgreSQL when CATALYTIC_TEST_POSTGRES is set), real <c>catalytic worker</c>
/// processes with a worker token take its jobs, and their logs reach the server while they run. A worker SIGKILLed
/// mid-job stops renewing its leases: after the lease lapses (serve's own 15 s lease and 5 s sweep on the real clock:
/// these are separate processes, so no fake clock reaches them) its job is re-queued once and finished by another
/// worker, while its deploying job is failed and never re-run.
/// </summary>
public sealed class ServeWorkersProcessTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task WorkerSigkilledMidJob_JobRequeuedOnce_FinishedByAnotherWorker_DeploymentNeverRerun(string backend)
    {
        await using var rig = await ServeProcessRig.CreateAsync(backend);
        // The worker is killed: its job moves on after a lease of 15 s, not the default 60 s.
        await rig.StartServeAsync(capacity: 0, args: ["--worker-lease", "15s"]);
        var w1 = await rig.StartWorkerAsync("w1", capacity: 2);
        // A sleep of a length no other process has: what the killed worker leaves behind is found by it.
        var sleep = "5" + Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        var buildStarts = rig.Dir["build-starts"];
        var deployStarts = rig.Dir["deploy-starts"];
        rig.Dir.Write(".github/workflows/ci.yml", $$"""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo start >> "{{buildStarts}}"
                      if [ "$(wc -l < "{{buildStarts}}")" -eq 1 ]; then echo build-first-attempt; sleep {{sleep}}; fi
                      echo build-second-attempt
              deploy:
                runs-on: ubuntu-latest
                environment: staging
                steps:
                  - run: |
                      echo start >> "{{deployStarts}}"
                      echo deploying; sleep {{sleep}}
            """);
        var sha = await rig.CommitAsync("a build and a deployment");

        try
        {
            await using var store = rig.OpenStore();
            using var api = rig.Api();
            // Both jobs run on w1, and the build's first line reaches the server through its log API while the job runs.
            long runId = 0;
            await Eventually.UntilAsync(async () =>
            {
                var run = (await store.ListRunsAsync(new RunQuery())).FirstOrDefault(r => r.Sha == sha);
                if (run is null)
                {
                    return false;
                }

                runId = run.Id;
                var jobs = await store.ListJobsAsync(run.Id);
                return jobs.Count == 2 && jobs.All(j => j is { Status: JobStatuses.InProgress, Worker: "w1" })
                    && File.Exists(deployStarts)
                    && (await api.GetStringAsync(new Uri($"api/runs/{run.Id}/jobs/build/logs", UriKind.Relative))).Contains("build-first-attempt", StringComparison.Ordinal);
            }, () => $"both jobs running on w1 and the build's first line on the server\nserve:\n{rig.Serve!.Output}\nw1:\n{w1.Output}", TimeSpan.FromMinutes(2));

            var w2 = await rig.StartWorkerAsync("w2");
            await w1.KillAsync(); // SIGKILL: no goodbye, its leases are left to lapse
            ServeProcessRig.KillOrphans("sleep " + sleep);

            var finished = await rig.CompletedRunAsync(sha, () => $"w2:\n{w2.Output}");

            var jobsNow = await store.ListJobsAsync(runId);
            var build = jobsNow.Single(j => j.Key == "build");
            var deploy = jobsNow.Single(j => j.Key == "deploy");
            Assert.Equal((Conclusions.Success, 2, "w2"), (build.Conclusion, build.Attempt, build.Worker));
            var buildLog = await ServeProcessRig.LogAsync(store, build);
            Assert.Contains("build-first-attempt", buildLog, StringComparison.Ordinal);
            Assert.Contains("The job's worker w1 was lost: worker w1 stopped renewing its lease", buildLog, StringComparison.Ordinal);
            Assert.Contains("attempt 2: re-queued because worker w1 was lost", buildLog, StringComparison.Ordinal);
            Assert.Contains("build-second-attempt", buildLog, StringComparison.Ordinal);
            Assert.Equal(2, File.ReadAllLines(buildStarts).Length); // re-queued once: two starts, the second on w2

            Assert.Equal((Conclusions.Failure, 1), (deploy.Conclusion, deploy.Attempt));
            Assert.Contains("never re-run by itself", deploy.Reason, StringComparison.Ordinal);
            Assert.Single(File.ReadAllLines(deployStarts)); // the deployment started once, on w1 only
            Assert.Equal(Conclusions.Failure, finished.Conclusion);

            // The server's API says the same.
            var detail = await api.GetStringAsync(new Uri($"api/runs/{runId}", UriKind.Relative));
            Assert.Contains("\"worker\":\"w2\"", detail, StringComparison.Ordinal);
            var logs = await api.GetStringAsync(new Uri($"api/runs/{runId}/jobs/build/logs", UriKind.Relative));
            Assert.Contains("build-second-attempt", logs, StringComparison.Ordinal);
        }
        finally
        {
            ServeProcessRig.KillOrphans("sleep " + sleep);
        }
    }

    [Fact]
    public async Task ArtifactsOfEmbeddedAndRemoteJobs_AreKeptInOnePlace_SharedAcrossWorkers_AndDownloadableThroughTheApi()
    {
        await using var rig = await ServeProcessRig.CreateAsync("sqlite");
        await rig.StartServeAsync(capacity: 1);
        // "!remote": this worker takes only the jobs that ask for it; the embedded worker lacks the label, so each job's worker is known.
        var remote = await rig.StartWorkerAsync("w1", labels: "!remote");
        rig.Dir.Write(".github/workflows/ci.yml", """
            on: push
            jobs:
              on-remote:
                runs-on: [self-hosted, remote]
                steps:
                  - run: mkdir out && echo "made on the remote worker" > out/remote.txt
                  - uses: actions/upload-artifact@v4
                    with: { name: from-remote, path: out/remote.txt }
              on-embedded:
                runs-on: ubuntu-latest
                steps:
                  - run: mkdir out && echo "made on the embedded worker" > out/embedded.txt
                  - uses: actions/upload-artifact@v4
                    with: { name: from-embedded, path: out/embedded.txt }
              read-on-remote:
                needs: [on-remote, on-embedded]
                runs-on: [self-hosted, remote]
                steps:
                  - uses: actions/download-artifact@v4
                    with: { name: from-embedded }
                  - run: cat embedded.txt
              read-on-embedded:
                needs: [on-remote, on-embedded]
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/download-artifact@v4
                    with: { name: from-remote }
                  - run: cat remote.txt
            """);
        var sha = await rig.CommitAsync("artifacts across workers");

        var run = await rig.CompletedRunAsync(sha, () => "w1:\n" + remote.Output);

        await using var store = rig.OpenStore();
        var jobs = (await store.ListJobsAsync(run.Id)).ToDictionary(j => j.Key);
        Assert.True(run.Conclusion == Conclusions.Success, string.Join("\n", jobs.Values.Select(j => $"{j.Key} {j.Conclusion} {j.Reason}")));
        Assert.Equal(("w1", "w1"), (jobs["on-remote"].Worker, jobs["read-on-remote"].Worker));
        Assert.StartsWith("serve-", jobs["on-embedded"].Worker, StringComparison.Ordinal);
        Assert.StartsWith("serve-", jobs["read-on-embedded"].Worker, StringComparison.Ordinal);
        Assert.Contains("made on the embedded worker", await ServeProcessRig.LogAsync(store, jobs["read-on-remote"]), StringComparison.Ordinal);
        Assert.Contains("made on the remote worker", await ServeProcessRig.LogAsync(store, jobs["read-on-embedded"]), StringComparison.Ordinal);
        // One place: the server's run files, not a folder of the embedded worker's own.
        var id = run.Id.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(["from-embedded", "from-remote"],
            Directory.EnumerateDirectories(Path.Combine(rig.State, "run-files", "runs", id, "artifacts")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(rig.State, "runs", id)), "the embedded worker keeps no artifacts of its own");

        using var api = rig.Api();
        var detail = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync(new Uri($"api/runs/{id}", UriKind.Relative)))!;
        // Listed in the order they were made (as GitHub's API lists by id); the two jobs ran at the same time.
        Assert.Equal(["from-embedded", "from-remote"], detail["artifacts"]!.AsArray().Select(a => a!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("made on the embedded worker\n", await DownloadAsync(api, $"api/runs/{id}/artifacts/from-embedded", "embedded.txt"));
        Assert.Equal("made on the remote worker\n", await DownloadAsync(api, $"api/runs/{id}/artifacts/from-remote", "remote.txt"));
        using var missing = await api.GetAsync(new Uri($"api/runs/{id}/artifacts/nothing-here", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        using var noRun = await api.GetAsync(new Uri("api/runs/987654/artifacts/from-remote", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, noRun.StatusCode);
        using var traversal = await api.GetAsync(new Uri($"api/runs/{id}/artifacts/..%2F..%2F..%2Fcatalytic.db", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, traversal.StatusCode);
        using var anonymous = new HttpClient();
        using var refused = await anonymous.GetAsync(new Uri(rig.ServerUrl, $"api/runs/{id}/artifacts/from-remote"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    /// <summary>The text of file <paramref name="file"/> in the tar stream at <paramref name="path"/>.</summary>
    private static async Task<string> DownloadAsync(HttpClient api, string path, string file)
    {
        using var response = await api.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/x-tar", response.Content.Headers.ContentType?.MediaType);
        await using var tar = new System.Formats.Tar.TarReader(await response.Content.ReadAsStreamAsync());
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            if (entry.Name.TrimStart('.', '/') == file && entry.DataStream is { } data)
            {
                using var reader = new StreamReader(data);
                return await reader.ReadToEndAsync();
            }
        }

        throw new Xunit.Sdk.XunitException($"{path} has no {file}");
    }
}
