using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Catalytic.Platform.Linux;

namespace Catalytic.Edge.Transport;

/// <summary>
/// A non-blocking TCP socket on an <see cref="EventLoop"/>. Receives and sends are tried right away when the socket is
/// known to be ready, and otherwise parked until the loop sees it become ready; their continuations then run on the
/// loop thread. Like nginx, a read that returns less than asked for marks the socket drained, so the next receive
/// waits for readiness instead of costing a failing recv call (a hang-up or error keeps it readable for good).
/// Thread-safe: operations may start on any thread; at most one receive and one send are pending at a time.
/// </summary>
internal sealed class LoopSocket : IEventHandler
{
    private readonly object _gate = new();
    private readonly EventLoop _loop;
    private readonly Operation _receive = new();
    private readonly Operation _send = new();
    private int _fd;
    private long _id;
    private bool _readReady = true;
    private bool _writeReady = true;
    private bool _readEnded;
    private int _readSeq;
    private int _writeSeq;
    private bool _closed;
    private int _busy;
    private Memory<byte> _receiveBuffer;
    private ReadOnlyMemory<byte> _sendData;
    private bool _receiveParked;
    private bool _receiveCancelled;
    private bool _sendParked;

    private LoopSocket(int fd, EventLoop loop)
    {
        _fd = fd;
        _loop = loop;
    }

    /// <summary>What <see cref="ReceiveAsync"/> returns for a receive ended by <see cref="CancelReceive"/>.</summary>
    public const int Cancelled = -1;

    /// <summary>The loop the socket's events arrive on.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Takes over an accepted, non-blocking descriptor and registers it with <paramref name="loop"/>.</summary>
    public static LoopSocket Adopt(int fd, EventLoop loop)
    {
        var socket = new LoopSocket(fd, loop);
        socket._id = loop.Register(fd, socket, Epoll.In | Epoll.Out | Epoll.RdHup);
        return socket;
    }

    /// <summary>
    /// Connects to <paramref name="endPoint"/> (an IP address) on the calling loop (or the next one, from elsewhere);
    /// fails after <paramref name="timeout"/>.
    /// </summary>
    public static async ValueTask<LoopSocket> ConnectAsync(IPEndPoint endPoint, TimeSpan timeout)
    {
        var family = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? Native.AF_INET6 : Native.AF_INET;
        var fd = Native.socket(family, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Native.Error(Native.Errno);
        }

        Native.SetNoDelay(fd);
        // Registered after connect(): a socket that is not connecting yet reports a hang-up.
        var errno = StartConnect(fd, endPoint);
        if (errno is not 0 and not Native.EINPROGRESS)
        {
            Native.close(fd);
            throw Native.Error(errno);
        }

        var socket = new LoopSocket(fd, EventLoop.Current ?? EventLoop.Next());
        if (errno == Native.EINPROGRESS)
        {
            socket._writeReady = false;
        }

        try
        {
            socket._id = socket._loop.Register(fd, socket, Epoll.In | Epoll.Out | Epoll.RdHup);
        }
        catch (IOException)
        {
            Native.close(fd);
            throw new SocketException((int)SocketError.SocketError);
        }

        if (errno == Native.EINPROGRESS)
        {
            using (new Timer(static s => ((LoopSocket)s!).Close(), socket, timeout, Timeout.InfiniteTimeSpan))
            {
                try
                {
                    await socket.WaitWritableAsync();
                }
                catch (SocketException)
                {
                }
            }

            if (socket.IsClosed)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }

            if (!socket.ConnectSucceeded(out var error))
            {
                socket.Close();
                throw Native.Error(error);
            }
        }

        return socket;
    }

    private bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    private unsafe bool ConnectSucceeded(out int error)
    {
        error = 0;
        var size = sizeof(int);
        int result;
        fixed (int* e = &error)
        {
            result = Native.getsockopt(_fd, Native.SOL_SOCKET, Native.SO_ERROR, (byte*)e, &size);
        }

        if (result != 0)
        {
            error = Native.Errno;
        }

        return result == 0 && error == 0;
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/>: the byte count, 0 at the end of the stream or once the socket is closed,
    /// <see cref="Cancelled"/> after <see cref="CancelReceive"/>. A socket error throws <see cref="SocketException"/>.
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        var done = TryReceive(buffer, retry: false, out var n, out var error);
        return !done ? new ValueTask<int>(_receive, _receive.Version)
            : error is null ? new ValueTask<int>(n) : ValueTask.FromException<int>(error);
    }

    /// <summary>
    /// Ends the pending receive with <see cref="Cancelled"/>, or the next one when none is pending (thread-safe): what
    /// <c>PipeReader.CancelPendingRead</c> needs from a reader that receives straight from the socket.
    /// </summary>
    public void CancelReceive()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            if (!_receiveParked)
            {
                _receiveCancelled = true;
                return;
            }

            _receiveParked = false;
            _receiveBuffer = default;
        }

        _receive.Finish(Cancelled, null);
    }

    /// <summary>Sends all of <paramref name="data"/>; a socket error (the peer left) throws <see cref="SocketException"/>.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        var done = TrySend(data, retry: false, out var error);
        return !done ? new ValueTask(_send, _send.Version)
            : error is null ? ValueTask.CompletedTask : ValueTask.FromException(error);
    }

    /// <summary>
    /// Receives now if the socket may have data; otherwise parks the receive (false) for <see cref="OnEvents"/> to
    /// retry. A retry (from the loop) parks again without resetting the operation its caller awaits.
    /// </summary>
    private bool TryReceive(Memory<byte> buffer, bool retry, out int received, out Exception? error)
    {
        error = null;
        received = 0;
        while (true)
        {
            int seq;
            lock (_gate)
            {
                if (_closed)
                {
                    return true;
                }

                if (_receiveCancelled)
                {
                    _receiveCancelled = false;
                    received = Cancelled;
                    return true;
                }

                if (!_readReady)
                {
                    if (!retry)
                    {
                        _receive.Reset();
                    }

                    _receiveBuffer = buffer;
                    _receiveParked = true;
                    return false;
                }

                seq = _readSeq;
                _busy++;
            }

            nint n;
            int errno;
            try
            {
                n = Recv(buffer.Span, out errno);
            }
            finally
            {
                Release();
            }

            if (n >= 0)
            {
                if (n > 0 && n < buffer.Length)
                {
                    ReadDrained(seq);
                }

                received = (int)n;
                return true;
            }

            if (errno == Native.EAGAIN)
            {
                ReadDrained(seq);
            }
            else if (errno != Native.EINTR)
            {
                error = Native.Error(errno);
                return true;
            }
        }
    }

    private bool TrySend(ReadOnlyMemory<byte> data, bool retry, out Exception? error)
    {
        error = null;
        while (!data.IsEmpty)
        {
            int seq;
            lock (_gate)
            {
                if (_closed)
                {
                    error = new SocketException((int)SocketError.OperationAborted);
                    return true;
                }

                if (!_writeReady)
                {
                    if (!retry)
                    {
                        _send.Reset();
                    }

                    _sendData = data;
                    _sendParked = true;
                    return false;
                }

                seq = _writeSeq;
                _busy++;
            }

            nint n;
            int errno;
            try
            {
                n = Send(data.Span, out errno);
            }
            finally
            {
                Release();
            }

            if (n >= 0)
            {
                data = data[(int)n..];
            }
            else if (errno == Native.EAGAIN)
            {
                lock (_gate)
                {
                    if (seq == _writeSeq)
                    {
                        _writeReady = false;
                    }
                }
            }
            else if (errno != Native.EINTR)
            {
                error = Native.Error(errno);
                return true;
            }
        }

        return true;
    }

    /// <summary>
    /// Closes the socket from any thread (idempotent). Pending and later operations end: a receive with 0, a send with
    /// an error; the descriptor is closed once no call is using it.
    /// </summary>
    public void Close()
    {
        bool receiveParked, sendParked;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            receiveParked = _receiveParked;
            sendParked = _sendParked;
            _receiveParked = _sendParked = false;
            _receiveBuffer = default;
            _sendData = default;
            // Wakes a peer blocked on us and ends in-flight calls on other threads; the descriptor itself is closed
            // when the last of them has returned, so its number cannot be reused under them.
            Native.shutdown(_fd, Native.SHUT_RDWR);
            _loop.Unregister(_id, -1);
            if (_busy == 0)
            {
                CloseDescriptor();
            }
        }

        if (receiveParked)
        {
            _receive.Finish(0, null);
        }

        if (sendParked)
        {
            _send.Finish(0, new SocketException((int)SocketError.OperationAborted));
        }
    }

    /// <inheritdoc />
    public void OnEvents(uint events)
    {
        var readable = (events & (Epoll.In | Epoll.RdHup | Epoll.Hup | Epoll.Err)) != 0;
        var writable = (events & (Epoll.Out | Epoll.Hup | Epoll.Err)) != 0;
        Memory<byte> receiveInto = default;
        ReadOnlyMemory<byte> sendData = default;
        bool receive = false, send = false;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            if (readable)
            {
                _readReady = true;
                _readSeq++;
                if ((events & (Epoll.RdHup | Epoll.Hup | Epoll.Err)) != 0)
                {
                    _readEnded = true;
                }

                if (_receiveParked)
                {
                    _receiveParked = false;
                    receive = true;
                    receiveInto = _receiveBuffer;
                    _receiveBuffer = default;
                }
            }

            if (writable)
            {
                _writeReady = true;
                _writeSeq++;
                if (_sendParked)
                {
                    _sendParked = false;
                    send = true;
                    sendData = _sendData;
                    _sendData = default;
                }
            }
        }

        if (receive && TryReceive(receiveInto, retry: true, out var n, out var receiveError))
        {
            _receive.Finish(n, receiveError);
        }

        if (send && TrySend(sendData, retry: true, out var sendError))
        {
            _send.Finish(0, sendError);
        }
    }

    private ValueTask WaitWritableAsync()
    {
        lock (_gate)
        {
            if (_writeReady || _closed)
            {
                return ValueTask.CompletedTask;
            }

            _send.Reset();
            _sendData = default;
            _sendParked = true;
            return new ValueTask(_send, _send.Version);
        }
    }

    private void ReadDrained(int seq)
    {
        lock (_gate)
        {
            // Only when no readiness event arrived since the call started; after a hang-up reads never block again.
            if (seq == _readSeq && !_readEnded)
            {
                _readReady = false;
            }
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            if (--_busy == 0 && _closed)
            {
                CloseDescriptor();
            }
        }
    }

    private void CloseDescriptor()
    {
        if (_fd >= 0)
        {
            Native.close(_fd);
            _fd = -1;
        }
    }

    private unsafe nint Recv(Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            var n = Native.recv(_fd, p, buffer.Length, 0);
            errno = n < 0 ? Native.Errno : 0;
            return n;
        }
    }

    private unsafe nint Send(ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* p = data)
        {
            var n = Native.send(_fd, p, data.Length, Native.MSG_NOSIGNAL);
            errno = n < 0 ? Native.Errno : 0;
            return n;
        }
    }

    private unsafe static int StartConnect(int fd, IPEndPoint endPoint)
    {
        var address = stackalloc byte[28];
        var length = Encode(endPoint, address);
        return Native.connect(fd, address, length) == 0 ? 0 : Native.Errno;
    }

    private unsafe static int Encode(IPEndPoint endPoint, byte* destination)
    {
        new Span<byte>(destination, 28).Clear();
        var port = (ushort)endPoint.Port;
        destination[2] = (byte)(port >> 8);
        destination[3] = (byte)port;
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            *(ushort*)destination = Native.AF_INET6;
            endPoint.Address.TryWriteBytes(new Span<byte>(destination + 8, 16), out _);
            *(uint*)(destination + 24) = (uint)endPoint.Address.ScopeId;
            return 28;
        }

        *(ushort*)destination = Native.AF_INET;
        endPoint.Address.TryWriteBytes(new Span<byte>(destination + 4, 4), out _);
        return 16;
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
