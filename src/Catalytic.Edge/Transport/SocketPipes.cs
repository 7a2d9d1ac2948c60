using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Catalytic.Edge.Transport;

/// <summary>
/// A <see cref="PipeReader"/> that receives straight from a <see cref="LoopSocket"/> into one contiguous buffer, for the
/// relay: no <see cref="Pipe"/>, no receive loop and no hand-off between them per request. One read at a time (a
/// <see cref="PipeReader"/>'s contract); <see cref="CancelPendingRead"/> may come from any thread. What was not consumed
/// when the relay hands the connection over is passed on with <see cref="TakeUnconsumed"/>.
/// </summary>
internal sealed class SocketReader(LoopSocket socket, Action onEnded) : PipeReader
{
    private const int MinimumRead = 4096;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(MinimumRead);
    private int _start;
    private int _end;
    private bool _examinedAll;
    private bool _ended;
    private bool _completed;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_end > _start && !_examinedAll)
        {
            return new ReadResult(Data, isCanceled: false, isCompleted: _ended);
        }

        if (_ended)
        {
            return new ReadResult(Data, isCanceled: false, isCompleted: true);
        }

        MakeRoom();
        int n;
        try
        {
            n = await socket.ReceiveAsync(_buffer.AsMemory(_end));
        }
        catch (SocketException e)
        {
            End();
            throw new ConnectionResetException(e.Message, e);
        }

        if (n == LoopSocket.Cancelled)
        {
            return new ReadResult(Data, isCanceled: true, isCompleted: false);
        }

        if (n == 0)
        {
            End();
        }
        else
        {
            _end += n;
            _examinedAll = false;
        }

        return new ReadResult(Data, isCanceled: false, isCompleted: _ended);
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if ((_end > _start && !_examinedAll) || _ended)
        {
            result = new ReadResult(Data, isCanceled: false, isCompleted: _ended);
            return true;
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // Positions of a single-array sequence are indexes into that array.
        var to = consumed.GetInteger();
        if (!ReferenceEquals(consumed.GetObject(), _buffer) || to < _start || to > _end)
        {
            throw new InvalidOperationException("The position is not in the data last read.");
        }

        _start = to;
        _examinedAll = examined.GetInteger() >= _end;
        if (_start == _end)
        {
            _start = _end = 0;
            _examinedAll = false;
        }
    }

    public override void CancelPendingRead() => socket.CancelReceive();

    public override void Complete(Exception? exception = null)
    {
        PooledBuffer.ReturnOnce(ref _buffer, ref _completed);
        _start = _end = 0;
    }

    /// <summary>The bytes read and not consumed yet (the reader is done with them).</summary>
    public ReadOnlyMemory<byte> TakeUnconsumed()
    {
        var data = _buffer.AsMemory(_start, _end - _start);
        _start = _end = 0;
        return data;
    }

    private ReadOnlySequence<byte> Data => new(_buffer, _start, _end - _start);

    /// <summary>Free space after the data for the next receive: the data moves to the front, or the buffer grows.</summary>
    private void MakeRoom()
    {
        if (_buffer.Length - _end >= MinimumRead / 2)
        {
            return;
        }

        var length = _end - _start;
        var target = _buffer;
        if (length > _buffer.Length / 2)
        {
            target = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
        }

        Buffer.BlockCopy(_buffer, _start, target, 0, length);
        if (!ReferenceEquals(target, _buffer))
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = target;
        }

        _start = 0;
        _end = length;
    }

    private void End()
    {
        if (!_ended)
        {
            _ended = true;
            onEnded();
        }
    }
}

/// <summary>
/// A <see cref="PipeWriter"/> whose flush sends the buffered bytes straight on a <see cref="LoopSocket"/> (and returns
/// once they are all in the kernel), for the relay. A flush that finds the client gone reports completion.
/// </summary>
internal sealed class SocketWriter(LoopSocket socket) : PipeWriter
{
    private const int MinimumBuffer = 4096;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(MinimumBuffer);
    private int _length;
    private bool _completed;
    private bool _failed;

    /// <summary>Nothing is waiting to be sent.</summary>
    public bool IsEmpty => _length == 0;

    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)(_buffer.Length - _length))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes));
        }

        _length += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_length);
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_length > 0 && !_failed)
        {
            try
            {
                await socket.SendAsync(_buffer.AsMemory(0, _length));
            }
            catch (SocketException)
            {
                _failed = true;
            }
        }

        _length = 0;
        return new FlushResult(isCanceled: false, isCompleted: _failed);
    }

    public override void CancelPendingFlush()
    {
        // A flush waits only for the kernel to take the bytes; closing the connection ends it.
    }

    public override void Complete(Exception? exception = null)
    {
        PooledBuffer.ReturnOnce(ref _buffer, ref _completed);
        _length = 0;
    }

    private void Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var wanted = Math.Max(sizeHint, 1);
        if (_buffer.Length - _length >= wanted)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + Math.Max(wanted, MinimumBuffer)));
        Buffer.BlockCopy(_buffer, 0, bigger, 0, _length);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}

/// <summary>The rented buffer behind <see cref="SocketReader"/> and <see cref="SocketWriter"/>.</summary>
internal static class PooledBuffer
{
    /// <summary>
    /// Gives <paramref name="buffer"/> back to the pool the first time the reader or writer completes (it is empty
    /// afterwards, so nothing can touch the pooled array again); a second completion does nothing.
    /// </summary>
    public static void ReturnOnce(ref byte[] buffer, ref bool completed)
    {
        if (completed)
        {
            return;
        }

        completed = true;
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
