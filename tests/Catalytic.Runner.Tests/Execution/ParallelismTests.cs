namespace Catalytic.Runner.Tests.Execution;

/// <summary>
/// Whether jobs overlap, asserted by what the jobs see of each other (never by how long the run took): each job
/// announces it started and waits for the other's announcement, or records when it starts and ends.
/// </summary>
public sealed class ParallelismTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A job that touches its own marker, then waits for the other's: it can pass only if both run at once. The wait is
    /// bounded (3 minutes, far beyond a start on a loaded machine) only so that a runner that serialises jobs fails.
    /// </summary>
    private static string Meet(string self, string other) => $"""
          {self}:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  touch {self}.started
                  for i in $(seq 3600); do [ -e {other}.started ] && exit 0; sleep 0.05; done
                  echo "{other} never started while {self} ran"; exit 1
        """;

    /// <summary>A job that appends its start and end to one file, with a moment between them.</summary>
    private static string Record(string self) => $"""
          {self}:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "start {self}" >> order.txt
                  sleep 0.1
                  echo "end {self}" >> order.txt
        """;

    [Fact]
    public async Task Run_IndependentJobs_RunAtTheSameTime()
    {
        var r = await _repo.RunAsync("on: push\njobs:\n" + Meet("a", "b") + "\n" + Meet("b", "a"), o => o with { MaxParallel = 4 }, cancellationToken: Ct);
        Assert.True(r.Report.Result == "success", r.Output);
    }

    [Fact]
    public async Task Run_MaxParallelOne_NeverOverlapsTwoJobs()
    {
        var r = await _repo.RunAsync("on: push\njobs:\n" + Record("a") + "\n" + Record("b"), o => o with { MaxParallel = 1 }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        var order = File.ReadAllLines(Path.Combine(_repo.Root, "order.txt"));
        Assert.Equal(4, order.Length);

        // One job's start and end, then the other's: never a start between another job's start and end.
        Assert.StartsWith("start ", order[0], StringComparison.Ordinal);
        Assert.Equal("end " + order[0][6..], order[1]);
        Assert.StartsWith("start ", order[2], StringComparison.Ordinal);
        Assert.Equal("end " + order[2][6..], order[3]);
    }
}
