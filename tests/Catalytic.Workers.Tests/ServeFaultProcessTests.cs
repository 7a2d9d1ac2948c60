using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Runs;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;

namespace Catalytic.Workers.Tests;

/// <summary>
/// Faults of the server's own world, with a real <c>catalytic serve</c> and real workers: the repository it serves is
/// removed (and with it, later, the server's mirror), and the disk holding its state fills up while a job streams its
/// log. Each gets a clear recorded reason, the server keeps serving, and no other run or log line is lost.
/// </summary>
public sealed class ServeFaultProcessTests
{
    private const string Workflow = """
        on: [push, workflow_dispatch]
        jobs:
          hello:
            runs-on: ubuntu-latest
            steps:
              - run: echo "hello from $GITHUB_SHA"
        """;

    [Fact]
    public async Task RepositoryRemoved_RunsFromTheMirrorGoOn_WithoutTheMirrorARunFailsSayingWhy_ServerKeepsServing_AndRecovers()
    {
        await using var rig = await ServeProcessRig.CreateAsync("sqlite");
        await rig.StartServeAsync(capacity: 0);
        rig.Dir.Write(".github/workflows/ci.yml", Workflow);
        var first = await rig.CommitAsync("a workflow");
        await using var store = rig.OpenStore();
        using var api = rig.Api();
        await Eventually.UntilAsync(async () => (await store.ListRunsAsync(new RunQuery())).Any(r => r.Sha == first), () => "the commit's run queued\n" + rig.Serve!.Output);

        // The repository goes away (its .git moved aside): the server says why it cannot fetch it.
        Directory.Move(rig.Dir[".git"], rig.Dir[".git-away"]);
        JsonNode? status = null;
        await Eventually.UntilAsync(async () =>
        {
            status = JsonNode.Parse(await api.GetStringAsync(new Uri("api/repositories", UriKind.Relative)))!.AsArray().Single();
            return status!["healthy"]!.GetValue<bool>() is false;
        }, () => $"/api/repositories saying the repository cannot be fetched: {status?.ToJsonString()}\n{rig.Serve!.Output}");
        Assert.False(string.IsNullOrWhiteSpace(status!["reason"]?.GetValue<string>()), status.ToJsonString());

        // The run queued before is not lost: its commit is in the server's mirror. A dispatch still works from it too.
        using (var dispatch = await api.PostAsync(new Uri($"api/repos/{rig.Repository}/dispatches", UriKind.Relative),
            new StringContent("""{"workflow":"ci.yml"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.True(dispatch.IsSuccessStatusCode, await dispatch.Content.ReadAsStringAsync());
        }

        var once = await rig.StartWorkerAsync("w1", once: true);
        await Eventually.CompletesAsync(once.Process.WaitForExitAsync(), "catalytic worker --once running the first run\n" + once.Output);

        var pushed = await rig.CompletedRunAsync(first, which: r => r.Event == "push");
        Assert.Equal(Conclusions.Success, pushed.Conclusion);

        // Then the server's mirror goes too: the dispatched run fails, saying which commit could not be had and why.
        Directory.Delete(Path.Combine(rig.State, "repositories", rig.Repository + ".git"), recursive: true);
        once = await rig.StartWorkerAsync("w2", once: true);
        await Eventually.CompletesAsync(once.Process.WaitForExitAsync(), "catalytic worker --once running the dispatched run\n" + once.Output);

        var dispatched = (await store.ListRunsAsync(new RunQuery())).Single(r => r.Event == "workflow_dispatch");
        dispatched = await rig.CompletedRunAsync(dispatched.Sha, which: r => r.Event == "workflow_dispatch");
        Assert.Equal(Conclusions.Failure, dispatched.Conclusion);
        var job = Assert.Single(await store.ListJobsAsync(dispatched.Id));
        Assert.Contains($"could not check out {first} from the server", job.Reason, StringComparison.Ordinal);

        // The server kept serving through all of it.
        using (var health = await api.GetAsync(new Uri("api/health", UriKind.Relative)))
        {
            Assert.True(health.IsSuccessStatusCode, $"/api/health: {(int)health.StatusCode}");
        }

        Assert.Equal(2, JsonNode.Parse(await api.GetStringAsync(new Uri("api/runs", UriKind.Relative)))!.AsArray().Count);

        // The repository comes back: the mirror is made again, and the next commit runs.
        Directory.Move(rig.Dir[".git-away"], rig.Dir[".git"]);
        await Eventually.UntilAsync(async () =>
            JsonNode.Parse(await api.GetStringAsync(new Uri("api/repositories", UriKind.Relative)))!.AsArray().Single()!["healthy"]!.GetValue<bool>(),
            () => "the repository healthy again\n" + rig.Serve!.Output);
        rig.Dir.Write("again.txt", "again\n");
        var again = await rig.CommitAsync("after the repository came back");
        var w3 = await rig.StartWorkerAsync("w3");
        var back = await rig.CompletedRunAsync(again, also: () => "w3:\n" + w3.Output);
        Assert.Equal(Conclusions.Success, back.Conclusion);
        var log = await ServeProcessRig.LogAsync(store, Assert.Single(await store.ListJobsAsync(back.Id)));
        Assert.Contains($"hello from {again}", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiskFullUnderTheServersState_WhileAJobStreamsItsLog_ClearErrorServerServes_NoLogLineLost()
    {
        Assert.SkipUnless(Environment.UserName == "root", "mounting a small tmpfs needs root");
        using var mount = TinyDisk.Mount(megabytes: 16);
        await using var rig = await ServeProcessRig.CreateAsync("sqlite", state: mount.Path);
        await rig.StartServeAsync(capacity: 0);
        var w1 = await rig.StartWorkerAsync("w1");
        var go = rig.Dir["go"];
        rig.Dir.Write(".github/workflows/ci.yml", $$"""
            on: push
            jobs:
              chatty:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo before-the-disk-filled
                      while [ ! -e "{{go}}" ]; do sleep 0.1; done
                      pad=$(printf '%0200d' 0)
                      for i in $(seq 1 6000); do echo "line $i $pad"; done
                      echo after-the-disk-filled
            """);
        var sha = await rig.CommitAsync("a chatty job");
        await using var store = rig.OpenStore();
        using var api = rig.Api();
        await Eventually.UntilAsync(async () =>
            (await store.ListRunsAsync(new RunQuery())).FirstOrDefault(r => r.Sha == sha) is { } run
            && (await api.GetStringAsync(new Uri($"api/runs/{run.Id}/jobs/chatty/logs", UriKind.Relative))).Contains("before-the-disk-filled", StringComparison.Ordinal),
            () => "the job running on w1 with its first line stored\n" + rig.Serve!.Output + "\nw1:\n" + w1.Output);

        // The disk fills up; then the job writes ~1.3 MB of log.
        mount.Fill();
        File.WriteAllText(go, "");
        // serve says why; the worker is told to come back later (503), and keeps its lines meanwhile.
        await Eventually.UntilAsync(() => rig.Serve!.Output.Contains("the disk under the server's state is full", StringComparison.Ordinal)
            && w1.Output.Contains("503", StringComparison.Ordinal),
            () => "serve saying its disk is full, and the worker told so\n" + rig.Serve!.Output + "\nw1:\n" + w1.Output);
        using (var health = await api.GetAsync(new Uri("api/health", UriKind.Relative)))
        {
            Assert.True(health.IsSuccessStatusCode, $"/api/health while the disk is full: {(int)health.StatusCode}");
        }

        Assert.Single(JsonNode.Parse(await api.GetStringAsync(new Uri("api/runs", UriKind.Relative)))!.AsArray());

        // Room again: every line the worker kept arrives, once and in order.
        mount.Free();
        var finished = await rig.CompletedRunAsync(sha, () => "w1:\n" + w1.Output);
        Assert.Equal(Conclusions.Success, finished.Conclusion);
        var job = Assert.Single(await store.ListJobsAsync(finished.Id));
        Assert.Equal((1, "w1"), (job.Attempt, job.Worker));
        var lines = (await ServeProcessRig.LogAsync(store, job)).Split('\n');
        var numbered = lines.Where(l => l.StartsWith("line ", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, 6000), numbered);
        Assert.Contains("after-the-disk-filled", lines);
    }

    /// <summary>A tmpfs of a few megabytes under /tmp, filled on demand with one file; unmounted and removed at the end.</summary>
    private sealed class TinyDisk : IDisposable
    {
        private TinyDisk(string path) => Path = path;

        public string Path { get; }

        private string Filler => System.IO.Path.Combine(Path, "filler");

        public static TinyDisk Mount(int megabytes)
        {
            var path = Directory.CreateTempSubdirectory("catalytic-tinydisk-").FullName;
            Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
            return new TinyDisk(path);
        }

        /// <summary>Writes one file until the disk has no room left.</summary>
        public void Fill()
        {
            using var f = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            var block = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    f.Write(block);
                    f.Flush();
                }
            }
            catch (IOException)
            {
                // No space left on device: full.
            }
        }

        public void Free() => File.Delete(Filler);

        public void Dispose()
        {
            Run("umount", "-l", Path);
            Directory.Delete(Path, recursive: true);
        }

        private static void Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file);
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            var r = ProcessRun.Run(psi);
            Assert.True(r.Code == 0, $"{file} {string.Join(' ', args)}: {r.Err}");
        }
    }
}
