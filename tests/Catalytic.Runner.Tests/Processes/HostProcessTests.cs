using System.ComponentModel;
using System.Globalization;
using Catalytic.Platform.Linux;
using Catalytic.Runner.Processes;
using Microsoft.Extensions.Time.Testing;

using RealTime = Catalytic.Testing.Waiting.RealTime;

namespace Catalytic.Runner.Tests.Processes;

/// <summary>
/// Both ways a step starts: spawned as a session leader (<c>spawn: true</c>, what Linux uses) and through
/// <c>Process</c> and the <c>setsid</c> program (<c>spawn: false</c>, the fallback). Each behaviour holds for both.
/// Timeouts and the grace run on a clock the test moves (<see cref="FakeTimeProvider"/>); nothing asserts wall-clock time.
/// </summary>
public sealed class HostProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catalytic-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProcessSpec Bash(string script, string? workingDirectory = null, Dictionary<string, string>? env = null) => new(
        "/bin/bash",
        ["-c", script],
        workingDirectory ?? _dir,
        env ?? new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH")!, ["HOME"] = _dir });

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static Task<ProcessExit> Run(
        ProcessSpec spec, Action<string> onLine, bool spawn, TimeSpan? timeout = null, TimeSpan? grace = null, Action<int>? onStarted = null, CancellationToken? token = null, TimeProvider? time = null, RecordingLogger? log = null) =>
        HostProcess.RunAsync(spec, onLine, new ProcessLimits(timeout, grace ?? TimeSpan.FromSeconds(1), time ?? RealTime.Clock) { Log = log ?? new RecordingLogger() }, onStarted, spawn, token ?? Ct);

    [Fact]
    public void IsSupported_OnLinuxNotAsInit_IsTrue()
    {
        Assert.Equal(OperatingSystem.IsLinux() && Environment.ProcessId != 1, SpawnedProcess.IsSupported);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_ExitCodeAndLines_AreReported(bool spawn)
    {
        var lines = new List<string>();
        var exit = await Run(Bash("echo out; echo err >&2; exit 3"), lines.Add, spawn);
        Assert.Equal(3, exit.ExitCode);
        Assert.False(exit.TimedOut);
        Assert.False(exit.Cancelled);
        Assert.Equal(["err", "out"], lines.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_KilledBySignal_ReportsOneHundredTwentyEightPlusTheSignal(bool spawn)
    {
        var exit = await Run(Bash("kill -TERM $$; sleep 5"), _ => { }, spawn);
        Assert.Equal(128 + 15, exit.ExitCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_EnvironmentAndWorkingDirectory_AreTheSpecsOnly(bool spawn)
    {
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "sub dir")).FullName;
        var env = new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH")!, ["ONLY_THIS"] = "välue with spaces" };
        var lines = new List<string>();
        var exit = await Run(Bash("pwd; echo \"$ONLY_THIS\"; env | grep -c . ; read -r x || echo stdin-at-eof", sub, env), lines.Add, spawn);
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(sub, lines[0]);
        Assert.Equal("välue with spaces", lines[1]);

        // PATH, ONLY_THIS, and what bash itself exports (PWD, SHLVL, _): nothing of the runner's own environment.
        Assert.True(int.Parse(lines[2], CultureInfo.InvariantCulture) <= 5, string.Join('\n', lines));
        Assert.Equal("stdin-at-eof", lines[3]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_Process_LeadsItsOwnSessionAndGroup(bool spawn)
    {
        if (!spawn && Programs.Setsid is null)
        {
            return; // Without setsid the fallback cannot make a session; nothing to check.
        }

        var lines = new List<string>();
        var started = 0;

        // Fields 5 and 6 of /proc/PID/stat (after the command in parentheses) are the process group and the session.
        var exit = await Run(Bash("read -r stat < /proc/$$/stat; set -- ${stat##*) }; echo $$ $3 $4"), lines.Add, spawn, onStarted: pid => started = pid);
        Assert.Equal(0, exit.ExitCode);
        var ids = lines.Single().Split(' ').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(started, ids[1]);
        Assert.Equal(started, ids[2]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_Lines_StreamWhileTheProcessRuns(bool spawn)
    {
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = Path.Combine(_dir, "release");
        var run = Run(Bash($"echo first; while [ ! -e '{release}' ]; do sleep 0.02; done; echo second"), l => first.TrySetResult(l), spawn);

        // The first line arrives while the script still waits: output is not held back until the exit.
        Assert.Equal("first", await Catalytic.Testing.Waiting.Eventually.CompletesAsync(first.Task, "the first line while the script still runs"));
        Assert.False(run.IsCompleted);
        await File.WriteAllTextAsync(release, "", Ct);
        Assert.Equal(0, (await run).ExitCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_ManyLinesOnBothStreams_AllArriveInOrderPerStream(bool spawn)
    {
        var lines = new List<string>();
        var exit = await Run(Bash("for i in $(seq 1 3000); do echo \"out $i\"; echo \"err $i\" >&2; done; printf 'no newline'"), lines.Add, spawn);
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => $"out {i}"), lines.Where(l => l.StartsWith("out ", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => $"err {i}"), lines.Where(l => l.StartsWith("err ", StringComparison.Ordinal)));
        Assert.Equal("no newline", lines.Last(l => !l.StartsWith("err ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_Timeout_InterruptsThenKillsTheWholeProcessTreeAfterTheGrace(bool spawn)
    {
        var clock = new FakeTimeProvider();
        var pidFile = Path.Combine(_dir, "grandchild.pid");
        var timeout = TimeSpan.FromMinutes(1);
        var grace = TimeSpan.FromSeconds(10);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The grandchild ignores SIGINT, so only the SIGKILL after the grace period ends it. It says ready itself, once its
        // trap is set: when the parent said it, a loaded machine could deliver the SIGINT before the forked child had run
        // its trap, and the whole group then went at the SIGINT. Its sleep outlasts any wait of the test.
        var spec = Bash($"(trap '' INT; echo $BASHPID > {pidFile}; echo ready; exec sleep 300) & wait");
        var run = Run(spec, l => { if (l == "ready") { ready.TrySetResult(); } }, spawn, timeout, grace, time: clock);
        await Catalytic.Testing.Waiting.Eventually.CompletesAsync(ready.Task, "the script said ready");
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);

        // Just short of the timeout nothing happens; at the timeout the shell gets SIGINT and goes, the grandchild stays.
        clock.Advance(timeout - TimeSpan.FromSeconds(1));
        Assert.False(run.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        var moved = await Eventually.AdvanceUntil(clock, run, TimeSpan.FromSeconds(1));
        var exit = await run;
        Assert.True(exit.TimedOut);
        Assert.False(exit.Cancelled);
        Assert.True(moved >= grace, $"the group was killed {moved} after the SIGINT, before its grace of {grace}");
        await Eventually.Until(() => !Alive(grandchild), "the grandchild process ends after the timeout");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_Cancelled_SendsSigintFirst(bool spawn)
    {
        // Cancel only once the trap is installed (the script says "ready"), so a loaded machine cannot race it.
        using var cts = new CancellationTokenSource();
        var lines = new List<string>();
        var pid = 0;
        string[] pipes = [];
        void OnLine(string line)
        {
            lines.Add(line);
            if (line == "ready")
            {
                pipes = PipesOf(pid);
                cts.Cancel();
            }
        }

        // Python, not a bash trap: bash cannot trap a signal that was ignored when it started, and a test process
        // started as a background job (as CI and many shells start it) passes SIGINT on ignored.
        const string Script = "import os, signal, time\n"
            + "def on_int(*_):\n    os.write(1, b'got-int\\n'); os._exit(7)\n"
            + "signal.signal(signal.SIGINT, on_int)\nprint('ready', flush=True)\ntime.sleep(30)\n";
        var python = new ProcessSpec("python3", ["-c", Script], _dir, new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH")!, ["HOME"] = _dir });

        // The grace runs on a clock that stands still: only the script's own handler can end it (5 s of a busy machine's
        // real time could pass before python handled the SIGINT, and then SIGKILL would have ended it instead). So every
        // wait of RunAsync must end by an event (the exit, the pipes' end); if one does not, the message says which.
        var run = Run(python, OnLine, spawn, grace: TimeSpan.FromSeconds(5), onStarted: p => pid = p, token: cts.Token, time: new FakeTimeProvider());
        await Catalytic.Testing.Waiting.Eventually.UntilAsync(() => run.IsCompleted, () => "the script to end on its SIGINT handler: " + WhyNotEnded(pid, pipes, lines), ct: Ct);
        var exit = await run;
        Assert.True(exit.Cancelled);
        Assert.Contains("got-int", lines);
        Assert.Equal(7, exit.ExitCode);
    }

    /// <summary>The pipes (<c>pipe:[inode]</c>) on the stdout and stderr of <paramref name="pid"/>; empty when it cannot be seen.</summary>
    private static string[] PipesOf(int pid)
    {
        try
        {
            return [.. new[] { 1, 2 }.Select(fd => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget).OfType<string>().Where(l => l.StartsWith("pipe:", StringComparison.Ordinal))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Whether /proc/PID/fd/N is open for writing (the flags in /proc/PID/fdinfo/N are octal, O_WRONLY is 1).</summary>
    private static bool WriteEnd(string fd)
    {
        var flags = File.ReadLines(fd.Replace("/fd/", "/fdinfo/", StringComparison.Ordinal)).FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return flags is not null && (Convert.ToInt32(flags[6..].Trim(), 8) & 3) == 1;
    }

    /// <summary>
    /// Which of RunAsync's waits a stopped step that never returned is in, from what is left of it: the step itself (the
    /// wait for its exit), its group (the wait for the group to go), the holders of its pipes (the wait for their end);
    /// when none is left, a wait missed the event that should have ended it.
    /// </summary>
    private static string WhyNotEnded(int pid, string[] pipes, List<string> lines)
    {
        var seen = $"lines seen: [{string.Join(", ", lines)}]";
        if (pid == 0)
        {
            return "the step never started; " + seen;
        }

        var state = File.Exists($"/proc/{pid}/stat") ? File.ReadAllText($"/proc/{pid}/stat") : null;
        if (state is not null && !state.Contains(") Z ", StringComparison.Ordinal))
        {
            return $"the step {pid} still runs (the wait for its exit; did SIGINT arrive?); {seen}";
        }

        if (state is not null)
        {
            return $"the step {pid} is a zombie nobody reaped (the wait for its exit); {seen}";
        }

        var group = new List<string>();
        var holders = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var other))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[2] == pid.ToString(CultureInfo.InvariantCulture))
                {
                    group.Add($"{other} ({fields[0]}) {string.Join(' ', ProcessGroups.CommandLine(other))}");
                }

                if (Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")).Any(fd => pipes.Contains(new FileInfo(fd).LinkTarget) && WriteEnd(fd)))
                {
                    holders.Add($"{other} {string.Join(' ', ProcessGroups.CommandLine(other))}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to look at.
            }
        }

        return group.Count > 0 ? $"its group {pid} still has [{string.Join("; ", group)}] (the wait for the group to go); {seen}"
            : holders.Count > 0 ? $"its pipes {string.Join(", ", pipes)} are still held by [{string.Join("; ", holders)}] (the wait for the pipes' end); {seen}"
            : $"the step, its group and its pipes are all gone: a wait missed its wake-up and waits on the test's clock, which stands still; {seen}";
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_Cancelled_KillsTheWholeTreeAfterTheGrace(bool spawn)
    {
        var clock = new FakeTimeProvider();
        var grace = TimeSpan.FromSeconds(10);
        using var cts = new CancellationTokenSource();
        var pidFile = Path.Combine(_dir, "child.pid");

        // Both the shell and its child ignore SIGINT: only the SIGKILL to the group after the grace ends them.
        var spec = Bash($"trap '' INT; (trap '' INT; exec sleep 30) & echo $! > {pidFile}; echo ready; wait");
        var run = Run(spec, l => { if (l == "ready") { cts.Cancel(); } }, spawn, grace: grace, token: cts.Token, time: clock);
        var moved = await Eventually.AdvanceUntil(clock, run, TimeSpan.FromSeconds(1));
        var exit = await run;
        Assert.True(exit.Cancelled);
        Assert.Equal(128 + 9, exit.ExitCode);
        Assert.True(moved >= grace, $"killed {moved} after the SIGINT, before the grace of {grace}");
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        await Eventually.Until(() => !Alive(child), "the step's child ends after the cancellation");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_BackgroundChildHoldsThePipes_ReturnsAtTheExitAndKeepsDeliveringItsLines(bool spawn)
    {
        var clock = new FakeTimeProvider();
        var late = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = Path.Combine(_dir, "release");
        var pid = 0;

        // The background child holds stdout until the test releases it, which it does only after the run returned.
        var run = Run(Bash($"(while [ ! -e '{release}' ]; do sleep 0.02; done; echo late) & echo early"), l => { if (l == "late") { late.TrySetResult(); } }, spawn, onStarted: p => pid = p, time: clock);
        await Eventually.AdvanceUntil(clock, run, TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, (await run).ExitCode);
        Assert.False(late.Task.IsCompleted);
        await File.WriteAllTextAsync(release, "", Ct);
        await Catalytic.Testing.Waiting.Eventually.CompletesAsync(late.Task, "the background child's late line");
        await Eventually.Until(() => !ProcessGroups.IsAlive(pid), "the background child ends after its last line");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_ConsumerThrowsOnALine_TheOthersArriveAndTheLogSaysWhichWasLost(bool spawn)
    {
        // Regression: SpawnedProcess dropped every exception of the line consumer, so lines vanished without a trace.
        var log = new RecordingLogger();
        var lines = new List<string>();
        var exit = await Run(Bash("echo one; echo two; echo three"), l => { if (l == "two") { throw new IOException("the job log is gone"); } lines.Add(l); }, spawn, log: log);
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(["one", "three"], lines);
        var lost = Assert.Single(log.Entries, e => e.Id.Id == 4001);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, lost.Level);
        Assert.Contains("Line 2 of the output of /bin/bash (3 characters) was lost", lost.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(lost.Exception);
    }

    [Fact]
    public async Task RunAsync_SpawnedProgramMissing_FailsToStartWithTheName()
    {
        var spec = Bash("true") with { FileName = "no-such-program-anywhere" };
        var e = await Assert.ThrowsAsync<Win32Exception>(() => Run(spec, _ => { }, spawn: true));
        Assert.Contains("no-such-program-anywhere", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SpawnedIntoMissingDirectory_FailsToStart()
    {
        var e = await Assert.ThrowsAsync<Win32Exception>(() => Run(Bash("true", Path.Combine(_dir, "missing")), _ => { }, spawn: true));
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SpawnedProgramOnTheStepsPath_IsFound()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        var tool = Path.Combine(bin, "mytool");
        await File.WriteAllTextAsync(tool, "#!/bin/sh\necho \"mytool $1\"\n", Ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }
        var lines = new List<string>();
        var spec = new ProcessSpec("mytool", ["arg"], _dir, new Dictionary<string, string> { ["PATH"] = bin + ":/usr/bin:/bin" });
        var exit = await Run(spec, lines.Add, spawn: true);
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(["mytool arg"], lines);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_Signals_AreUnblockedAndSigpipeStaysIgnoredAsUnderProcess(bool spawn)
    {
        // SigBlk: nothing blocked. SigIgn: what a Process.Start child of this test process gets — what this process
        // inherited as ignored (nohup's SIGHUP, python's SIGXFSZ) plus the runtime's SIGPIPE — except that a spawned
        // step always gets SIGINT and SIGQUIT at their default (a background job inherits them ignored; cancelling is
        // SIGINT first), and never glibc's internal signals 32 and 33, which a bare posix_spawn leaves ignored.
        const string Probe = "grep -E '^Sig(Blk|Ign)' /proc/self/status";
        var lines = new List<string>();
        await Run(Bash(Probe), lines.Add, spawn);
        Assert.Contains("SigBlk:\t0000000000000000", lines);

        var reference = new System.Diagnostics.ProcessStartInfo("/bin/bash", ["-c", Probe]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(reference)!;
        var expected = (await process.StandardOutput.ReadToEndAsync(Ct)).Split('\n');
        await process.WaitForExitAsync(Ct);
        const ulong IntAndQuit = (1UL << 1) | (1UL << 2);
        Assert.Equal(IgnoredMask(expected) & (spawn ? ~IntAndQuit : ~0UL), IgnoredMask(lines));
        Assert.Equal(0UL, IgnoredMask(lines) & (3UL << 31)); // 32 and 33
    }

    private static ulong IgnoredMask(IEnumerable<string> status) => ulong.Parse(
        status.Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
