using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Runner.Tests.Scheduling;

/// <summary>GitHub's concurrency groups inside one run: one running and one pending per group, newer pending wins.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_JobsSharingAGroup_RunOneAtATime()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: x
                concurrency: shared
                steps:
                  - run: echo a-start >> order.txt; sleep 0.4; echo a-end >> order.txt
              b:
                runs-on: x
                concurrency: SHARED
                steps:
                  - run: echo b-start >> order.txt; sleep 0.4; echo b-end >> order.txt
            """, o => o with { MaxParallel = 4 }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        var order = File.ReadAllLines(Path.Combine(_repo.Root, "order.txt"));

        // Group names are case-insensitive: never interleaved, whichever ran first.
        Assert.True(order is ["a-start", "a-end", "b-start", "b-end"] or ["b-start", "b-end", "a-start", "a-end"], string.Join(",", order));
    }

    [Fact]
    public async Task Run_ThirdArrivalInAGroup_ReplacesThePendingOneWhichIsCancelled()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              m:
                runs-on: x
                strategy:
                  matrix:
                    n: [1, 2, 3]
                concurrency: one-at-a-time
                steps:
                  - run: echo ${{ matrix.n }} >> ran.txt; sleep 0.5
            """, o => o with { MaxParallel = 4 }, cancellationToken: Ct);
        var jobs = r.Report.Workflows[0].Jobs;
        Assert.Equal(3, jobs.Count);
        Assert.Equal(2, jobs.Count(j => j.Result == "success"));
        var cancelled = Assert.Single(jobs, j => j.Result == "cancelled");
        Assert.Equal("Canceling since a higher priority waiting request for 'one-at-a-time' exists", cancelled.Reason);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_repo.Root, "ran.txt")).Length);
        Assert.Equal("cancelled", r.Report.Result);
    }

    [Fact]
    public async Task Run_CancelInProgress_CancelsTheRunningJobWithTheReason()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              m:
                runs-on: x
                strategy:
                  matrix:
                    n: [1, 2]
                concurrency:
                  group: deploy-${{ github.ref }}
                  cancel-in-progress: ${{ matrix.n == 2 }}
                steps:
                  - run: |
                      echo ${{ matrix.n }} > started-${{ matrix.n }}.txt
                      if [ ${{ matrix.n }} = 1 ]; then sleep 30; fi
                  - if: always()
                    run: echo "${{ job.status }}" > status-${{ matrix.n }}.txt
            """, o => o with { MaxParallel = 4 }, cancellationToken: Ct);
        var jobs = r.Report.Workflows[0].Jobs.ToDictionary(j => j.Name);
        Assert.Equal("success", jobs["m (2)"].Result);
        Assert.Equal("cancelled", jobs["m (1)"].Result);
        Assert.StartsWith("Canceling since a higher priority waiting request for 'deploy-refs/heads/main' exists", jobs["m (1)"].Reason, StringComparison.Ordinal);
        Assert.Contains("cancel-in-progress", jobs["m (1)"].Reason, StringComparison.Ordinal);

        // The cancelled job still ran its always() step, seeing the cancellation (its sleep did not run to its end).
        Assert.Equal("cancelled", File.ReadAllText(Path.Combine(_repo.Root, "status-1.txt")).Trim());
    }

    [Fact]
    public async Task Run_JobInTheWorkflowsOwnGroup_IsCancelledAsADeadlock()
    {
        var r = await _repo.RunAsync("""
            on: push
            concurrency: release
            jobs:
              a:
                runs-on: x
                concurrency: Release
                steps:
                  - run: touch ran
            """, cancellationToken: Ct);
        Assert.Equal("cancelled", r.Job("a").Result);
        Assert.Equal("Canceling since a deadlock for concurrency group 'Release' was detected between 'top level workflow' and 'a'", r.Job("a").Reason);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public async Task Run_WorkflowGroup_IsReleasedForTheNextRun()
    {
        const string Yaml = """
            on: push
            concurrency:
              group: ${{ github.workflow }}-${{ github.ref }}
              cancel-in-progress: true
            jobs:
              a:
                runs-on: x
                steps:
                  - run: echo ok
            """;
        Assert.Equal("success", (await _repo.RunAsync(Yaml, cancellationToken: Ct)).Report.Result);
        Assert.Equal("success", (await _repo.RunAsync(Yaml, cancellationToken: Ct)).Report.Result);
    }
}
