using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Catalytic.Platform.Linux;

/// <summary>
/// The libc socket calls the edge's event loops make on non-blocking TCP sockets (Linux numbering of every constant);
/// <c>close</c> is <see cref="Descriptors.Close"/>, errno values are <see cref="Errno"/>.
/// </summary>
public static unsafe partial class Sockets
{
    public const int AfInet = 2;
    public const int AfInet6 = 10;
    public const int SockStream = 1;
    public const int SockNonBlock = 0x800;
    public const int SockCloExec = 0x80000;
    public const int SolSocket = 1;
    public const int SoError = 4;
    public const int IpProtoTcp = 6;
    public const int TcpNoDelay = 1;
    public const int MsgPeek = 0x2;
    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000;
    public const int ShutWrite = 1;
    public const int ShutReadWrite = 2;

    /// <summary>Bytes of the largest socket address the edge handles (<c>sockaddr_in6</c>).</summary>
    public const int MaxAddressLength = 28;

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Receive(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept(int fd, byte* address, int* addressLength, int flags);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Create(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetOption(int fd, int level, int name, byte* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetOption(int fd, int level, int name, byte* value, int* length);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    /// <summary>Turns Nagle's algorithm off: a proxy's small writes (a head, a last chunk) must not wait for an ACK.</summary>
    public static void SetNoDelay(int fd)
    {
        var one = 1;
        SetOption(fd, IpProtoTcp, TcpNoDelay, (byte*)&one, sizeof(int));
    }

    /// <summary>The pending error of a socket (<c>SO_ERROR</c>, what a non-blocking connect ended with); 0 when none.</summary>
    public static int PendingError(int fd)
    {
        var error = 0;
        var size = sizeof(int);
        return GetOption(fd, SolSocket, SoError, (byte*)&error, &size) == 0 ? error : Errno.Last;
    }

    /// <summary>
    /// What an idle connection holds: 0 nothing (the peer is quiet), 1 unread bytes, -1 the peer closed or the socket
    /// failed. One non-blocking <c>recv(MSG_PEEK)</c>: nothing is consumed.
    /// </summary>
    public static int Probe(int fd)
    {
        byte one;
        var n = Receive(fd, &one, 1, MsgPeek | MsgDontWait);
        if (n > 0)
        {
            return 1;
        }

        return n < 0 && Errno.Last is Errno.EAGAIN or Errno.EINTR ? 0 : -1;
    }

    /// <summary>A <see cref="SocketException"/> for a Linux errno (SocketException takes the portable codes).</summary>
    public static SocketException Error(int errno) => new((int)(errno switch
    {
        Errno.ECONNREFUSED => SocketError.ConnectionRefused,
        Errno.ETIMEDOUT => SocketError.TimedOut,
        Errno.ECONNRESET => SocketError.ConnectionReset,
        Errno.EPIPE => SocketError.Shutdown,
        Errno.ENETUNREACH => SocketError.NetworkUnreachable,
        Errno.EHOSTUNREACH => SocketError.HostUnreachable,
        Errno.ECONNABORTED => SocketError.ConnectionAborted,
        _ => SocketError.SocketError,
    }));
}
