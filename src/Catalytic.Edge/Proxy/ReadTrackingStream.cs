namespace Catalytic.Edge.Proxy;

/// <summary>
/// Wraps a request body on the Kestrel/YARP path to tell whether any of it was read (a request whose body was never
/// touched can be sent again to another instance; one whose body was partly forwarded cannot) and to bound each read by
/// the body timeout (<see cref="EdgeListenerOptions.RequestBodyTimeout"/>), as the relay does.
/// </summary>
internal sealed class ReadTrackingStream(Stream inner, TimeSpan timeout, TimeProvider time) : Stream
{
    private volatile bool _read;
    private volatile bool _timedOut;

    public bool HasRead => _read;

    /// <summary>A read waited longer than the body timeout (the request gets 408).</summary>
    public bool TimedOut => _timedOut;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        _read = true;
        return inner.Read(buffer, offset, count);
    }

    public override int Read(Span<byte> buffer)
    {
        _read = true;
        return inner.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _read = true;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var registration = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), deadline);
        try
        {
            return await inner.ReadAsync(buffer, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _timedOut = true;
            throw;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
