using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Catalytic.Edge.Transport;

/// <summary>The libc socket calls the edge's event loops make (Linux only; epoll itself is <c>Catalytic.Platform.Linux.Epoll</c>).</summary>
internal static unsafe partial class Native
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EINPROGRESS = 115;

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

    public static void SetNoDelay(int fd)
    {
        var one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (byte*)&one, sizeof(int));
    }
}
