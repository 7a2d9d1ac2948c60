using System.Net;
using System.Net.Sockets;

namespace Catalytic.Testing.Network;

/// <summary>Loopback ports for servers a test starts.</summary>
public static class Ports
{
    /// <summary>A TCP port nobody listens on right now (bound to 0 and released).</summary>
    public static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
