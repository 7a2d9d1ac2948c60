using System.Diagnostics;
using Catalytic.Platform.Linux;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Runner.Processes;

/// <summary>What to start: a program, its arguments, where, and the complete environment it gets.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>The program's <c>argv[0]</c> when it is not <see cref="FileName"/> (a command as a shell would name it).</summary>
    public string? ArgumentZero { get; init; }
}

/// <summary>How a process ended.</summary>
public readonly record struct ProcessExit(int ExitCode, bool TimedOut, bool Cancelled);

/// <summary>
/// When a step process is ended: after <see cref="Timeout"/> (null: never), and how long it gets between SIGINT and
/// SIGKILL (<see cref="Grace"/>); both measured on <see cref="Time"/>.
/// </summary>
public readonly record struct ProcessLimits(TimeSpan? Timeout, TimeSpan Grace, TimeProvider Time)
{
    /// <summary>Where the runner's diagnostics about the process go (a lost line, a fallback); default nowhere.</summary>
    public ILogger Log { get; init; } = NullLogger.Instance;
}

/// <summary>
/// Runs one process in its own process group, pumps its stdout and stderr line by line to a callback,
/// and ends the whole group on timeout or cancellation: SIGINT first, SIGKILL after the grace period.
/// </summary>
/// <remarks>
/// On Linux the process is spawned directly as a session leader (<see cref="SpawnedProcess"/>); elsewhere, or where
/// that is not safe, through <see cref="Process"/> and the <c>setsid</c> program (<see cref="StartManaged"/>).
/// </remarks>
public static class HostProcess
{
    /// <summary>
    /// Runs <paramref name="spec"/> to completion. <paramref name="onLine"/> is called for each output line
    /// (never concurrently). Lines written by background children after the main process exited are still
    /// delivered while <paramref name="onLine"/> stays valid; the call itself returns when the main process has
    /// exited and its pipes drained or a short moment passed.
    /// </summary>
    public static Task<ProcessExit> RunAsync(
        ProcessSpec spec,
        Action<string> onLine,
        ProcessLimits limits,
        Action<int>? onStarted,
        CancellationToken cancellationToken) =>
        RunAsync(spec, onLine, limits, onStarted, SpawnedProcess.IsSupported, cancellationToken);

    /// <summary>As above; <paramref name="spawn"/> false starts the process through <see cref="Process"/> and <c>setsid</c>.</summary>
    internal static async Task<ProcessExit> RunAsync(
        ProcessSpec spec,
        Action<string> onLine,
        ProcessLimits limits,
        Action<int>? onStarted,
        bool spawn,
        CancellationToken cancellationToken)
    {
        if (!spawn && SpawnedProcess.WhyNotSupported is { } why)
        {
            RunnerLog.SpawnUnavailable(limits.Log, why, null);
        }

        using var process = spawn ? Started.From(SpawnedProcess.Start(spec, onLine, limits.Log)) : StartManaged(spec, onLine, limits.Log);
        onStarted?.Invoke(process.Id);

        using var timeoutCts = limits.Timeout is { } t ? new CancellationTokenSource(t, limits.Time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        var timedOut = false;
        var cancelled = false;
        try
        {
            await process.Exited.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            cancelled = !timedOut;
            await StopGroupAsync(process, limits);
        }

        // Pipes close when the last holder exits; a daemon started with `&` may hold them for long.
        if (!process.Drained.IsCompleted)
        {
            await Task.WhenAny(process.Drained, Task.Delay(TimeSpan.FromMilliseconds(timedOut || cancelled ? 500 : 200), limits.Time, CancellationToken.None));
        }

        return new ProcessExit(await process.Exited, timedOut, cancelled);
    }

    /// <summary>How often a signalled group is looked at until it is gone or its grace is over.</summary>
    private static readonly TimeSpan GroupPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>SIGINT to the group, then SIGKILL after the grace if anything is left.</summary>
    private static async Task StopGroupAsync(Started process, ProcessLimits limits)
    {
        var pid = process.Id;
        if (process.Grouped)
        {
            // The grace starts before the signal, so whoever sees the signal's effect knows the grace is running.
            using var grace = new CancellationTokenSource(limits.Grace, limits.Time);

            // Through setsid, a step cancelled right after it started may not have called setsid() yet: then there is no
            // group to signal. Keep trying the group while the process lives, so the signal lands once the group exists.
            var delivered = ProcessGroups.Signal(pid, ProcessGroups.SigInt);
            while (!grace.IsCancellationRequested)
            {
                // Whether the leader has exited is read once, before the group is looked at, and the wait below follows
                // from that one reading. Reading it again after the probe lost a wake-up: the probe saw the leader still
                // there, the leader went (its SIGINT sent just before) while this thread was preempted, and the wait
                // then was for the next poll alone, so on a clock that stands still (a test's) it never ended.
                var leaderExited = process.Exited.IsCompleted;
                if (leaderExited && !ProcessGroups.IsAlive(pid))
                {
                    break;
                }

                // Wakes at the leader's exit, the next poll or the end of the grace, whichever comes first (the end of the
                // grace is no error): a group that goes with its leader is done at once, whatever the clock does. Only
                // what outlived its leader (seen after the leader's exit) is left to the poll and the grace.
                var poll = Task.Delay(GroupPoll, limits.Time, grace.Token);
                await (leaderExited ? poll : Task.WhenAny(poll, process.Exited)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!delivered)
                {
                    delivered = ProcessGroups.Signal(pid, ProcessGroups.SigInt);
                }
            }

            ProcessGroups.Signal(pid, ProcessGroups.SigKill);
        }

        if (!process.Exited.IsCompleted)
        {
            process.Kill();
        }

        await process.Exited;
    }

    /// <summary>Starts <paramref name="spec"/> through <see cref="Process"/>, in a new session by way of the <c>setsid</c> program when there is one.</summary>
    private static Started StartManaged(ProcessSpec spec, Action<string> onLine, ILogger log)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory,
        };
        var setsid = Programs.Setsid;
        if (setsid is not null)
        {
            psi.FileName = setsid;
            psi.ArgumentList.Add(spec.FileName);
        }
        else
        {
            psi.FileName = spec.FileName;
        }

        foreach (var a in spec.Arguments)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Clear();
        foreach (var (k, v) in spec.Environment)
        {
            psi.Environment[k] = v;
        }

        var process = new Process { StartInfo = psi };
        process.Start();
        process.StandardInput.Close();

        var gate = new object();
        long lines = 0;
        void Deliver(string line)
        {
            lock (gate)
            {
                lines++;
                try
                {
                    onLine(line);
                }
                catch (Exception e)
                {
                    // As SpawnedProcess: the pipes keep being drained, the lost line is logged (without its unmasked text).
                    RunnerLog.LineLost(log, spec.FileName, lines, line.Length, e);
                }
            }
        }

        var pumps = Task.WhenAll(Pump(process.StandardOutput, Deliver), Pump(process.StandardError, Deliver));
        var exited = process.WaitForExitAsync(CancellationToken.None).ContinueWith(_ => process.ExitCode, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new Started(process.Id, setsid is not null, exited, pumps, () =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException e)
            {
                RunnerLog.AlreadyExited(log, process.Id, e);
            }
        }, process);
    }

    private static async Task Pump(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            onLine(line);
        }
    }

    /// <summary>A started step process, whichever way it was started.</summary>
    private sealed record Started(int Id, bool Grouped, Task<int> Exited, Task Drained, Action Kill, IDisposable? Owner) : IDisposable
    {
        public static Started From(SpawnedProcess p) => new(p.Id, true, p.Exited, p.Drained, () => ProcessGroups.Signal(p.Id, ProcessGroups.SigKill), null);

        public void Dispose() => Owner?.Dispose();
    }
}
