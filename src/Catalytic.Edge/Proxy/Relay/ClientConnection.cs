using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>Which of a client connection's timeouts is running (docs/edge.md lists them).</summary>
internal enum ClientTimeout
{
    None,
    KeepAlive,
    Head,
    Body,
    Write,
    Linger,
}

/// <summary>A client connection in the relay and the state of its current request.</summary>
internal sealed class ClientConnection : IDisposable
{
    private readonly ConnectionContext _connection;
    private volatile bool _closeRequested;
    private long _deadline;
    private int _deadlineKind;
    private int _expired;

    /// <summary>The backend connection of the request in flight, while the response is awaited or relayed.</summary>
    public BackendConnection? Current;

    /// <summary>Where the head of the request being received ends, found as its bytes arrive.</summary>
    public HeadScanner Scanner;

    public ClientConnection(ConnectionContext connection, RelayListener listener)
    {
        _connection = connection;
        Listener = listener;
        if (connection is Transport.EdgeConnection edge && edge.TryTakeDirect(out var input, out var output))
        {
            // On the edge's own transport: straight from and to the socket, no pipes in between.
            Input = input;
            Output = output;
            Direct = true;
        }
        else
        {
            Input = connection.Transport.Input;
            Output = connection.Transport.Output;
        }

        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        Identity = new ClientIdentity(peer, listener.Options.Trusts(peer), listener.Https);
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Reading and writing the edge transport's socket directly (<see cref="Transport.EdgeConnection.TryTakeDirect"/>).</summary>
    public bool Direct { get; }

    public RelayListener Listener { get; }

    public RequestHead Request { get; } = new();

    /// <summary>The response being received from the backend.</summary>
    public ResponseProgress Response { get; } = new();

    public ClientIdentity Identity { get; }

    public string Id => _connection.ConnectionId;

    /// <summary>A request head split over buffer segments is copied here to be scanned and parsed.</summary>
    public byte[] HeadCopy { get; set; } = [];

    /// <summary>The read of the client's next bytes started while the current request is answered.</summary>
    public ValueTask<ReadResult>? NextRead { get; set; }

    /// <summary>The request body being relayed.</summary>
    public BodyProgress Body { get; } = new();

    /// <summary>The client closed the connection or it failed.</summary>
    public volatile bool Gone;

    public bool CloseRequested => _closeRequested;

    /// <summary>The timeout that fired since it was last armed, or <see cref="ClientTimeout.None"/>.</summary>
    public ClientTimeout Expired => (ClientTimeout)Volatile.Read(ref _expired);

    /// <summary>
    /// Starts the <paramref name="kind"/> timeout: it fires at <paramref name="deadline"/> (a timestamp). Arming forgets a
    /// timeout that fired before (a read it cancelled after all completed): each timeout answers for its own wait only.
    /// </summary>
    public void Arm(ClientTimeout kind, long deadline)
    {
        Volatile.Write(ref _deadline, 0);
        Volatile.Write(ref _deadlineKind, (int)kind);
        Volatile.Write(ref _expired, 0);
        Volatile.Write(ref _deadline, deadline);
    }

    /// <summary>The timeout running now (or the last one, once disarmed).</summary>
    public ClientTimeout Armed => (ClientTimeout)Volatile.Read(ref _deadlineKind);

    /// <summary>The <paramref name="kind"/> timeout runs now.</summary>
    public bool IsArmed(ClientTimeout kind) => Volatile.Read(ref _deadline) != 0 && Armed == kind;

    /// <summary>No timeout runs (the backend's, on its connection, does while the answer is awaited).</summary>
    public void Disarm() => Volatile.Write(ref _deadline, 0);

    /// <summary>
    /// Called by the relay's sweep: when the running timeout has passed, it fires — a write that waits is ended by
    /// closing the connection; a read is cancelled, and the relay answers (408) or closes.
    /// </summary>
    public void CheckDeadline(long now)
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline == 0 || now < deadline)
        {
            return;
        }

        var kind = (ClientTimeout)Volatile.Read(ref _deadlineKind);
        if (Interlocked.CompareExchange(ref _deadline, 0, deadline) != deadline)
        {
            return; // disarmed or armed anew meanwhile: that wait is over
        }

        Volatile.Write(ref _expired, (int)kind);
        if (kind == ClientTimeout.Write)
        {
            Abort();
        }
        else
        {
            Input.CancelPendingRead();
        }
    }

    /// <summary>The server is stopping: finish the request in flight, then close.</summary>
    public void RequestClose()
    {
        _closeRequested = true;
        Input.CancelPendingRead();
    }

    /// <summary>Sends FIN to the client but keeps reading (see <see cref="Transport.LoopSocket.ShutdownSend"/>).</summary>
    public void ShutdownSend()
    {
        // Only on the socket itself: over TLS (pipes) a FIN under the TLS layer could cut records still being written.
        if (Direct && _connection is Transport.EdgeConnection edge)
        {
            edge.ShutdownSend();
        }
    }

    public void Abort()
    {
        Gone = true;
        _connection.Abort();
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref Current, null)?.Abort(BackendConnection.Closed);
    }
}

/// <summary>
/// A request body on its way to the backend. A backend may answer before reading all of it — an echo streaming it back,
/// or a 413/401 that will never read it: its answer is relayed while the body still streams, and once the answer is
/// complete whatever is left of the body is stopped (<see cref="Stop"/>) and the connection closes.
/// </summary>
internal sealed class BodyProgress
{
    private int _state;

    /// <summary>Where a chunked request body ends, found as its bytes are relayed.</summary>
    public ChunkedScanner Scanner;

    /// <summary>Bytes not yet relayed (Content-Length bodies; -1 while a chunked body has not ended; 0 when done).</summary>
    public long Left { get; set; }

    /// <summary>Some of the body was read (so the request cannot be sent again).</summary>
    public bool Touched { get; set; }

    /// <summary>The body was stopped before it was relayed in full.</summary>
    public bool Stopped => Volatile.Read(ref _state) == 3;

    /// <summary>A new request: <paramref name="left"/> bytes of body to relay (-1: chunked, 0: none).</summary>
    public void Reset(long left)
    {
        Left = left;
        Touched = false;
        Scanner = default;
        Volatile.Write(ref _state, 0);
    }

    /// <summary>The body starts streaming to the backend.</summary>
    public void Begin() => Volatile.Write(ref _state, 1);

    /// <summary>The body was relayed in full; false when it had been stopped (and its reads and sends cancelled).</summary>
    public bool Finish() => Interlocked.CompareExchange(ref _state, 2, 1) == 1;

    /// <summary>Stops a body still streaming: its pending read of the client and send to the backend end at once.</summary>
    public void Stop(ClientConnection client, BackendConnection conn)
    {
        if (Interlocked.CompareExchange(ref _state, 3, 1) == 1)
        {
            client.Input.CancelPendingRead();
            conn.Socket.CancelSend();
        }
    }
}

/// <summary>A response head received from a backend: parsed, where it ends, how many bytes of the buffer are filled.</summary>
internal sealed class ResponseProgress
{
    public ResponseHead Head;

    public int HeadLength { get; set; }

    public int Filled { get; set; }
}

/// <summary>One listener's routes, client-side options and whether it terminates TLS, as the relay serves it.</summary>
internal sealed record RelayListener(Routing.SiteRoutes Routes, EdgeListenerOptions Options, bool Https = false);
