using Catalytic.Edge.Transport;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>One keep-alive HTTP/1.1 connection from the edge to a backend instance.</summary>
internal sealed class BackendConnection(LoopSocket socket, BackendPool pool, long createdAt)
{
    public const int Live = 0;
    public const int TimedOut = 1;
    public const int ClientGone = 2;
    public const int Closed = 3;

    private int _state;
    private long _busySince;

    public LoopSocket Socket { get; } = socket;

    public BackendPool Pool { get; } = pool;

    /// <summary>Receive buffer (response heads and bodies); grows once for a large response head.</summary>
    public byte[] Buffer { get; set; } = new byte[16 * 1024];

    /// <summary>When it was connected (a <see cref="TimeProvider"/> timestamp).</summary>
    public long CreatedAt { get; } = createdAt;

    /// <summary>When it went back to the pool (a <see cref="TimeProvider"/> timestamp).</summary>
    public long IdleSince { get; set; }

    /// <summary>True once it carried a request: a failure before any response byte may then be a stale connection.</summary>
    public bool Reused { get; set; }

    /// <summary><see cref="Live"/>, or why the socket was closed.</summary>
    public int State => Volatile.Read(ref _state);

    /// <summary>Waiting for the backend since this timestamp (0: not waiting) — the relay's sweep enforces the request timeout.</summary>
    public long BusySince
    {
        get => Volatile.Read(ref _busySince);
        set => Volatile.Write(ref _busySince, value);
    }

    /// <summary>Closes the socket once, remembering why; a pending receive or send then fails.</summary>
    public void Abort(int reason)
    {
        if (Interlocked.CompareExchange(ref _state, reason, Live) == Live)
        {
            Socket.Close();
            Pool.Forget(this);
        }
    }
}
