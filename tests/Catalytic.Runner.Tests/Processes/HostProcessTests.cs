using System.Diagnostics;
using Catalytic.Runner.Processes;

namespace Catalytic.Runner.Tests.Processes;

public sealed class HostProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catalytic-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private ProcessSpec Bash(string script) => new(
        "/bin/bash",
        ["-c", script],
        _dir,
        new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH")!, ["HOME"] = _dir });

    private static bool Alive(int pid) => ProcessGroup.FindOnPath("kill") is not null && Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    [Fact]
    public async Task RunAsync_ExitCodeAndLines_AreReported()
    {
        var lines = new List<string>();
        var exit = await HostProcess.RunAsync(Bash("echo out; echo err >&2; exit 3"), lines.Add, null, TimeSpan.FromSeconds(1), null, TestContext.Current.CancellationToken);
        Assert.Equal(3, exit.ExitCode);
        Assert.False(exit.TimedOut);
        Assert.Contains("out", lines);
        Assert.Contains("err", lines);
    }

    [Fact]
    public async Task RunAsync_Timeout_KillsTheWholeProcessTree()
    {
        var pidFile = Path.Combine(_dir, "grandchild.pid");

        // The grandchild ignores SIGINT, so only the SIGKILL after the grace period ends it.
        var spec = Bash($"(trap '' INT; exec sleep 30) & echo $! > {pidFile}; wait");
        var sw = Stopwatch.StartNew();
        var exit = await HostProcess.RunAsync(spec, _ => { }, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(200), null, TestContext.Current.CancellationToken);
        Assert.True(exit.TimedOut);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var deadline = Stopwatch.StartNew();
        while (Alive(grandchild) && deadline.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(Alive(grandchild), "the grandchild process survived the timeout");
    }

    [Fact]
    public async Task RunAsync_Cancelled_SendsSigintFirst()
    {
        // Cancel only once the trap is installed (the script says "ready"), so a loaded machine cannot race it.
        using var cts = new CancellationTokenSource();
        var lines = new List<string>();
        void OnLine(string line)
        {
            lines.Add(line);
            if (line == "ready")
            {
                cts.Cancel();
            }
        }

        var exit = await HostProcess.RunAsync(Bash("trap 'echo got-int; exit 7' INT; echo ready; sleep 30 & wait"), OnLine, null, TimeSpan.FromSeconds(5), null, cts.Token);
        Assert.True(exit.Cancelled);
        Assert.Contains("got-int", lines);
        Assert.Equal(7, exit.ExitCode);
    }
}
