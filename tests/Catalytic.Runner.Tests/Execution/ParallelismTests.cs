namespace Catalytic.Runner.Tests.Execution;

/// <summary>Timing tests run alone so the rest of the suite does not steal their cores.</summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection;

[Collection(nameof(TimingCollection))]
public sealed class ParallelismTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_IndependentJobs_RunInParallel()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: sleep 0.3
              b:
                runs-on: ubuntu-latest
                steps:
                  - run: sleep 0.3
            """, o => o with { MaxParallel = 4 }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.True(r.Report.DurationMs < 550, $"two 0.3 s jobs took {r.Report.DurationMs:0} ms");
    }
}
