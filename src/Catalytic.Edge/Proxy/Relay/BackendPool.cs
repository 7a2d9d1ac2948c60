using System.Net;
using System.Net.Sockets;
using System.Text;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Transport;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>One keep-alive HTTP/1.1 connection from the edge to a backend instance.</summary>
internal sealed class BackendConnection(LoopSocket socket, BackendPool pool)
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

    public long CreatedAt { get; } = Environment.TickCount64;

    public long IdleSince { get; set; }

    /// <summary>True once it carried a request: a failure before any response byte may then be a stale connection.</summary>
    public bool Reused { get; set; }

    /// <summary><see cref="Live"/>, or why the socket was closed.</summary>
    public int State => Volatile.Read(ref _state);

    /// <summary>Waiting for the backend since this tick count (0: not waiting) — the watchdog enforces the request timeout.</summary>
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

/// <summary>
/// Idle keep-alive connections to one backend instance, one stack per event loop (LIFO, so the warmest is reused
/// first): a request takes a connection of the loop it runs on when there is one, so its backend's answer arrives on the
/// same thread as the client's request and the request's state does not move between cores.
/// </summary>
internal sealed class BackendPool
{
    private readonly Stack<BackendConnection>[] _idle = [.. EventLoop.All.Select(_ => new Stack<BackendConnection>())];
    private readonly HashSet<BackendConnection> _all = [];
    private readonly EndPoint _endPoint;

    public BackendPool(InstanceState instance)
    {
        var address = instance.Address;
        IsHttp = address.Scheme == Uri.UriSchemeHttp;
        var host = address.DnsSafeHost;
        _endPoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, address.Port) : new DnsEndPoint(host, address.Port);
        HostLine = Encoding.ASCII.GetBytes($"Host: {address.Authority}\r\n");
        PathPrefix = Encoding.ASCII.GetBytes(address.AbsolutePath.TrimEnd('/'));
    }

    /// <summary>Only plain-HTTP instances go through the relay; https ones through YARP.</summary>
    public bool IsHttp { get; }

    /// <summary>"Host: authority\r\n" of the instance (the edge sends the destination's host, as YARP does).</summary>
    public byte[] HostLine { get; }

    /// <summary>The instance address's path without its trailing slash, prepended to request targets.</summary>
    public byte[] PathPrefix { get; }

    public BackendConnection? TryRent(long now, long lifetimeMs, long idleMs)
    {
        var home = EventLoop.Current?.Index ?? 0;
        for (var i = 0; i < _idle.Length; i++)
        {
            var stack = _idle[(home + i) % _idle.Length];
            while (true)
            {
                BackendConnection? c;
                lock (stack)
                {
                    if (!stack.TryPop(out c))
                    {
                        break;
                    }
                }

                if (c.State == BackendConnection.Live && now - c.CreatedAt < lifetimeMs && now - c.IdleSince < idleMs)
                {
                    return c;
                }

                c.Abort(BackendConnection.Closed);
            }
        }

        return null;
    }

    public void Return(BackendConnection connection)
    {
        connection.IdleSince = Environment.TickCount64;
        connection.Reused = true;
        var stack = _idle[connection.Socket.Loop.Index];
        lock (stack)
        {
            stack.Push(connection);
        }
    }

    public async ValueTask<BackendConnection> ConnectAsync(TimeSpan timeout)
    {
        var endPoint = _endPoint as IPEndPoint ?? await ResolveAsync((DnsEndPoint)_endPoint, timeout);
        var connection = new BackendConnection(await LoopSocket.ConnectAsync(endPoint, timeout), this);
        lock (_all)
        {
            _all.Add(connection);
        }

        return connection;
    }

    private static async ValueTask<IPEndPoint> ResolveAsync(DnsEndPoint endPoint, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(endPoint.Host, cts.Token);
            var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new SocketException((int)SocketError.HostNotFound);
            return new IPEndPoint(address, endPoint.Port);
        }
        catch (OperationCanceledException)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }
    }

    internal void Forget(BackendConnection connection)
    {
        lock (_all)
        {
            _all.Remove(connection);
        }
    }

    /// <summary>Closes connections whose backend exceeded the request timeout, and idle ones past their idle time.</summary>
    public void Sweep(long now, long requestTimeoutMs, long idleMs)
    {
        List<BackendConnection>? late = null;
        lock (_all)
        {
            foreach (var c in _all)
            {
                var busy = c.BusySince;
                if (busy != 0 && now - busy > requestTimeoutMs)
                {
                    (late ??= []).Add(c);
                }
            }
        }

        List<BackendConnection>? stale = null;
        foreach (var stack in _idle)
        {
            lock (stack)
            {
                if (stack.Count > 0 && stack.Any(c => now - c.IdleSince >= idleMs || c.State != BackendConnection.Live))
                {
                    var keep = stack.Reverse().Where(c => now - c.IdleSince < idleMs && c.State == BackendConnection.Live).ToList();
                    (stale ??= []).AddRange(stack.Except(keep));
                    stack.Clear();
                    foreach (var c in keep)
                    {
                        stack.Push(c);
                    }
                }
            }
        }

        foreach (var c in late ?? [])
        {
            c.Abort(BackendConnection.TimedOut);
        }

        foreach (var c in stale ?? [])
        {
            c.Abort(BackendConnection.Closed);
        }
    }

    /// <summary>Closes every connection (the host is being disposed).</summary>
    public void CloseAll()
    {
        BackendConnection[] all;
        lock (_all)
        {
            all = [.. _all];
        }

        foreach (var c in all)
        {
            c.Abort(BackendConnection.Closed);
        }
    }
}
