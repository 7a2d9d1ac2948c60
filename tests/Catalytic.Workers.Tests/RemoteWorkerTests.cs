using System.Text.Json.Nodes;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;

namespace Catalytic.Workers.Tests;

/// <summary>
/// The real <c>catalytic worker</c> against a real <c>serve</c> on loopback: the job's commit fetched from the server's
/// mirror over git's smart HTTP, the job run by the runner, its lines and steps reported live in numbered batches,
/// its outcome with outputs; a revoked lease stops the job; the server away and back loses nothing. The queue is the
/// in-memory <see cref="MemoryDispatcher"/> until the run queue's dispatcher is on main.
/// </summary>
public sealed class RemoteWorkerTests
{
    private const string Workflow = """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            outputs:
              answer: ${{ steps.out.outputs.answer }}
            steps:
              - run: cat hello.txt
              - run: echo "the token is $TOKEN"
                env:
                  TOKEN: ${{ secrets.DEPLOY_TOKEN }}
              - id: out
                run: echo "answer=42" >> "$GITHUB_OUTPUT"
        """;

    [Fact]
    public async Task Worker_Once_RunsTheJobFromTheServersMirror_AndReportsLinesStepsAndOutcome()
    {
        await using var rig = await WorkerRig.StartAsync();
        var lease = rig.Dispatcher.Enqueue(
            rig.Spec(Workflow, secrets: new() { ["DEPLOY_TOKEN"] = "DEPLOY_TOKEN" }), WorkerRig.Repository, rig.Sha,
            new Dictionary<string, string> { ["DEPLOY_TOKEN"] = "s3cr3t-value-x" });
        await using var worker = rig.StartWorker("w1", "--once");

        var outcome = await Eventually.CompletesAsync(rig.Dispatcher.Leases[lease].Outcome.Task, "the worker to complete the job\n" + worker.Output);
        await Eventually.CompletesAsync(worker.Process.WaitForExitAsync(), "catalytic worker --once to exit\n" + worker.Output);

        var record = rig.Dispatcher.Leases[lease];
        Assert.Equal("success", outcome.Result);
        Assert.Equal("42", outcome.Outputs["answer"]);
        Assert.Contains("hello from the mirror", record.Log, StringComparison.Ordinal);
        Assert.Contains("the token is ***", record.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value-x", record.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value-x", worker.Output, StringComparison.Ordinal);
        Assert.Empty(record.Gaps);
        Assert.True(record.Messages.Count(m => m.Step is not null) >= 3, "every step's report arrives");
        Assert.True(record.Messages.Count(m => m.StepStarted is not null) >= 3, "every step's start arrives");
        Assert.Equal(0, worker.Process.ExitCode);
        Assert.Equal("w1", record.Worker);
    }

    [Fact]
    public async Task Worker_ChecksOutThePushedBranch_WithOriginHeadAndTheBefore_AsAGithubCheckoutHasThem()
    {
        await using var rig = await WorkerRig.StartAsync();
        var second = await rig.Repo.CommitAsync("notes", new Dictionary<string, string> { ["notes.md"] = "notes\n" });
        await rig.Repo.GitAsync("branch", "other", rig.Sha);
        await rig.Repo.GitAsync("push", "-q", Path.Combine(rig.State, "repositories", WorkerRig.Repository + ".git"), "main", "other");
        const string workflow = """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo "origin-head=$(git rev-parse origin/HEAD)"
                      echo "symbolic=$(git symbolic-ref refs/remotes/origin/HEAD)"
                      echo "branch=$(git rev-parse --abbrev-ref HEAD) upstream=$(git rev-parse --abbrev-ref '@{upstream}' 2>&1)"
                      echo "remotes=$(git for-each-ref --format='%(refname:short)' refs/remotes/origin | paste -sd, -)"
                      echo "changed=$(git diff --name-only '${{ github.event.before }}..${{ github.sha }}' | paste -sd, -)"
            """;
        var spec = rig.SpecAt(workflow, second) with
        {
            EventPayload = new JsonObject { ["before"] = rig.Sha, ["after"] = second, ["repository"] = new JsonObject { ["default_branch"] = "main" } },
        };
        var lease = rig.Dispatcher.Enqueue(spec, WorkerRig.Repository, second);
        await using var worker = rig.StartWorker("w1", "--once");

        var outcome = await Eventually.CompletesAsync(rig.Dispatcher.Leases[lease].Outcome.Task, "the worker to complete the job\n" + worker.Output);

        var log = rig.Dispatcher.Leases[lease].Log;
        Assert.True(outcome.Result == "success", $"the job ended {outcome.Result} ({outcome.Reason}):\n{log}\n{worker.Output}");
        foreach (var expected in (string[])[$"origin-head={second}", "symbolic=refs/remotes/origin/main", "branch=main upstream=origin/main",
            "remotes=origin/HEAD,origin/main,origin/other", "changed=notes.md"])
        {
            Assert.True(log.Contains(expected + "\n", StringComparison.Ordinal), $"the job's log lacks \"{expected}\":\n{log}");
        }

        Assert.DoesNotContain(rig.Token, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_WhoseLeaseIsRevoked_StopsTheJobAtOnce_AndReportsNothingMore()
    {
        await using var rig = await WorkerRig.StartAsync();
        var marker = "4" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var lease = rig.Dispatcher.Enqueue(rig.Spec($$"""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo started; sleep {{marker}}; echo finished-$((40+2))
            """), WorkerRig.Repository, rig.Sha, leaseDuration: TimeSpan.FromSeconds(3));
        await using var worker = rig.StartWorker("w1", "--once");
        var record = rig.Dispatcher.Leases[lease];
        await Eventually.UntilAsync(() => record.Log.Contains("started", StringComparison.Ordinal), () => "the job to start\n" + worker.Output);

        record.Verdict = LeaseVerdict.Revoked;

        await Eventually.CompletesAsync(worker.Process.WaitForExitAsync(), "the worker to stop the revoked job and exit\n" + worker.Output);
        Assert.Contains("the lease is revoked", worker.Output, StringComparison.Ordinal);
        Assert.False(record.Outcome.Task.IsCompleted, "a revoked job reports no outcome");
        Assert.DoesNotContain("finished-42", record.Log, StringComparison.Ordinal);
        Assert.False(SleepRuns(marker), "the job's step process is gone");
    }

    [Fact]
    public async Task Worker_WhenTheServerGoesAwayAndComesBack_BuffersTheLinesAndReportsThemInOrder_ThenTheOutcome()
    {
        await using var rig = await WorkerRig.StartAsync();
        await using var proxy = new CuttableProxy(rig.Port);
        proxy.Start();
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
                      for i in $(seq 1 500); do echo "while away $i"; done
                  - run: echo after
            """), WorkerRig.Repository, rig.Sha);
        await using var worker = rig.StartWorker("w1", "--once", "--server", proxy.Address.ToString(), "--token", rig.Token);
        var record = rig.Dispatcher.Leases[lease];
        await Eventually.UntilAsync(() => record.Log.Contains("before", StringComparison.Ordinal), () => "the job to start\n" + worker.Output);

        proxy.Cut();
        File.WriteAllText(gate, "");
        await Eventually.UntilAsync(() => worker.Output.Contains("the server does not answer", StringComparison.Ordinal), () => "the worker to find the server gone\n" + worker.Output);
        Assert.False(record.Outcome.Task.IsCompleted);
        proxy.Start();

        var outcome = await Eventually.CompletesAsync(record.Outcome.Task, "the outcome once the server is back\n" + worker.Output);
        Assert.Equal("success", outcome.Result);
        Assert.Empty(record.Gaps);
        var lines = record.Log.Split('\n');
        var away = lines.Where(l => l.StartsWith("while away ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(1, 500).Select(i => $"while away {i}"), away);
        Assert.True(Array.IndexOf(lines, "after") > Array.IndexOf(lines, "while away 500"), "the lines arrive in order");
    }

    [Fact]
    public async Task JobsOfOneRunOnTwoWorkers_ShareArtifactsAndCachesThroughTheServer()
    {
        await using var rig = await WorkerRig.StartAsync();
        const string workflow = """
            on: push
            jobs:
              make:
                runs-on: ubuntu-latest
                steps:
                  - run: mkdir -p out cached && echo "built by make" > out/app.txt && echo "a dependency" > cached/dep.txt
                  - uses: actions/upload-artifact@v4
                    with:
                      name: app
                      path: out/
                  - uses: actions/cache/save@v4
                    with:
                      path: cached
                      key: deps-1
              use:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/download-artifact@v4
                    with:
                      name: app
                      path: got
                  - run: cat got/app.txt
                  - uses: actions/cache/restore@v4
                    with:
                      path: cached
                      key: deps-1
                  - run: cat cached/dep.txt
            """;
        var make = rig.Dispatcher.Enqueue(rig.Spec(workflow, "make"), WorkerRig.Repository, rig.Sha, runId: 7);
        await using (var w1 = rig.StartWorker("w1", "--once"))
        {
            var made = await Eventually.CompletesAsync(rig.Dispatcher.Leases[make].Outcome.Task, "make on w1\n" + w1.Output);
            Assert.True(made.Result == "success", rig.Dispatcher.Leases[make].Log);
        }

        var use = rig.Dispatcher.Enqueue(rig.Spec(workflow, "use"), WorkerRig.Repository, rig.Sha, runId: 7);
        await using var w2 = rig.StartWorker("w2", "--once");
        var used = await Eventually.CompletesAsync(rig.Dispatcher.Leases[use].Outcome.Task, "use on w2\n" + w2.Output);
        var log = rig.Dispatcher.Leases[use].Log;
        Assert.True(used.Result == "success", log);
        Assert.Contains("built by make", log, StringComparison.Ordinal);
        Assert.Contains("a dependency", log, StringComparison.Ordinal);
        Assert.Equal("w2", rig.Dispatcher.Leases[use].Worker);
        Assert.True(Directory.Exists(Path.Combine(rig.Server!.WorkerFiles!.Root, "runs", "7", "artifacts", "app")), "the artifact is kept by the server");
    }

    [Fact]
    public async Task Worker_ToldTheRunIsCancelled_CancelsTheJobAsCtrlCWould_AndReportsItCancelled()
    {
        await using var rig = await WorkerRig.StartAsync();
        var lease = rig.Dispatcher.Enqueue(rig.Spec("""
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo started; sleep 300
                  - if: always()
                    run: echo "cleaning up after $((40+2))"
            """), WorkerRig.Repository, rig.Sha, leaseDuration: TimeSpan.FromSeconds(3));
        await using var worker = rig.StartWorker("w1", "--once");
        var record = rig.Dispatcher.Leases[lease];
        await Eventually.UntilAsync(() => record.Log.Contains("started", StringComparison.Ordinal), () => "the job to start\n" + worker.Output);

        record.Verdict = LeaseVerdict.Cancel;

        var outcome = await Eventually.CompletesAsync(record.Outcome.Task, "the cancelled job's outcome\n" + worker.Output);
        Assert.Equal("cancelled", outcome.Result);
        Assert.Contains("cleaning up after 42", record.Log, StringComparison.Ordinal);
        await Eventually.CompletesAsync(worker.Process.WaitForExitAsync(), "the worker to exit\n" + worker.Output);
        Assert.Equal(130, worker.Process.ExitCode);
    }

    private static bool SleepRuns(string marker) =>
        Directory.EnumerateDirectories("/proc").Any(d =>
        {
            try
            {
                return int.TryParse(Path.GetFileName(d), out _) && File.ReadAllText(Path.Combine(d, "cmdline")).Contains("sleep\0" + marker, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });
}
