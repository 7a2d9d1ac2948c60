using System.Diagnostics;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Tests.Processes;

public sealed class ProcessRunTests
{
    private static ProcessStartInfo Sh(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        return psi;
    }

    [Fact]
    public async Task Run_ProgramThatEnds_ReturnsItsCodeOutputAndInput()
    {
        var r = await ProcessRun.RunAsync(Sh("read -r line; echo \"got $line\"; echo oops >&2; exit 3"), stdin: "hello\n");

        Assert.Equal((3, "got hello\n", "oops\n"), (r.Code, r.Out, r.Err));
    }

    [Fact]
    public async Task Run_ProgramThatNeverEnds_FailsNamingIt_AndKillsIt()
    {
        var marker = "4" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var e = await Assert.ThrowsAsync<ConditionNotMetException>(() => ProcessRun.RunAsync(Sh($"sleep {marker}"), deadline: TimeSpan.FromMilliseconds(300)));

        Assert.Contains($"sleep {marker} to exit", e.Message, StringComparison.Ordinal);
        await Eventually.UntilAsync(() => !SleepRuns(marker), $"sleep {marker} to be killed", ct: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Run_ChildKeepingTheOutputOpenAfterTheProgramExited_FailsInsteadOfHanging()
    {
        var marker = "4" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

        // The shell exits at once; its background child inherits stdout and holds it open for ever.
        var e = await Assert.ThrowsAsync<ConditionNotMetException>(() => ProcessRun.RunAsync(Sh($"sleep {marker} & echo started"), deadline: TimeSpan.FromMilliseconds(500)));

        Assert.Contains("to exit and close its output", e.Message, StringComparison.Ordinal);
        foreach (var pid in SleepPids(marker))
        {
            Process.GetProcessById(pid).Kill(); // the orphan is no longer the shell's: the test ends it itself
        }
    }

    private static bool SleepRuns(string marker) => SleepPids(marker).Any();

    private static IEnumerable<int> SleepPids(string marker) =>
        Directory.EnumerateDirectories("/proc").Select(d => (Dir: d, Pid: int.TryParse(Path.GetFileName(d), out var p) ? p : 0)).Where(x => x.Pid > 0 && CmdLine(x.Dir).Contains("sleep\0" + marker, StringComparison.Ordinal)).Select(x => x.Pid).ToList();

    private static string CmdLine(string dir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, "cmdline"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
