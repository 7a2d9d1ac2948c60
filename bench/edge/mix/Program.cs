using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

// bench/edge mix:
//   Catalytic.Bench.EdgeMix ws-echo URL CONNECTIONS SECONDS
//     WebSocket echo: CONNECTIONS clients each send a 64-byte message and wait for its echo, for SECONDS; prints
//     "messages/s N" (URL: ws://host:port/ws of the bench backend, directly or through an edge).
//   Catalytic.Bench.EdgeMix deployments COUNT DRAIN_MS
//     COUNT blue-green deployments through an in-process edge (TLS listener, relay on) while HTTP/1.1 keep-alive,
//     HTTP/2 and WebSocket clients run: each deployment starts the next release (an in-process Kestrel backend),
//     switches all traffic to it, drains the old one (until nothing is in flight on it, at most DRAIN_MS) and stops it.
//     Prints failed requests per protocol and how many WebSockets the old releases closed, and when.
return args[0] switch
{
    "ws-echo" => await WsEcho(new Uri(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture)),
    "deployments" => await Mix.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture)),
    _ => 2,
};

static async Task<int> WsEcho(Uri url, int connections, int seconds)
{
    long messages = 0;
    var failures = 0;
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var payload = new byte[64];
    Random.Shared.NextBytes(payload);
    await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, default);
        var buffer = new byte[4096];
        await socket.ReceiveAsync(buffer, default); // the backend's name
        while (!stop.IsCancellationRequested)
        {
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, default);
            var r = await socket.ReceiveAsync(buffer, default);
            if (r.Count != payload.Length || !r.EndOfMessage)
            {
                Interlocked.Increment(ref failures);
            }

            Interlocked.Increment(ref messages);
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, default);
    }));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"messages/s {messages / (double)seconds:0} failures {failures}"));
    return failures == 0 ? 0 : 1;
}

/// <summary>The deployments scenario.</summary>
internal static class Mix
{
    private static readonly Dictionary<string, DateTimeOffset> Drained = [];
    private static long _h1Ok, _h1Failed, _h2Ok, _h2Failed, _wsSessions, _wsMessages, _wsFailed, _wsClosedAtDrain, _wsClosedBeforeDrain;
    private static string? _lastError;

    public static async Task<int> RunAsync(int deployments, int drainMs)
    {
        var folder = Directory.CreateTempSubdirectory("catalytic-bench-mix-").FullName;
        var files = WriteCertificate(folder);
        var router = new EdgeRouter(TimeProvider.System);
        await using var host = new EdgeHost(router);
        var current = await Backend.StartAsync("v0");
        router.Apply(Table(current));
        var bound = await host.StartAsync(new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0), [new EdgeRoute("bench", "production")])
        {
            Certificates = [files],
        });
        var url = $"bench.example.com:{bound.EndPoint.Port}";
        using var stop = new CancellationTokenSource();
        var clients = new List<Task>();
        for (var i = 0; i < 6; i++)
        {
            clients.Add(HttpLoop(Client(bound.EndPoint, HttpVersion.Version11), url, http2: false, stop.Token));
        }

        for (var i = 0; i < 2; i++)
        {
            var h2 = Client(bound.EndPoint, HttpVersion.Version20);
            for (var j = 0; j < 4; j++)
            {
                clients.Add(HttpLoop(h2, url, http2: true, stop.Token));
            }
        }

        for (var i = 0; i < 8; i++)
        {
            clients.Add(WebSocketLoop(bound.EndPoint, url, longLived: i % 2 == 1, stop.Token));
        }

        var drainTimedOut = 0;
        var start = DateTimeOffset.UtcNow;
        for (var d = 1; d <= deployments; d++)
        {
            var next = await Backend.StartAsync($"v{d}");
            router.Apply(Table(next));
            var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
            while (next.Requests == 0 && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            var drainEnd = DateTimeOffset.UtcNow.AddMilliseconds(drainMs);
            while (router.InFlight(current.Address) > 0 && DateTimeOffset.UtcNow < drainEnd)
            {
                await Task.Delay(10);
            }

            if (router.InFlight(current.Address) > 0)
            {
                drainTimedOut++;
            }

            lock (Drained)
            {
                Drained[current.Version] = DateTimeOffset.UtcNow;
            }

            await current.StopAsync();
            current = next;
        }

        var elapsed = DateTimeOffset.UtcNow - start;
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        await current.StopAsync();
        Directory.Delete(folder, recursive: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"deployments {deployments} in {elapsed.TotalSeconds:0.0} s (drain {drainMs} ms; {drainTimedOut} drains ended by their bound with WebSockets open)"));
        Console.WriteLine($"http/1.1 requests {_h1Ok} failed {_h1Failed}");
        Console.WriteLine($"http/2 requests {_h2Ok} failed {_h2Failed}");
        Console.WriteLine($"websocket sessions {_wsSessions} messages {_wsMessages} failed {_wsFailed} closed-by-old-release-at-drain {_wsClosedAtDrain} closed-before-drain {_wsClosedBeforeDrain}");
        if (_lastError is not null)
        {
            Console.WriteLine($"last error: {_lastError}");
        }

        return _h1Failed + _h2Failed + _wsFailed + _wsClosedBeforeDrain == 0 ? 0 : 1;
    }

    private static RouteTable Table(Backend b) => new("bench", "production", [new WeightedVersion(b.Version, 100, [b.Address])]);

    private static HttpClient Client(IPEndPoint edge, Version version) => new(Handler(edge))
    {
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static SocketsHttpHandler Handler(IPEndPoint edge) => new()
    {
        UseCookies = false,
        MaxConnectionsPerServer = 1,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await s.ConnectAsync(edge, ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    };

    private static async Task HttpLoop(HttpClient client, string url, bool http2, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync($"https://{url}/", stop);
                var body = await response.Content.ReadAsStringAsync(stop);
                var ok = response.StatusCode == HttpStatusCode.OK && body.StartsWith("hello from v", StringComparison.Ordinal);
                Interlocked.Increment(ref ok ? ref (http2 ? ref _h2Ok : ref _h1Ok) : ref (http2 ? ref _h2Failed : ref _h1Failed));
                if (!ok)
                {
                    _lastError = $"{(int)response.StatusCode} {body}";
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (HttpRequestException e)
            {
                Interlocked.Increment(ref http2 ? ref _h2Failed : ref _h1Failed);
                _lastError = e.ToString();
            }
        }
    }

    private static async Task WebSocketLoop(IPEndPoint edge, string url, bool longLived, CancellationToken stop)
    {
        using var invoker = new HttpMessageInvoker(Handler(edge));
        var payload = Encoding.UTF8.GetBytes(new string('m', 64));
        var buffer = new byte[4096];
        while (!stop.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            string? version = null;
            try
            {
                await socket.ConnectAsync(new Uri($"wss://{url}/ws"), invoker, stop);
                Interlocked.Increment(ref _wsSessions);
                var hello = await socket.ReceiveAsync(buffer, stop);
                version = Encoding.UTF8.GetString(buffer, 0, hello.Count);
                for (var i = 0; longLived || i < 20; i++)
                {
                    await Task.Delay(longLived ? 50 : 10, stop);
                    await socket.SendAsync(payload, WebSocketMessageType.Text, true, stop);
                    var r = await socket.ReceiveAsync(buffer, stop);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        throw new WebSocketException("closed by the server");
                    }

                    if (r.Count != payload.Length)
                    {
                        Interlocked.Increment(ref _wsFailed);
                    }

                    Interlocked.Increment(ref _wsMessages);
                }

                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is WebSocketException or IOException or HttpRequestException)
            {
                if (version is null)
                {
                    Interlocked.Increment(ref _wsFailed); // the handshake failed: a failed request
                    _lastError = e.ToString();
                    continue;
                }

                bool drained;
                lock (Drained)
                {
                    drained = Drained.ContainsKey(version);
                }

                Interlocked.Increment(ref drained ? ref _wsClosedAtDrain : ref _wsClosedBeforeDrain);
                if (!drained)
                {
                    _lastError = $"WebSocket on {version} closed before its drain: {e.Message}";
                }
            }
        }
    }

    private static EdgeCertificateFiles WriteCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=bench.example.com", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("bench.example.com");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var files = new EdgeCertificateFiles(Path.Combine(folder, "cert.pem"), Path.Combine(folder, "key.pem"));
        File.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    /// <summary>One release: an in-process Kestrel app answering "hello from VERSION" and echoing WebSockets at /ws.</summary>
    private sealed class Backend
    {
        private WebApplication _web = null!;
        private long _requests;

        public required string Version { get; init; }

        public Uri Address { get; private set; } = null!;

        public long Requests => Interlocked.Read(ref _requests);

        public static async Task<Backend> StartAsync(string version)
        {
            var backend = new Backend { Version = version };
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var web = builder.Build();
            web.UseWebSockets();
            var body = Encoding.UTF8.GetBytes($"hello from {version}\n");
            web.Run(async context =>
            {
                Interlocked.Increment(ref backend._requests);
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.ContentLength = body.Length;
                    await context.Response.Body.WriteAsync(body);
                    return;
                }

                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await socket.SendAsync(Encoding.UTF8.GetBytes(version), WebSocketMessageType.Text, true, default);
                var buffer = new byte[4096];
                try
                {
                    while (true)
                    {
                        var r = await socket.ReceiveAsync(buffer, context.RequestAborted);
                        if (r.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                            return;
                        }

                        await socket.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, context.RequestAborted);
                    }
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
                {
                }
            });
            await web.StartAsync();
            backend._web = web;
            backend.Address = new Uri(web.Urls.First());
            return backend;
        }

        /// <summary>Stops at once (connections still open, such as WebSockets, are aborted), as SIGKILL after a drain would.</summary>
        public async Task StopAsync()
        {
            using var now = new CancellationTokenSource();
            await now.CancelAsync();
            await _web.StopAsync(now.Token);
            await _web.DisposeAsync();
        }
    }
}
