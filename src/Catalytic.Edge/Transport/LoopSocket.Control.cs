using System.Net.Sockets;
using Catalytic.Platform.Linux;

namespace Catalytic.Edge.Transport;

/// <summary>Ending, cancelling and checking a <see cref="LoopSocket"/> from any thread.</summary>
internal sealed partial class LoopSocket
{
    /// <summary>
    /// Ends the pending receive with <see cref="Cancelled"/>, or the next one when none is pending (thread-safe): what
    /// <c>PipeReader.CancelPendingRead</c> needs from a reader that receives straight from the socket.
    /// </summary>
    public void CancelReceive()
    {
        lock (_gate)
        {
            if ((_flags & Flags.Closed) != 0)
            {
                return;
            }

            if ((_flags & Flags.ReceiveParked) == 0)
            {
                _flags |= Flags.ReceiveCancelled;
                return;
            }

            _flags &= ~Flags.ReceiveParked;
            _receiveBuffer = default;
        }

        _receive.Finish(Cancelled, null);
    }

    /// <summary>
    /// Ends the pending send (or the next one) with <see cref="OperationCanceledException"/>, whatever of it was not sent
    /// yet left unsent: for a backend that answered before reading the whole request body and stopped reading. The
    /// stream is then out of step; the caller closes the socket after reading what it needs.
    /// </summary>
    public void CancelSend()
    {
        lock (_gate)
        {
            if ((_flags & Flags.Closed) != 0)
            {
                return;
            }

            if ((_flags & Flags.SendParked) == 0)
            {
                _flags |= Flags.SendCancelled;
                return;
            }

            _flags &= ~Flags.SendParked;
            _sendData = default;
        }

        _send.Finish(0, new OperationCanceledException("The send was cancelled."));
    }

    /// <summary>
    /// Sends FIN (shutdown of the sending side) while still reading: after a final answer to a client whose request
    /// body is still coming, so it sees the end of the answer while the edge discards the rest (a lingering close).
    /// </summary>
    public void ShutdownSend()
    {
        lock (_gate)
        {
            if ((_flags & Flags.Closed) == 0)
            {
                Sockets.Shutdown(_fd, Sockets.ShutWrite);
            }
        }
    }

    /// <summary>
    /// Whether an idle connection can carry a request: 0 when the peer is quiet, 1 when it wrote bytes nobody asked
    /// for, -1 when it hung up or the socket failed or was closed. Trusts the loop's events (no system call) when they
    /// say the socket was drained and nothing arrived since, unless <paramref name="probe"/> asks to look anyway: an
    /// event may be on its way.
    /// </summary>
    public int CheckIdle(bool probe)
    {
        int seq;
        lock (_gate)
        {
            if ((_flags & (Flags.Closed | Flags.ReadEnded)) != 0)
            {
                return -1;
            }

            if (!probe && (_flags & Flags.ReadReady) == 0)
            {
                return 0;
            }

            seq = _readSeq;
            _busy++;
        }

        int state;
        try
        {
            state = Sockets.Probe(_fd);
        }
        finally
        {
            Release();
        }

        if (state == 0)
        {
            ReadDrained(seq);
        }

        return state;
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
            if ((_flags & Flags.Closed) != 0)
            {
                return;
            }

            receiveParked = (_flags & Flags.ReceiveParked) != 0;
            sendParked = (_flags & Flags.SendParked) != 0;
            _flags = (_flags | Flags.Closed) & ~(Flags.ReceiveParked | Flags.SendParked);
            _receiveBuffer = default;
            _sendData = default;
            // Wakes a peer blocked on us and ends in-flight calls on other threads; the descriptor itself is closed
            // when the last of them has returned, so its number cannot be reused under them.
            Sockets.Shutdown(_fd, Sockets.ShutReadWrite);
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
}
