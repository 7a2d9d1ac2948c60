using System.Net;
using System.Net.Sockets;

namespace Catalytic.Testing.Network;

/// <summary>Loopback ports for servers a test starts.</summary>
public static class Ports
{
    /// <summary>
    /// Where <see cref="FreeTcpPort"/> looks: below Linux's ephemeral range (32768-60999 by default), so the port is not
    /// handed out again to another process's <c>bind(0)</c> or taken as the source port of an outgoing connection
    /// between the moment it is chosen and the moment the test's server binds it (two suites on one machine lost ports
    /// that way). Above the fixed ports some tests use (18601 and up).
    /// </summary>
    private const int First = 20000;

    private const int End = 32768;

    /// <summary>A TCP port nobody listens on right now: a random one below the ephemeral range, checked by binding it.</summary>
    public static int FreeTcpPort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(First, End);
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                socket.Listen();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }
}
