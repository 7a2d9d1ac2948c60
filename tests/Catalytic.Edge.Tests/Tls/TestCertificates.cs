using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Catalytic.Edge.Proxy;

namespace Catalytic.Edge.Tests.Tls;

/// <summary>Self-signed certificates written as PEM files in a temporary folder, and TLS clients that say which one they got.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("catalytic-edge-tls-").FullName;

    /// <summary>Writes (or overwrites) NAME.pem and NAME.key for a certificate of <paramref name="dnsNames"/>, valid <paramref name="days"/>.</summary>
    public EdgeCertificateFiles Write(string name, int days, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(san.Build());
        var now = Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow(); // TLS clients check validity against the real clock
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(days));
        var files = new EdgeCertificateFiles(Path.Combine(_folder, name + ".pem"), Path.Combine(_folder, name + ".key"));
        // Written beside and renamed into place, as certbot and most tools do: a reader never sees half a file.
        File.WriteAllText(files.KeyPath + ".tmp", key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(files.CertificatePath + ".tmp", certificate.ExportCertificatePem());
        File.Move(files.KeyPath + ".tmp", files.KeyPath, overwrite: true);
        File.Move(files.CertificatePath + ".tmp", files.CertificatePath, overwrite: true);
        return files;
    }

    /// <summary>Shakes hands with <paramref name="endPoint"/> asking for <paramref name="serverName"/> (SNI), offering http/1.1 only.</summary>
    public static async Task<SslStream> ConnectAsync(IPEndPoint endPoint, string serverName, CancellationToken ct)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint, ct);
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        }, ct);
        return ssl;
    }

    /// <summary>The first DNS name of the certificate <paramref name="ssl"/> got.</summary>
    public static string Name(SslStream ssl)
    {
        using var certificate = new X509Certificate2(ssl.RemoteCertificate!);
        return certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().First();
    }

    /// <summary>Sends one GET on <paramref name="ssl"/> and reads its answer (a Content-Length body): status line, headers and body as text.</summary>
    public static async Task<string> GetAsync(SslStream ssl, string host, string target, CancellationToken ct)
    {
        await ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n"), ct);
        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var text = Encoding.ASCII.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = text[..end].Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("content-length", StringComparison.OrdinalIgnoreCase))
                    .Select(p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                if (received.Count >= end + 4 + length)
                {
                    return text[..(end + 4 + length)];
                }
            }

            var n = await ssl.ReadAsync(buffer, ct);
            if (n == 0)
            {
                throw new IOException($"the edge closed the connection after: {text}");
            }

            received.AddRange(buffer.AsSpan(0, n));
        }
    }

    /// <summary>An HttpClient that accepts any certificate and connects every name to <paramref name="endPoint"/>.</summary>
    public static HttpClient Client(IPEndPoint endPoint) => new(Handler(endPoint))
    {
        Timeout = TimeSpan.FromMinutes(2),
    };

    /// <summary>A handler that accepts any certificate and connects every name to <paramref name="endPoint"/>.</summary>
    public static SocketsHttpHandler Handler(IPEndPoint endPoint) => new()
    {
        UseCookies = false,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        // Every name resolves to the edge on loopback; the URI's host is what SNI and Host say.
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
