using System.ComponentModel;
using System.Runtime.InteropServices;
using Catalytic.Platform.Linux;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Processes;

/// <summary>
/// A step process started with glibc's <c>posix_spawn</c> as the leader of a new session (<c>POSIX_SPAWN_SETSID</c>),
/// so its whole tree can be signalled as one process group without a <c>setsid</c> program exec'd in between, and
/// with pipes of our own. The <see cref="ProcessWatcher"/> thread waits on its stdout, its stderr and a pidfd: lines are
/// delivered from there as they arrive, the exit is noticed the moment it happens and the process reaped there
/// (<c>System.Diagnostics.Process</c> reaps only the children it started, so it leaves this one alone), and no
/// thread-pool thread ever blocks on a pipe.
/// </summary>
/// <remarks>
/// Signals: the child gets an empty signal mask; handlers reset to default on exec and signals this process ignores
/// stay ignored (SIGPIPE, as the runtime leaves it; SIGHUP under nohup), as <c>Process.Start</c> gives its children —
/// except SIGINT and SIGQUIT, which a step always gets at their default. A shell without job control starts its
/// background commands (<c>catalytic run … &amp;</c> in a script) with those two ignored (POSIX, "Asynchronous
/// Lists"); inherited, they would make every step deaf to the runner's cancellation, which is SIGINT first (a bash
/// step cannot even trap a signal it started with ignored), leaving only the SIGKILL after the grace. Linux only; see
/// <see cref="IsSupported"/> for when <see cref="HostProcess"/> starts steps through <c>Process</c> instead (which
/// keeps what it inherited).
/// </remarks>
internal sealed unsafe class SpawnedProcess
{
    /// <summary>SIGINT (2) and SIGQUIT (3) in a sigset_t (signal s at bit s - 1): always default in a step.</summary>
    internal const ulong InterruptSignals = (1UL << 1) | (1UL << 2);

    private static readonly Lazy<bool> Supported = new(Probe);

    // Read once: nothing in this process ignores a signal after the runtime has started.
    private static readonly Lazy<ulong> IgnoredAtStart = new(IgnoredSignals);

    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string> _onLine;
    private readonly ILogger _log;
    private readonly string _program;
    private long _lines;
    private int _stdout;
    private int _stderr;
    private int _pidfd;

    private SpawnedProcess(int pid, int stdout, int stderr, int pidfd, Action<string> onLine, ILogger log, string program)
    {
        Id = pid;
        _stdout = stdout;
        _stderr = stderr;
        _pidfd = pidfd;
        _onLine = onLine;
        _log = log;
        _program = program;
    }

    /// <summary>
    /// True where steps can be spawned this way: Linux with pidfds (5.3+) and glibc's <c>posix_spawn</c> extensions,
    /// and this process is not one that must reap every child it has — as pid 1 (a container's entry point) or with
    /// SIGCHLD ignored, the runtime reaps all exited children, which would race with ours for the exit status.
    /// </summary>
    public static bool IsSupported => Supported.Value;

    /// <summary>The process id, which is also its process group and session id.</summary>
    public int Id { get; }

    /// <summary>Completes with the exit code (128 + the signal for a process ended by a signal) once it is reaped.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Completes when both output pipes reached their end (every process holding them has gone).</summary>
    public Task Drained => _drained.Task;

    /// <summary>
    /// Starts <paramref name="spec"/>; <paramref name="onLine"/> is called for each line of stdout and stderr, never
    /// concurrently. A line <paramref name="onLine"/> throws on is logged as lost to <paramref name="log"/>.
    /// </summary>
    /// <exception cref="Win32Exception">The program could not be started (not found, not executable, no such directory).</exception>
    public static SpawnedProcess Start(ProcessSpec spec, Action<string> onLine, ILogger log)
    {
        // As `setsid PROGRAM` resolved it before: through the step's own PATH.
        var program = spec.FileName.Contains('/', StringComparison.Ordinal)
            ? spec.FileName
            : Programs.FindOnPath(spec.FileName, spec.Environment.GetValueOrDefault("PATH") ?? "")
              ?? throw new Win32Exception(Errno.ENOENT, $"cannot start '{spec.FileName}': not found on the step's PATH");

        var stdin = stackalloc int[2] { -1, -1 };
        var stdout = stackalloc int[2] { -1, -1 };
        var stderr = stackalloc int[2] { -1, -1 };
        var fileActions = NativeMemory.AllocZeroed(Spawn.OpaqueSize);
        var attributes = NativeMemory.AllocZeroed(Spawn.OpaqueSize);
        var signalMask = NativeMemory.AllocZeroed(Spawn.OpaqueSize);
        var defaults = NativeMemory.AllocZeroed(Spawn.OpaqueSize);
        var strings = new List<IntPtr>();
        IntPtr* argv = null;
        IntPtr* envp = null;
        var actionsReady = false;
        var attributesReady = false;
        int pid;
        try
        {
            Check(Spawn.Pipe2(stdin, Spawn.CloseOnExec) == 0 && Spawn.Pipe2(stdout, Spawn.CloseOnExec) == 0 && Spawn.Pipe2(stderr, Spawn.CloseOnExec) == 0 ? 0 : Errno.Last);
            Check(Spawn.FileActionsInit(fileActions));
            actionsReady = true;
            Check(Spawn.FileActionsAddDup2(fileActions, stdin[0], 0));
            Check(Spawn.FileActionsAddDup2(fileActions, stdout[1], 1));
            Check(Spawn.FileActionsAddDup2(fileActions, stderr[1], 2));
            Check(Spawn.FileActionsAddChdir(fileActions, spec.WorkingDirectory));
            Check(Spawn.AttrInit(attributes));
            attributesReady = true;
            Check(Spawn.SigEmptySet(signalMask) == 0 ? 0 : Errno.Last);
            Check(Spawn.AttrSetSigMask(attributes, signalMask));

            // Every signal this process does not ignore starts at its default in the child, and SIGINT and SIGQUIT always
            // do (see the remarks). Without that, glibc leaves its internal signals (32, 33) ignored there. sigset_t is an
            // array of unsigned longs, signal s at bit s - 1: sigaddset refuses the internal ones.
            *(ulong*)defaults = ~(IgnoredAtStart.Value & ~InterruptSignals);
            Check(Spawn.AttrSetSigDefault(attributes, defaults));
            Check(Spawn.AttrSetFlags(attributes, Spawn.SetSid | Spawn.SetSigMask | Spawn.SetSigDefault));

            argv = NullTerminated([spec.ArgumentZero ?? spec.FileName, .. spec.Arguments], strings);
            envp = NullTerminated([.. spec.Environment.Select(kv => kv.Key + "=" + kv.Value)], strings);
            var error = Spawn.Start(out pid, program, fileActions, attributes, argv, envp);
            if (error != 0)
            {
                throw new Win32Exception(error, $"cannot start '{spec.FileName}' in '{spec.WorkingDirectory}': {Marshal.GetPInvokeErrorMessage(error)}");
            }
        }
        catch
        {
            CloseFd(stdout[0]);
            CloseFd(stderr[0]);
            throw;
        }
        finally
        {
            // The child's ends live on in the child only; stdin's write end closes now, so the step reads end-of-file.
            CloseFd(stdin[0]);
            CloseFd(stdin[1]);
            CloseFd(stdout[1]);
            CloseFd(stderr[1]);
            if (actionsReady)
            {
                _ = Spawn.FileActionsDestroy(fileActions);
            }

            if (attributesReady)
            {
                _ = Spawn.AttrDestroy(attributes);
            }

            NativeMemory.Free(fileActions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(signalMask);
            NativeMemory.Free(defaults);
            NativeMemory.Free(argv);
            NativeMemory.Free(envp);
            foreach (var s in strings)
            {
                Marshal.FreeCoTaskMem(s);
            }
        }

        var pidfd = Spawn.PidfdOpen(pid, 0);
        if (pidfd < 0)
        {
            // Started but impossible to watch (out of file descriptors): end it rather than lose track of it.
            var error = Errno.Last;
            ProcessGroups.Signal(pid, ProcessGroups.SigKill);
            _ = Spawn.WaitPid(pid, out _, 0);
            CloseFd(stdout[0]);
            CloseFd(stderr[0]);
            throw new Win32Exception(error, $"cannot watch '{spec.FileName}': {Marshal.GetPInvokeErrorMessage(error)}");
        }

        var process = new SpawnedProcess(pid, stdout[0], stderr[0], pidfd, onLine, log, spec.FileName);
        process.Watch();
        return process;
    }

    private void Watch()
    {
        var outLines = new LineSplitter(Deliver);
        var errLines = new LineSplitter(Deliver);
        ProcessWatcher.Watch(_stdout, (token, buffer) => OnOutput(ref _stdout, token, outLines, buffer));
        ProcessWatcher.Watch(_stderr, (token, buffer) => OnOutput(ref _stderr, token, errLines, buffer));
        ProcessWatcher.Watch(_pidfd, (token, _) =>
        {
            ProcessWatcher.Unwatch(token, _pidfd);
            CloseFd(_pidfd);
            _pidfd = -1;
            _exited.TrySetResult(WaitExit());
        });
    }

    /// <summary>On the watcher thread: reads what is there, or at the end of the stream stops watching it.</summary>
    private void OnOutput(ref int fd, ulong token, LineSplitter lines, byte[] buffer)
    {
        nint count;
        fixed (byte* p = buffer)
        {
            do
            {
                count = Descriptors.Read(fd, p, (nuint)buffer.Length);
            }
            while (count < 0 && Errno.Last == Errno.EINTR);
        }

        if (count > 0)
        {
            lines.Feed(buffer.AsSpan(0, (int)count));
            return;
        }

        lines.Finish();
        ProcessWatcher.Unwatch(token, fd);
        CloseFd(fd);
        fd = -1;
        if (_stdout < 0 && _stderr < 0)
        {
            _drained.TrySetResult();
        }
    }

    private int WaitExit()
    {
        int result;
        int status;
        do
        {
            result = Spawn.WaitPid(Id, out status, Spawn.NoHang);
        }
        while (result < 0 && Errno.Last == Errno.EINTR);

        if (result != Id)
        {
            // Reaped elsewhere, which IsSupported rules out; an exit status nobody can know is not a success.
            return -1;
        }

        var signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    private void Deliver(string line)
    {
        var number = ++_lines;
        try
        {
            _onLine(line);
        }
        catch (Exception e)
        {
            // A consumer that cannot take a line (its log gone) must not stop the pipe being drained (the step would
            // block) nor the watcher thread (every step would): the line is lost, and the log says which and why. Its
            // text is not logged: it has not passed the secret masker.
            RunnerLog.LineLost(_log, _program, number, line.Length, e);
        }
    }

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new Win32Exception(error, $"cannot start a step: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    private static IntPtr* NullTerminated(string[] values, List<IntPtr> strings)
    {
        var array = (IntPtr*)NativeMemory.AllocZeroed((nuint)(values.Length + 1), (nuint)sizeof(IntPtr));
        for (var i = 0; i < values.Length; i++)
        {
            array[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            strings.Add(array[i]);
        }

        return array;
    }

    private static void CloseFd(int fd)
    {
        if (fd >= 0)
        {
            _ = Descriptors.Close(fd);
        }
    }

    /// <summary>Why steps cannot be spawned here (null when they can): logged by <see cref="HostProcess"/> when it falls back.</summary>
    public static string? WhyNotSupported => Supported.Value ? null : _whyNot;

    private static string? _whyNot;

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessId == 1 || SigchldIgnored())
        {
            _whyNot = !OperatingSystem.IsLinux() ? "not Linux" : Environment.ProcessId == 1 ? "this process is pid 1, which reaps every child" : "SIGCHLD is ignored, so the runtime reaps every child";
            return false;
        }

        try
        {
            // Every entry point resolves (glibc 2.29+ for addchdir_np), and the kernel has pidfds (5.3+).
            var self = Spawn.PidfdOpen(Environment.ProcessId, 0);
            if (self < 0)
            {
                _whyNot = $"pidfd_open failed (errno {Errno.Last}): the kernel is older than 5.3";
                return false;
            }

            _ = Descriptors.Close(self);
            var actions = NativeMemory.AllocZeroed(Spawn.OpaqueSize);
            try
            {
                var ok = Spawn.FileActionsInit(actions) == 0 && Spawn.FileActionsAddChdir(actions, "/") == 0;
                _ = Spawn.FileActionsDestroy(actions);
                _whyNot = ok ? null : "posix_spawn_file_actions_addchdir_np failed";
                return ok;
            }
            finally
            {
                NativeMemory.Free(actions);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not swallowed: the reason is logged (RunnerLog.SpawnUnavailable) each time a step falls back.
            _whyNot = $"the C library lacks posix_spawn's extensions (glibc 2.29+): {e.Message}";
            return false;
        }
    }

    private static bool SigchldIgnored() => (IgnoredSignals() & (1UL << 16)) != 0; // SIGCHLD is 17

    /// <summary>The signals this process ignores, bit (signal - 1) for signals 1 to 64 (SigIgn in /proc/self/status).</summary>
    internal static ulong IgnoredSignals()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                return ulong.TryParse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, null, out var mask) ? mask : 0;
            }
        }

        return 0;
    }
}
