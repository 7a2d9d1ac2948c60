using System.ComponentModel;
using System.Runtime.InteropServices;
using Catalytic.Platform.Linux;

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
/// Signals: the child gets an empty signal mask; handlers reset to default on exec and ignored signals stay ignored
/// (SIGPIPE, as the runtime leaves it), exactly what <c>Process.Start</c> gives its children. Linux only; see
/// <see cref="IsSupported"/> for when <see cref="HostProcess"/> starts steps through <c>Process</c> instead.
/// </remarks>
internal sealed unsafe partial class SpawnedProcess
{
    private const int PosixSpawnSetSigDef = 0x04;
    private const int PosixSpawnSetSigMask = 0x08;
    private const int PosixSpawnSetSid = 0x80;
    private const int OCloExec = 0x80000;
    private const int EIntr = 4;
    private const int ENoEnt = 2;
    private const int WNoHang = 1;

    // glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336 and sigset_t 128 on 64-bit Linux;
    // the buffers are larger so no layout detail matters.
    private const int OpaqueSize = 1024;

    private static readonly Lazy<bool> Supported = new(Probe);

    // Read once: nothing in this process ignores a signal after the runtime has started.
    private static readonly Lazy<ulong> IgnoredAtStart = new(IgnoredSignals);

    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string> _onLine;
    private int _stdout;
    private int _stderr;
    private int _pidfd;

    private SpawnedProcess(int pid, int stdout, int stderr, int pidfd, Action<string> onLine)
    {
        Id = pid;
        _stdout = stdout;
        _stderr = stderr;
        _pidfd = pidfd;
        _onLine = onLine;
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

    /// <summary>Starts <paramref name="spec"/>; <paramref name="onLine"/> is called for each line of stdout and stderr, never concurrently.</summary>
    /// <exception cref="Win32Exception">The program could not be started (not found, not executable, no such directory).</exception>
    public static SpawnedProcess Start(ProcessSpec spec, Action<string> onLine)
    {
        // As `setsid PROGRAM` resolved it before: through the step's own PATH.
        var program = spec.FileName.Contains('/', StringComparison.Ordinal)
            ? spec.FileName
            : Programs.FindOnPath(spec.FileName, spec.Environment.GetValueOrDefault("PATH") ?? "")
              ?? throw new Win32Exception(ENoEnt, $"cannot start '{spec.FileName}': not found on the step's PATH");

        var stdin = stackalloc int[2] { -1, -1 };
        var stdout = stackalloc int[2] { -1, -1 };
        var stderr = stackalloc int[2] { -1, -1 };
        var fileActions = NativeMemory.AllocZeroed(OpaqueSize);
        var attributes = NativeMemory.AllocZeroed(OpaqueSize);
        var signalMask = NativeMemory.AllocZeroed(OpaqueSize);
        var defaults = NativeMemory.AllocZeroed(OpaqueSize);
        var strings = new List<IntPtr>();
        IntPtr* argv = null;
        IntPtr* envp = null;
        var actionsReady = false;
        var attributesReady = false;
        int pid;
        try
        {
            Check(Pipe2(stdin, OCloExec) == 0 && Pipe2(stdout, OCloExec) == 0 && Pipe2(stderr, OCloExec) == 0 ? 0 : Marshal.GetLastPInvokeError());
            Check(FileActionsInit(fileActions));
            actionsReady = true;
            Check(FileActionsAddDup2(fileActions, stdin[0], 0));
            Check(FileActionsAddDup2(fileActions, stdout[1], 1));
            Check(FileActionsAddDup2(fileActions, stderr[1], 2));
            Check(FileActionsAddChdir(fileActions, spec.WorkingDirectory));
            Check(AttrInit(attributes));
            attributesReady = true;
            Check(SigEmptySet(signalMask) == 0 ? 0 : Marshal.GetLastPInvokeError());
            Check(AttrSetSigMask(attributes, signalMask));

            // Every signal this process does not ignore starts at its default in the child. Without that, glibc leaves its
            // internal signals (32, 33) ignored there; with it the child's dispositions are the ones Process.Start gives.
            // sigset_t is an array of unsigned longs, signal s at bit s - 1: sigaddset refuses the internal ones.
            *(ulong*)defaults = ~IgnoredAtStart.Value;
            Check(AttrSetSigDefault(attributes, defaults));
            Check(AttrSetFlags(attributes, PosixSpawnSetSid | PosixSpawnSetSigMask | PosixSpawnSetSigDef));

            argv = NullTerminated([spec.ArgumentZero ?? spec.FileName, .. spec.Arguments], strings);
            envp = NullTerminated([.. spec.Environment.Select(kv => kv.Key + "=" + kv.Value)], strings);
            var error = Spawn(out pid, program, fileActions, attributes, argv, envp);
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
                _ = FileActionsDestroy(fileActions);
            }

            if (attributesReady)
            {
                _ = AttrDestroy(attributes);
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

        var pidfd = PidfdOpen(pid, 0);
        if (pidfd < 0)
        {
            // Started but impossible to watch (out of file descriptors): end it rather than lose track of it.
            var error = Marshal.GetLastPInvokeError();
            ProcessGroups.Signal(pid, ProcessGroups.SigKill);
            _ = WaitPid(pid, out _, 0);
            CloseFd(stdout[0]);
            CloseFd(stderr[0]);
            throw new Win32Exception(error, $"cannot watch '{spec.FileName}': {Marshal.GetPInvokeErrorMessage(error)}");
        }

        var process = new SpawnedProcess(pid, stdout[0], stderr[0], pidfd, onLine);
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
                count = Read(fd, p, (nuint)buffer.Length);
            }
            while (count < 0 && Marshal.GetLastPInvokeError() == EIntr);
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
            result = WaitPid(Id, out status, WNoHang);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == EIntr);

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
        try
        {
            _onLine(line);
        }
        catch (Exception)
        {
            // A consumer that cannot take a line (its log gone) must not stop the pipe being drained: the step would block.
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
            _ = Close(fd);
        }
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessId == 1 || SigchldIgnored())
        {
            return false;
        }

        try
        {
            // Every entry point resolves (glibc 2.29+ for addchdir_np), and the kernel has pidfds (5.3+).
            var self = PidfdOpen(Environment.ProcessId, 0);
            if (self < 0)
            {
                return false;
            }

            _ = Close(self);
            var actions = NativeMemory.AllocZeroed(OpaqueSize);
            try
            {
                var ok = FileActionsInit(actions) == 0 && FileActionsAddChdir(actions, "/") == 0;
                _ = FileActionsDestroy(actions);
                return ok;
            }
            finally
            {
                NativeMemory.Free(actions);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
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

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static partial int Spawn(out int pid, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, void* fileActions, void* attributes, IntPtr* argv, IntPtr* envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    private static partial int FileActionsAddChdir(void* actions, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int AttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int AttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int AttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int AttrSetSigMask(void* attributes, void* mask);

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    private static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int PidfdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, out int status, int options);
}
