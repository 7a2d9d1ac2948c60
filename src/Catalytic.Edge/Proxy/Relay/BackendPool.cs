using System.Net;
using System.Net.Sockets;
using System.Text;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Transport;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// Keep-alive connections to one backend instance: idle ones in one stack per event loop (LIFO, so the warmest is
/// reused first, and a request takes a connection of the loop it runs on, so its backend's answer arrives on the same
/// thread as the client's request). An idle connection is checked before it is handed out: one whose backend wrote
/// bytes nobody asked for (a late or excess write) or hung up is discarded, never reused. At most
/// <see cref="EdgeHostOptions.MaxConnectionsPerServer"/> connections exist; a request finding none free waits its turn.
/// </summary>
internal sealed class BackendPool
{
    private readonly Stack<BackendConnection>[] _idle = [.. EventLoop.All.Select(_ => new Stack<BackendConnection>())];
    private readonly HashSet<BackendConnection> _all = [];
    private readonly Queue<TaskCompletionSource<object?>> _waiters = new();
    /// <summary>What a waiting request is given when it may connect in the place a closed connection left.</summary>
    private static readonly object Room = new();

    private readonly EndPoint _endPoint;
    private readonly int _max;
    private readonly TimeProvider _time;
    private int _connecting;

    public BackendPool(InstanceState instance, int maxConnections, TimeProvider time)
    {
        var address = instance.Address;
        Instance = address.Authority;
        IsHttp = address.Scheme == Uri.UriSchemeHttp;
        var host = address.DnsSafeHost;
        _endPoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, address.Port) : new DnsEndPoint(host, address.Port);
        HostLine = Encoding.ASCII.GetBytes($"Host: {address.Authority}\r\n");
        PathPrefix = Encoding.ASCII.GetBytes(address.AbsolutePath.TrimEnd('/'));
        _max = maxConnections;
        _time = time;
    }

    /// <summary>The instance's authority, for logs.</summary>
    public string Instance { get; }

    /// <summary>Only plain-HTTP instances go through the relay; https ones through YARP.</summary>
    public bool IsHttp { get; }

    /// <summary>"Host: authority\r\n" of the instance (the edge sends the destination's host, as YARP does).</summary>
    public byte[] HostLine { get; }

    /// <summary>The instance address's path without its trailing slash, prepended to request targets.</summary>
    public byte[] PathPrefix { get; }

    /// <summary>Connections open now (idle and busy), for tests and metrics.</summary>
    public int Count
    {
        get
        {
            lock (_all)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>Every connection allowed is open: a new request would wait for one.</summary>
    public bool MustWait
    {
        get
        {
            lock (_all)
            {
                return _all.Count + _connecting >= _max;
            }
        }
    }

    /// <summary>
    /// An idle connection that passed its check, or null. <paramref name="probe"/> looks at the socket even when the
    /// loop's events say it is quiet (for a request that could not be sent again if the connection turned out stale).
    /// </summary>
    public BackendConnection? TryRent(long now, long lifetime, long idle, bool probe, Microsoft.Extensions.Logging.ILogger log)
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

                var state = c.State == BackendConnection.Live ? c.Socket.CheckIdle(probe) : -1;
                if (state == 0 && now - c.CreatedAt < lifetime && now - c.IdleSince < idle)
                {
                    return c;
                }

                if (state != 0)
                {
                    EdgeLog.StaleConnection(log, Instance, state > 0 ? "the backend wrote bytes nobody asked for" : "the backend closed it");
                }

                c.Abort(BackendConnection.Closed);
            }
        }

        return null;
    }

    /// <summary>Puts a connection that finished its exchange cleanly back, or hands it to a request waiting for one.</summary>
    public void Return(BackendConnection connection)
    {
        connection.IdleSince = _time.GetTimestamp();
        connection.Reused = true;
        while (true)
        {
            TaskCompletionSource<object?>? waiter;
            lock (_all)
            {
                if (!_waiters.TryDequeue(out waiter))
                {
                    break;
                }
            }

            if (waiter.TrySetResult(connection))
            {
                return;
            }
        }

        var stack = _idle[connection.Socket.Loop.Index];
        lock (stack)
        {
            stack.Push(connection);
        }
    }

    /// <summary>
    /// A new connection, or, when <see cref="EdgeHostOptions.MaxConnectionsPerServer"/> are open, one another request
    /// returns (or the room one that closed leaves); null when the wait was abandoned (<paramref name="giveUp"/>).
    /// </summary>
    public async ValueTask<BackendConnection?> ConnectAsync(TimeSpan timeout, CancellationToken giveUp)
    {
        TaskCompletionSource<object?>? wait = null;
        lock (_all)
        {
            if (_all.Count + _connecting < _max)
            {
                _connecting++;
            }
            else
            {
                wait = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Enqueue(wait);
            }
        }

        if (wait is not null)
        {
            object? handed;
            using (giveUp.Register(static w => ((TaskCompletionSource<object?>)w!).TrySetResult(null), wait))
            {
                handed = await wait.Task;
            }

            if (handed != Room)
            {
                return (BackendConnection?)handed;
            }

            // Room left by a connection that closed: connect (the room was reserved for this request).
        }

        try
        {
            var endPoint = _endPoint as IPEndPoint ?? await ResolveAsync((DnsEndPoint)_endPoint, timeout);
            var socket = await LoopSocket.ConnectAsync(endPoint, timeout, _time);
            var connection = new BackendConnection(socket, this, _time.GetTimestamp());
            lock (_all)
            {
                _all.Add(connection);
                _connecting--;
            }

            return connection;
        }
        catch
        {
            Release();
            throw;
        }
    }

    private async ValueTask<IPEndPoint> ResolveAsync(DnsEndPoint endPoint, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout, _time);
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
        bool removed;
        lock (_all)
        {
            removed = _all.Remove(connection);
            if (removed)
            {
                _connecting++;
            }
        }

        if (removed)
        {
            Release();
        }
    }

    /// <summary>A reserved place is free again: a waiting request takes it (to connect), or it is given back.</summary>
    private void Release()
    {
        while (true)
        {
            TaskCompletionSource<object?>? waiter;
            lock (_all)
            {
                if (!_waiters.TryDequeue(out waiter))
                {
                    _connecting--;
                    return;
                }
            }

            // The waiter connects in this place (still counted in _connecting); one that gave up passes it on.
            if (waiter.TrySetResult(Room))
            {
                return;
            }
        }
    }

    /// <summary>Closes connections whose backend exceeded the request timeout, and idle ones past their idle time or stale.</summary>
    public void Sweep(long now, long requestTimeout, long idle)
    {
        List<BackendConnection>? late = null;
        lock (_all)
        {
            foreach (var c in _all)
            {
                var busy = c.BusySince;
                if (busy != 0 && now - busy > requestTimeout)
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
                if (stack.Count > 0 && stack.Any(c => IsStale(c, now, idle)))
                {
                    var keep = stack.Reverse().Where(c => !IsStale(c, now, idle)).ToList();
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

    private static bool IsStale(BackendConnection c, long now, long idle) =>
        now - c.IdleSince >= idle || c.State != BackendConnection.Live || c.Socket.ReadEnded;

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
