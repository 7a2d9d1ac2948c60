using System.Runtime.InteropServices;

namespace Catalytic.Platform.Linux;

/// <summary>
/// epoll(7), as the edge's event loops and the runner's step watcher use it: one declaration of the calls and of the
/// <c>struct epoll_event</c> layout, which is packed on x86-64 (12 bytes, data at offset 4) and naturally aligned
/// elsewhere (16 bytes, data at offset 8). Events are read and written through <see cref="EventSize"/> and the
/// accessors here, never through a C# struct whose layout would differ by architecture.
/// </summary>
public static unsafe partial class Epoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;
    public const uint RdHup = 0x2000;
    public const uint EdgeTriggered = 1u << 31;

    private const int CtlAdd = 1;
    private const int CtlDel = 2;
    private const int CloExec = 0x80000;

    /// <summary>Bytes of one <c>struct epoll_event</c> on this architecture.</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>epoll exists: Linux.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The errno of the last failed call here.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>A new close-on-exec epoll instance; -1 on failure (see <see cref="LastError"/>).</summary>
    public static int Create() => epoll_create1(CloExec);

    /// <summary>Adds <paramref name="fd"/> for <paramref name="events"/>, tagged with <paramref name="data"/>; 0 or -1.</summary>
    public static int Add(int epoll, int fd, uint events, ulong data) => Control(epoll, CtlAdd, fd, events, data);

    /// <summary>Removes <paramref name="fd"/>; 0 or -1.</summary>
    public static int Remove(int epoll, int fd) => Control(epoll, CtlDel, fd, 0, 0);

    /// <summary>Waits for events into <paramref name="events"/> (room for <paramref name="max"/>); the count, or -1.</summary>
    public static int Wait(int epoll, byte* events, int max, int timeoutMilliseconds) => epoll_wait(epoll, events, max, timeoutMilliseconds);

    /// <summary>The event mask of the <paramref name="index"/>th event in a <see cref="Wait"/> buffer.</summary>
    public static uint Events(byte* events, int index) => *(uint*)(events + (index * EventSize));

    /// <summary>The data tag of the <paramref name="index"/>th event in a <see cref="Wait"/> buffer.</summary>
    public static ulong Data(byte* events, int index) => *(ulong*)(events + (index * EventSize) + DataOffset);

    private static int Control(int epoll, int op, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + DataOffset) = data;
        return epoll_ctl(epoll, op, fd, ev);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);
}
