using System.Runtime.InteropServices;

namespace Catalytic.Platform.Linux;

/// <summary>File-descriptor calls every user of raw descriptors shares (the runner's pipes, the edge's sockets).</summary>
public static unsafe partial class Descriptors
{
    /// <summary>close(2). Not retried on EINTR: on Linux the descriptor is released either way.</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>read(2).</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    /// <summary>write(2).</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);
}
