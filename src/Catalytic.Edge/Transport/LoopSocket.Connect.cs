using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Catalytic.Platform.Linux;

namespace Catalytic.Edge.Transport;

internal sealed partial class LoopSocket
{
    /// <summary>
    /// Connects to <paramref name="endPoint"/> (an IP address) on the calling loop (or the next one, from elsewhere);
    /// fails after <paramref name="timeout"/> on <paramref name="time"/>'s clock.
    /// </summary>
    public static async ValueTask<LoopSocket> ConnectAsync(IPEndPoint endPoint, TimeSpan timeout, TimeProvider time)
    {
        var family = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? Sockets.AfInet6 : Sockets.AfInet;
        var fd = Sockets.Create(family, Sockets.SockStream | Sockets.SockNonBlock | Sockets.SockCloExec, 0);
        if (fd < 0)
        {
            throw Sockets.Error(Errno.Last);
        }

        Sockets.SetNoDelay(fd);
        // Registered after connect(): a socket that is not connecting yet reports a hang-up.
        var errno = StartConnect(fd, endPoint);
        if (errno is not 0 and not Errno.EINPROGRESS)
        {
            Descriptors.Close(fd);
            throw Sockets.Error(errno);
        }

        var socket = new LoopSocket(fd, EventLoop.Current ?? EventLoop.Next());
        if (errno == Errno.EINPROGRESS)
        {
            socket._flags &= ~Flags.WriteReady;
        }

        try
        {
            socket._id = socket._loop.Register(fd, socket, Epoll.In | Epoll.Out | Epoll.RdHup);
        }
        catch (IOException)
        {
            Descriptors.Close(fd);
            throw new SocketException((int)SocketError.SocketError);
        }

        if (errno == Errno.EINPROGRESS)
        {
            using (time.CreateTimer(static s => ((LoopSocket)s!).Close(), socket, timeout, Timeout.InfiniteTimeSpan))
            {
                try
                {
                    await socket.WaitWritableAsync();
                }
                catch (SocketException)
                {
                    // Closed by the timer: reported as a time-out below.
                }
            }

            if (socket.IsClosed)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }

            var error = Sockets.PendingError(socket._fd);
            if (error != 0)
            {
                socket.Close();
                throw Sockets.Error(error);
            }
        }

        return socket;
    }

    private ValueTask WaitWritableAsync()
    {
        lock (_gate)
        {
            if ((_flags & (Flags.WriteReady | Flags.Closed)) != 0)
            {
                return ValueTask.CompletedTask;
            }

            _send.Reset();
            _sendData = default;
            _flags |= Flags.SendParked;
            return new ValueTask(_send, _send.Version);
        }
    }

    private static unsafe int StartConnect(int fd, IPEndPoint endPoint)
    {
        var address = stackalloc byte[Sockets.MaxAddressLength];
        var length = Encode(endPoint, address);
        return Sockets.Connect(fd, address, length) == 0 ? 0 : Errno.Last;
    }

    private static unsafe int Encode(IPEndPoint endPoint, byte* destination)
    {
        new Span<byte>(destination, Sockets.MaxAddressLength).Clear();
        var port = (ushort)endPoint.Port;
        destination[2] = (byte)(port >> 8);
        destination[3] = (byte)port;
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            *(ushort*)destination = Sockets.AfInet6;
            endPoint.Address.TryWriteBytes(new Span<byte>(destination + 8, 16), out _);
            *(uint*)(destination + 24) = (uint)endPoint.Address.ScopeId;
            return 28;
        }

        *(ushort*)destination = Sockets.AfInet;
        endPoint.Address.TryWriteBytes(new Span<byte>(destination + 4, 4), out _);
        return 16;
    }

    /// <summary>Reads a socket address as accept4 filled it (IPv4 or IPv6), or null for another family.</summary>
    internal static unsafe IPEndPoint? Decode(byte* address)
    {
        var family = *(ushort*)address;
        var port = (address[2] << 8) | address[3];
        return family switch
        {
            Sockets.AfInet => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(address + 4, 4)), port),
            Sockets.AfInet6 => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(address + 8, 16), *(uint*)(address + 24)), port),
            _ => null,
        };
    }

    /// <summary>The parked receive or send: a reusable value-task source whose continuation runs inline, on the loop.</summary>
    private sealed class Operation : IValueTaskSource<int>, IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<int> _core;

        public short Version => _core.Version;

        public void Reset() => _core.Reset();

        public void Finish(int result, Exception? error)
        {
            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }

        public int GetResult(short token) => _core.GetResult(token);

        void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
