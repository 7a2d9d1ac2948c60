using System.Net.Sockets;
using Catalytic.Platform.Linux;

namespace Catalytic.Edge.Transport;

/// <summary>
/// A non-blocking TCP socket on an <see cref="EventLoop"/>. Receives and sends are tried right away when the socket is
/// known to be ready, and otherwise parked until the loop sees it become ready; their continuations then run on the
/// loop thread. Like nginx, a read that returns less than asked for marks the socket drained, so the next receive
/// waits for readiness instead of costing a failing recv call (a hang-up or error keeps it readable for good).
/// Thread-safe: operations may start on any thread; at most one receive and one send are pending at a time.
/// Connecting and the parked operations are in LoopSocket.Connect.cs.
/// </summary>
internal sealed partial class LoopSocket : IEventHandler
{
    private readonly object _gate = new();
    private readonly EventLoop _loop;
    private readonly Operation _receive = new();
    private readonly Operation _send = new();
    private int _fd;
    private long _id;
    private Flags _flags = Flags.ReadReady | Flags.WriteReady;
    private int _readSeq;
    private int _writeSeq;
    private int _busy;
    private Memory<byte> _receiveBuffer;
    private ReadOnlyMemory<byte> _sendData;

    private LoopSocket(int fd, EventLoop loop)
    {
        _fd = fd;
        _loop = loop;
    }

    [Flags]
    private enum Flags
    {
        None = 0,
        ReadReady = 1,
        WriteReady = 2,
        ReadEnded = 4,
        Closed = 8,
        ReceiveParked = 16,
        ReceiveCancelled = 32,
        SendParked = 64,
        SendCancelled = 128,
    }

    /// <summary>What <see cref="ReceiveAsync"/> returns for a receive ended by <see cref="CancelReceive"/>.</summary>
    public const int Cancelled = -1;

    /// <summary>The loop the socket's events arrive on.</summary>
    public EventLoop Loop => _loop;

    /// <summary>A receive is parked, waiting for the socket to become readable (for tests that wait for it).</summary>
    internal bool ReceiveParked => Has(Flags.ReceiveParked);

    /// <summary>A send is parked, waiting for the socket to become writable (for tests that wait for it).</summary>
    internal bool SendParked => Has(Flags.SendParked);

    /// <summary>The loop saw the peer hang up or the socket fail.</summary>
    internal bool ReadEnded => Has(Flags.ReadEnded);

    private bool IsClosed => Has(Flags.Closed);

    /// <summary>Takes over an accepted, non-blocking descriptor and registers it with <paramref name="loop"/>.</summary>
    public static LoopSocket Adopt(int fd, EventLoop loop)
    {
        var socket = new LoopSocket(fd, loop);
        socket._id = loop.Register(fd, socket, Epoll.In | Epoll.Out | Epoll.RdHup);
        return socket;
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
    /// Sends all of <paramref name="data"/>; a socket error (the peer left) throws <see cref="SocketException"/>, a send
    /// ended by <see cref="CancelSend"/> <see cref="OperationCanceledException"/>.
    /// </summary>
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
                if ((_flags & Flags.Closed) != 0)
                {
                    return true;
                }

                if ((_flags & Flags.ReceiveCancelled) != 0)
                {
                    _flags &= ~Flags.ReceiveCancelled;
                    received = Cancelled;
                    return true;
                }

                if ((_flags & Flags.ReadReady) == 0)
                {
                    if (!retry)
                    {
                        _receive.Reset();
                    }

                    _receiveBuffer = buffer;
                    _flags |= Flags.ReceiveParked;
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

            if (errno == Errno.EAGAIN)
            {
                ReadDrained(seq);
            }
            else if (errno != Errno.EINTR)
            {
                error = Sockets.Error(errno);
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
                if ((_flags & Flags.Closed) != 0)
                {
                    error = new SocketException((int)SocketError.OperationAborted);
                    return true;
                }

                if ((_flags & Flags.SendCancelled) != 0)
                {
                    _flags &= ~Flags.SendCancelled;
                    error = new OperationCanceledException("The send was cancelled.");
                    return true;
                }

                if ((_flags & Flags.WriteReady) == 0)
                {
                    if (!retry)
                    {
                        _send.Reset();
                    }

                    _sendData = data;
                    _flags |= Flags.SendParked;
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
            else if (errno == Errno.EAGAIN)
            {
                lock (_gate)
                {
                    if (seq == _writeSeq)
                    {
                        _flags &= ~Flags.WriteReady;
                    }
                }
            }
            else if (errno != Errno.EINTR)
            {
                error = Sockets.Error(errno);
                return true;
            }
        }

        return true;
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
            if ((_flags & Flags.Closed) != 0)
            {
                return;
            }

            if (readable)
            {
                _flags |= Flags.ReadReady;
                _readSeq++;
                if ((events & (Epoll.RdHup | Epoll.Hup | Epoll.Err)) != 0)
                {
                    _flags |= Flags.ReadEnded;
                }

                if ((_flags & Flags.ReceiveParked) != 0)
                {
                    _flags &= ~Flags.ReceiveParked;
                    receive = true;
                    receiveInto = _receiveBuffer;
                    _receiveBuffer = default;
                }
            }

            if (writable)
            {
                _flags |= Flags.WriteReady;
                _writeSeq++;
                if ((_flags & Flags.SendParked) != 0)
                {
                    _flags &= ~Flags.SendParked;
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

    private bool Has(Flags flag)
    {
        lock (_gate)
        {
            return (_flags & flag) != 0;
        }
    }

    private void ReadDrained(int seq)
    {
        lock (_gate)
        {
            // Only when no readiness event arrived since the call started; after a hang-up reads never block again.
            if (seq == _readSeq && (_flags & Flags.ReadEnded) == 0)
            {
                _flags &= ~Flags.ReadReady;
            }
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            if (--_busy == 0 && (_flags & Flags.Closed) != 0)
            {
                CloseDescriptor();
            }
        }
    }

    private void CloseDescriptor()
    {
        if (_fd >= 0)
        {
            Descriptors.Close(_fd);
            _fd = -1;
        }
    }

    private unsafe nint Recv(Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            var n = Sockets.Receive(_fd, p, buffer.Length, 0);
            errno = n < 0 ? Errno.Last : 0;
            return n;
        }
    }

    private unsafe nint Send(ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* p = data)
        {
            var n = Sockets.Send(_fd, p, data.Length, Sockets.MsgNoSignal);
            errno = n < 0 ? Errno.Last : 0;
            return n;
        }
    }
}
