using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Catalytic.Platform.Linux;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Catalytic.Edge.Transport;

/// <summary>
/// Kestrel's transport for edge listeners on Linux: connections are accepted and driven by the edge's
/// <see cref="EventLoop"/>s instead of the runtime's socket engine, and the pipes between the socket and Kestrel (or the
/// relay) run their continuations inline, on the loop. A request then costs no thread-pool hand-off between the kernel
/// telling that a socket is ready and the proxy acting on it — which on the runtime's engine is a futex wake and a
/// context switch per receive.
/// </summary>
internal sealed class EdgeTransportFactory : IConnectionListenerFactory
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"The edge listens on IP addresses only, not {endpoint}.");
        }

        return new(new EdgeListener(ip));
    }
}

/// <summary>One listening socket; the first loop accepts on it and spreads the connections over all loops.</summary>
internal sealed class EdgeListener : IConnectionListener, IEventHandler
{
    private readonly Socket _socket;
    private readonly int _fd;
    private readonly EventLoop _loop;
    private readonly long _id;
    private readonly Channel<EdgeConnection> _accepted = Channel.CreateUnbounded<EdgeConnection>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private int _unbound;

    public EdgeListener(IPEndPoint endPoint)
    {
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                _socket.DualMode = true;
            }

            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.Bind(endPoint);
            _socket.Listen(1024);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            _socket.Dispose();
            throw new AddressInUseException(e.Message, e);
        }

        EndPoint = _socket.LocalEndPoint!;
        _fd = (int)_socket.Handle;
        _socket.Blocking = false;
        _loop = EventLoop.All[0];
        _id = _loop.Register(_fd, this, Epoll.In);
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Accepts every pending connection (edge-triggered: until the queue is empty).</summary>
    public unsafe void OnEvents(uint events)
    {
        var address = stackalloc byte[Sockets.MaxAddressLength];
        while (Volatile.Read(ref _unbound) == 0)
        {
            var length = Sockets.MaxAddressLength;
            var fd = Sockets.Accept(_fd, address, &length, Sockets.SockNonBlock | Sockets.SockCloExec);
            if (fd < 0)
            {
                var errno = Errno.Last;
                if (errno is Errno.EINTR or Errno.ECONNABORTED)
                {
                    continue;
                }

                if (errno != Errno.EAGAIN)
                {
                    // EMFILE and the like: the next connection retries.
                    EdgeLog.AcceptFailed(EventLoop.Log, errno);
                }

                return;
            }

            Sockets.SetNoDelay(fd);
            var remote = LoopSocket.Decode(address);
            var socket = LoopSocket.Adopt(fd, EventLoop.Next());
            var connection = new EdgeConnection(socket, EndPoint, remote);
            if (!_accepted.Writer.TryWrite(connection))
            {
                socket.Close();
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unbound, 1) == 0)
        {
            _loop.Unregister(_id, _fd);
            _socket.Dispose();
            _accepted.Writer.TryComplete();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => UnbindAsync();
}

/// <summary>
/// A connection on the edge transport. The relay reads and writes its socket directly (<see cref="TryTakeDirect"/>):
/// a receive straight into the reader's buffer, a flush straight to the socket. Kestrel's HTTP layer gets pipes, as
/// on its own socket transport — a receive loop filling the input pipe, a send loop draining the output pipe, both on
/// the connection's <see cref="EventLoop"/> — started the first time anything asks for <see cref="Transport"/>, with
/// whatever the relay read and did not consume (the request it hands over) at the front of the input.
/// </summary>
internal sealed class EdgeConnection : ConnectionContext, IConnectionEndPointFeature
{
    // Kestrel's defaults: MaxRequestBufferSize 1 MB, MaxResponseBufferSize 64 KB.
    private static readonly PipeOptions InputOptions = new(
        pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024,
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    private static readonly PipeOptions OutputOptions = new(
        pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024,
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    private static long _ids;

    private readonly LoopSocket _socket;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private readonly object _gate = new();
    /// <summary>Kestrel's pipes and their loops, set together once <see cref="Transport"/> is first asked for.</summary>
    private KestrelPipes? _pipes;
    private IDuplexPipe? _transport;
    private SocketReader? _directInput;
    private SocketWriter? _directOutput;
    private const int ClosedFired = 1;
    private const int Aborted = 2;

    /// <summary><see cref="ClosedFired"/> and <see cref="Aborted"/>, set once each.</summary>
    private int _state;

    public EdgeConnection(LoopSocket socket, EndPoint local, EndPoint? remote)
    {
        _socket = socket;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        ConnectionId = "E" + Interlocked.Increment(ref _ids).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        _features.Set<IConnectionEndPointFeature>(this);
    }

    public override string ConnectionId { get; set; }

    private bool IsAborted => (Volatile.Read(ref _state) & Aborted) != 0;

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    /// <summary>The pipes (started on first use, after whatever the relay read directly).</summary>
    public override IDuplexPipe Transport
    {
        get
        {
            lock (_gate)
            {
                return _transport ??= StartPipes();
            }
        }

        set
        {
            lock (_gate)
            {
                _transport = value;
            }
        }
    }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// The socket as a reader and a writer of its own, for the relay; false once the pipes run (or the relay has them).
    /// Hand over by asking for <see cref="Transport"/> afterwards, with nothing pending on either.
    /// </summary>
    public bool TryTakeDirect([NotNullWhen(true)] out SocketReader? input, [NotNullWhen(true)] out SocketWriter? output)
    {
        lock (_gate)
        {
            if (_transport is not null || _directInput is not null)
            {
                input = null;
                output = null;
                return false;
            }

            input = _directInput = new SocketReader(_socket, FireClosed);
            output = _directOutput = new SocketWriter(_socket);
            return true;
        }
    }

    /// <summary>Sends FIN to the client but keeps its receiving side open (the relay's lingering close).</summary>
    public void ShutdownSend() => _socket.ShutdownSend();

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Interlocked.Or(ref _state, Aborted);
        _socket.Close();
        lock (_gate)
        {
            _pipes?.Output.Reader.CancelPendingRead();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        KestrelPipes? started;
        lock (_gate)
        {
            // From here on Transport is not started any more.
            _transport ??= new DuplexPipe(PipeReader.Create(Stream.Null), PipeWriter.Create(Stream.Null));
            started = _pipes;
        }

        if (started is { } pipes)
        {
            pipes.Output.Writer.Complete();
            pipes.Input.Reader.Complete();
            await pipes.Sending;
            await pipes.Receiving;
        }

        _socket.Close();
        _directInput?.Complete();
        _directOutput?.Complete();
        if ((Interlocked.Or(ref _state, ClosedFired) & ClosedFired) == 0)
        {
            // The relay ended the connection before reading its end: it is over now.
            _closed.Cancel();
        }

        _closed.Dispose();
    }

    /// <summary>Creates the pipes with what the relay left unconsumed at the front of the input, and starts their loops.</summary>
    private DuplexPipe StartPipes()
    {
        var input = new Pipe(InputOptions);
        var output = new Pipe(OutputOptions);
        if (_directInput?.TakeUnconsumed() is { IsEmpty: false } unread)
        {
            // Below the pause threshold and with no reader yet: completes at once.
            input.Writer.Write(unread.Span);
            _ = input.Writer.FlushAsync();
        }

        var receiving = ReceiveAsync(input.Writer);
        var sending = SendAsync(output.Reader);
        _pipes = new KestrelPipes(input, output, receiving, sending);
        return new DuplexPipe(input.Reader, output.Writer);
    }

    private async Task ReceiveAsync(PipeWriter writer)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(4096);
                var n = await _socket.ReceiveAsync(memory);
                if (n <= 0)
                {
                    break;
                }

                writer.Advance(n);
                var flushed = await writer.FlushAsync();
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (SocketException e)
        {
            error = IsAborted ? new ConnectionAbortedException("The connection was aborted.", e) : new ConnectionResetException(e.Message, e);
        }
        catch (InvalidOperationException)
        {
            // The reader completed meanwhile.
        }

        if (IsAborted && error is null)
        {
            error = new ConnectionAbortedException("The connection was aborted.");
        }

        writer.Complete(error);
        FireClosed();
    }

    private async Task SendAsync(PipeReader reader)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                if (result.IsCanceled)
                {
                    break;
                }

                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _socket.SendAsync(segment);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
            // The client is gone: the socket is closed below.
        }
        finally
        {
            reader.Complete();
            // The connection is over once nothing more is sent (as in Kestrel's socket transport): closing the socket
            // ends the receive loop too, whether or not the client has closed its side.
            _socket.Close();
        }
    }

    private void FireClosed()
    {
        if ((Interlocked.Or(ref _state, ClosedFired) & ClosedFired) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static c =>
        {
            try
            {
                c.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The connection was disposed meanwhile: nobody is left to hear of its close.
            }
        }, _closed, preferLocal: false);
    }

    /// <summary>A value, not an object: starting the pipes allocates nothing more than the pipes and loops themselves.</summary>
    private readonly record struct KestrelPipes(Pipe Input, Pipe Output, Task Receiving, Task Sending);

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class ConnectionItems : Dictionary<object, object?>;
}
