using System.Runtime.InteropServices;

namespace Catalytic.Platform.Linux;

/// <summary>
/// Starting and reaping a child process without fork in managed code: glibc's <c>posix_spawn</c> with its file actions
/// and attributes, pipes, pidfds and <c>waitpid</c> (the runner's steps, <c>Runner/Processes/SpawnedProcess</c>).
/// </summary>
/// <remarks>
/// glibc's <c>posix_spawn_file_actions_t</c> is 80 bytes, <c>posix_spawnattr_t</c> 336 and <c>sigset_t</c> 128 on
/// 64-bit Linux; callers pass buffers of <see cref="OpaqueSize"/> bytes so no layout detail matters.
/// </remarks>
public static unsafe partial class Spawn
{
    /// <summary>The size of the buffers handed to glibc for its opaque structures (larger than any of them).</summary>
    public const int OpaqueSize = 1024;

    /// <summary>POSIX_SPAWN_SETSIGDEF: reset the signals of <see cref="AttrSetSigDefault"/> to their default in the child.</summary>
    public const short SetSigDefault = 0x04;

    /// <summary>POSIX_SPAWN_SETSIGMASK: the child starts with the mask of <see cref="AttrSetSigMask"/>.</summary>
    public const short SetSigMask = 0x08;

    /// <summary>POSIX_SPAWN_SETSID (glibc 2.26+): the child leads a new session (and process group).</summary>
    public const short SetSid = 0x80;

    /// <summary>O_CLOEXEC for <see cref="Pipe2"/>.</summary>
    public const int CloseOnExec = 0x80000;

    /// <summary>WNOHANG for <see cref="WaitPid"/>.</summary>
    public const int NoHang = 1;

    /// <summary>posix_spawn(3). Returns an error number (not -1 and errno).</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    public static partial int Start(out int pid, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, void* fileActions, void* attributes, IntPtr* argv, IntPtr* envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    /// <summary>posix_spawn_file_actions_addchdir_np (glibc 2.29+).</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    public static partial int FileActionsAddChdir(void* actions, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    public static partial int AttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    public static partial int AttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    public static partial int AttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int AttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int AttrSetSigMask(void* attributes, void* mask);

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    public static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    /// <summary>pidfd_open(2) (Linux 5.3+): a descriptor that becomes readable when the process exits.</summary>
    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    public static partial int PidfdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);
}
