using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Catalytic.Testing.Waiting;

namespace Catalytic.Status.Tests.Support;

/// <summary>Ports for the status tests' servers.</summary>
public static class Ports
{
    /// <summary>A free TCP port on loopback, chosen as every suite chooses one (<see cref="Catalytic.Testing.Network.Ports.FreeTcpPort"/>).</summary>
    public static int Free() => Catalytic.Testing.Network.Ports.FreeTcpPort();

    /// <summary><paramref name="port"/> when it is free, else a free one (two test runs may share a machine).</summary>
    public static int Prefer(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return port;
        }
        catch (SocketException)
        {
            var other = Free();
            Console.Error.WriteLine($"port {port} is taken on this machine; the test uses {other} instead");
            return other;
        }
    }

    /// <summary>Waits for <paramref name="condition"/>, failing with <paramref name="what"/> when it never holds.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, string what, int? seconds = null)
    {
        await Eventually.UntilAsync(condition, () => what, seconds is { } s ? TimeSpan.FromSeconds(s) : null);
    }
}

/// <summary>A real Kestrel server on loopback whose answer the test sets (or stops: connection refused).</summary>
public sealed class HttpTarget : IAsyncDisposable
{
    private WebApplication? _app;

    public HttpTarget(int port) => Port = port;

    public int Port { get; }

    public volatile int Status = 200;

    public volatile string Body = """{"status":"UP"}""";

    public int Requests;

    public async Task StartAsync()
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port));
        _app = b.Build();
        _app.Run(async ctx =>
        {
            Interlocked.Increment(ref Requests);
            ctx.Response.StatusCode = Status;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(Body);
        });
        await _app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}

/// <summary>A local webhook receiver (Slack's and Alertmanager's shape alike): keeps every request's headers and body.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public WebhookReceiver(int port = 0)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = b.Build();
        _app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (Respond?.Invoke(ctx) is { } status)
            {
                ctx.Response.StatusCode = status;
                return;
            }

            Received.Enqueue(new Hook(ctx.Request.Path, ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        });
    }

    public ConcurrentQueue<Hook> Received { get; } = new();

    /// <summary>A status to answer instead of accepting (e.g. 429 with Retry-After set on the response).</summary>
    public Func<HttpContext, int?>? Respond { get; set; }

    public Uri Url(string path = "/hook") => new(_app.Urls.First().TrimEnd('/') + path);

    public int Port => new Uri(_app.Urls.First()).Port;

    public async Task<WebhookReceiver> StartAsync()
    {
        await _app.StartAsync();
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Hook(string Path, Dictionary<string, string> Headers, string Body);
}

/// <summary>A TLS server on loopback whose self-signed certificate (made here) expires after <c>validFor</c>.</summary>
public sealed class TlsTarget : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _cert;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TlsTarget(int port, TimeSpan validFor)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = RealTime.Clock.GetUtcNow();
        using var cert = req.CreateSelfSigned(now.AddDays(-1), now.Add(validFor));
        _cert = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        NotAfter = _cert.NotAfter.ToUniversalTime();
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public DateTime NotAfter { get; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await using var tls = new SslStream(client.GetStream());
                        await tls.AuthenticateAsServerAsync(_cert);
                        await tls.ShutdownAsync();
                    }
                    catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
                    {
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _cert.Dispose();
    }
}
