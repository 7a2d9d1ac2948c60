using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Catalytic.Edge.Transport;

/// <summary>The libc calls the edge's event loop makes (Linux only: epoll, non-blocking sockets).</summary>
internal static unsafe partial class Native
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EINPROGRESS = 115;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;

    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CLOEXEC = 0x80000;

    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOL_SOCKET = 1;
    public const int SO_ERROR = 4;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int SHUT_RDWR = 2;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes, data at offset 4) and naturally aligned elsewhere
    /// (16 bytes, data at offset 8); events are read and written through these offsets.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EventDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>The event loop runs where epoll exists: Linux.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, byte* addr, int* addrlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, byte* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, byte* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, byte* value, int* length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>A <see cref="SocketException"/> for a Linux errno (SocketException takes the portable codes).</summary>
    public static SocketException Error(int errno) => new((int)(errno switch
    {
        111 => SocketError.ConnectionRefused,
        110 => SocketError.TimedOut,
        104 => SocketError.ConnectionReset,
        32 => SocketError.Shutdown,
        101 => SocketError.NetworkUnreachable,
        113 => SocketError.HostUnreachable,
        103 => SocketError.ConnectionAborted,
        _ => SocketError.SocketError,
    }));

    /// <summary>Writes one epoll_event (events, data) into <paramref name="destination"/>.</summary>
    public static void WriteEvent(byte* destination, uint events, long data)
    {
        *(uint*)destination = events;
        *(long*)(destination + EventDataOffset) = data;
    }

    public static int Control(int epfd, int op, int fd, uint events, long data)
    {
        var ev = stackalloc byte[16];
        WriteEvent(ev, events, data);
        return epoll_ctl(epfd, op, fd, ev);
    }

    public static void SetNoDelay(int fd)
    {
        var one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (byte*)&one, sizeof(int));
    }
}
