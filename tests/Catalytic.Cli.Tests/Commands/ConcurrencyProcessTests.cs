using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Cli.Tests.Commands;

/// <summary>Concurrency groups across separate `catalytic run` processes of one repository (state under .catalytic/concurrency).</summary>
public sealed class ConcurrencyProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = Catalytic.Testing.Waiting.Eventually.DefaultDeadline;
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private bool Exists(string file) => File.Exists(Path.Combine(_repo.Root, file));

    private async Task WaitForFileAsync(string file, CliProcess owner)
    {
        await Catalytic.Testing.Waiting.Eventually.UntilAsync(() => Exists(file), () => $"{file} appeared:\n{owner.Output}", Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Run_NewerRunWithCancelInProgress_CancelsTheRunningProcess()
    {
        var wf = _repo.WriteWorkflow("""
            on: push
            concurrency:
              group: deploy
              cancel-in-progress: true
            jobs:
              ship:
                runs-on: x
                steps:
                  - run: |
                      touch "started-$WHO"
                      if [ "$WHO" = a ]; then while true; do sleep 0.05; done; fi
            """);
        using var a = new CliProcess(_repo.Root, "run", "-W", wf, "--env", "WHO=a");
        await WaitForFileAsync("started-a", a);
        using var b = new CliProcess(_repo.Root, "run", "-W", wf, "--env", "WHO=b", "--cancel-grace", "1");
        Assert.Equal(1, await a.ExitCodeAsync(Patience));
        Assert.Equal(0, await b.ExitCodeAsync(Patience));
        Assert.Matches(@"ship\s+cancelled\s+.*Canceling since a higher priority waiting request for 'deploy' exists \(run \d+ of '.*', cancel-in-progress\)", a.Output);
        Assert.True(Exists("started-b"));
    }

    [Fact]
    public async Task Run_ThirdProcessInAGroup_ReplacesThePendingOneAndRunsAfterTheFirst()
    {
        var wf = _repo.WriteWorkflow("""
            on: push
            jobs:
              ship:
                runs-on: x
                concurrency: release-${{ github.ref_name }}
                steps:
                  - run: |
                      touch "started-$WHO"
                      if [ "$WHO" = a ]; then while [ ! -f release ]; do sleep 0.05; done; fi
                      touch "ended-$WHO"
            """);
        using var a = new CliProcess(_repo.Root, "run", "-W", wf, "--env", "WHO=a");
        await WaitForFileAsync("started-a", a);
        using var b = new CliProcess(_repo.Root, "run", "-W", wf, "--env", "WHO=b");
        await b.WaitForLineAsync("waiting for concurrency group 'release-main'", Patience);
        using var c = new CliProcess(_repo.Root, "run", "-W", wf, "--env", "WHO=c");

        // The newcomer takes the pending place; the one it replaced is cancelled without running.
        Assert.Equal(1, await b.ExitCodeAsync(Patience));
        Assert.Contains("Canceling since a higher priority waiting request for 'release-main' exists", b.Output, StringComparison.Ordinal);
        Assert.False(Exists("started-b"));
        await c.WaitForLineAsync("waiting for concurrency group 'release-main'", Patience);
        Assert.False(Exists("started-c"));

        File.WriteAllText(Path.Combine(_repo.Root, "release"), "");
        Assert.Equal(0, await a.ExitCodeAsync(Patience));
        Assert.Equal(0, await c.ExitCodeAsync(Patience));
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(_repo.Root, "ended-a")) <= File.GetLastWriteTimeUtc(Path.Combine(_repo.Root, "started-c")));
    }

    [Fact]
    public async Task Run_KilledHolder_DoesNotBlockTheGroup()
    {
        var wf = _repo.WriteWorkflow("""
            on: push
            concurrency: stuck
            jobs:
              ship:
                runs-on: x
                steps:
                  - run: |
                      touch "started-$WHO"
                      if [ "$WHO" = a ]; then sleep 60; fi
            """);
        using (var a = new CliProcess(_repo.Root, "run", "-W", wf, "--env", "WHO=a"))
        {
            await WaitForFileAsync("started-a", a);
        }

        // a was killed with its whole tree: its entry names a process that is gone, so b takes the group.
        using var b = new CliProcess(_repo.Root, "run", "-W", wf, "--env", "WHO=b");
        Assert.Equal(0, await b.ExitCodeAsync(Patience));
    }
}
