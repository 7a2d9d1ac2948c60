using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Catalytic.Workers.Tests.Support;

/// <summary>
/// A TCP relay on loopback between a worker and its server that a test can cut (every connection reset, the port
/// closed: the worker's requests are refused as if the server were gone) and restore on the same port.
/// </summary>
public sealed class CuttableProxy(int target) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private TcpListener? _listener;
    private CancellationTokenSource _cut = new();

    public int Port { get; private set; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public void Start()
    {
        _cut = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync(_listener, _cut.Token);
    }

    /// <summary>Closes the port and resets every connection.</summary>
    public void Cut()
    {
        _cut.Cancel();
        _listener?.Stop();
        foreach (var s in _sockets.Keys)
        {
            try
            {
                // A reset, not a polite close: as a server that died.
                s.LingerState = new LingerOption(true, 0);
            }
            catch (ObjectDisposedException)
            {
                // Its relay ended on its own meanwhile.
            }

            s.Dispose();
        }

        _sockets.Clear();
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client, ct);
        }
    }

    private async Task RelayAsync(Socket client, CancellationToken ct)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets[client] = 0;
        _sockets[server] = 0;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, target, ct);
            await Task.WhenAny(PumpAsync(client, server, ct), PumpAsync(server, client, ct));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut, or one side went away.
        }
        finally
        {
            _sockets.TryRemove(client, out _);
            _sockets.TryRemove(server, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, ct)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, n), ct);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut.
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
