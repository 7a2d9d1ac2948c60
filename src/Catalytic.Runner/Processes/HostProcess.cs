using System.Diagnostics;

namespace Catalytic.Runner.Processes;

/// <summary>What to start: a program, its arguments, where, and the complete environment it gets.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment);

/// <summary>How a process ended.</summary>
public readonly record struct ProcessExit(int ExitCode, bool TimedOut, bool Cancelled);

/// <summary>
/// Runs one process in its own process group, pumps its stdout and stderr line by line to a callback,
/// and ends the whole group on timeout or cancellation: SIGINT first, SIGKILL after the grace period.
/// </summary>
public static class HostProcess
{
    /// <summary>
    /// Runs <paramref name="spec"/> to completion. <paramref name="onLine"/> is called for each output line
    /// (never concurrently). Lines written by background children after the main process exited are still
    /// delivered while <paramref name="onLine"/> stays valid; the call itself returns when the main process has
    /// exited and its pipes drained or a short moment passed.
    /// </summary>
    public static async Task<ProcessExit> RunAsync(
        ProcessSpec spec,
        Action<string> onLine,
        TimeSpan? timeout,
        TimeSpan gracePeriod,
        Action<int>? onStarted,
        CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory,
        };
        var setsid = ProcessGroup.Setsid;
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

        using var process = new Process { StartInfo = psi };
        process.Start();
        var pid = process.Id;
        onStarted?.Invoke(pid);
        process.StandardInput.Close();

        var gate = new object();
        void Deliver(string line)
        {
            lock (gate)
            {
                onLine(line);
            }
        }

        var pumps = Task.WhenAll(
            Pump(process.StandardOutput, Deliver),
            Pump(process.StandardError, Deliver));

        using var timeoutCts = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        var exited = process.WaitForExitAsync(CancellationToken.None);
        var timedOut = false;
        var cancelled = false;
        try
        {
            await exited.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            cancelled = !timedOut;
            await StopGroupAsync(process, pid, setsid is not null, gracePeriod);
        }

        // Pipes close when the last holder exits; a daemon started with `&` may hold them for long.
        await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromMilliseconds(timedOut || cancelled ? 500 : 200), CancellationToken.None));
        return new ProcessExit(process.ExitCode, timedOut, cancelled);
    }

    /// <summary>SIGINT to the group, then SIGKILL after <paramref name="grace"/> if anything is left.</summary>
    private static async Task StopGroupAsync(Process process, int pid, bool grouped, TimeSpan grace)
    {
        if (grouped)
        {
            // A step cancelled right after it started may not have called setsid() yet: then there is no group to
            // signal. Keep trying the group while the process lives, so the signal lands once the group exists.
            var delivered = ProcessGroup.Signal(pid, ProcessGroup.SigInt);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < grace && (ProcessGroup.IsAlive(pid) || !process.HasExited))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
                if (!delivered)
                {
                    delivered = ProcessGroup.Signal(pid, ProcessGroup.SigInt);
                }
            }

            ProcessGroup.Signal(pid, ProcessGroup.SigKill);
        }

        if (!process.HasExited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        await process.WaitForExitAsync(CancellationToken.None);
    }

    private static async Task Pump(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            onLine(line);
        }
    }
}
