using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Catalytic.Edge.Tests.Support;

/// <summary>
/// A real Kestrel backend on 127.0.0.1 (free port) that answers as one instance of a version:
/// <c>/</c> → "VERSION/INSTANCE", <c>/slow?ms=N</c> waits, <c>/status/N</c> answers N, <c>/headers</c> echoes request
/// headers as "name: value" lines, <c>/echo</c> returns the request body, <c>/path</c> the path and query it got,
/// <c>/protocol</c> the HTTP version it was spoken to in; <c>/ws</c> accepts a WebSocket, sends "VERSION/INSTANCE" and
/// echoes every message; <c>/ws-refuse</c> answers a WebSocket request 403 without switching. With <c>h2c</c> it speaks
/// only HTTP/2 without TLS (prior knowledge).
/// </summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _web;
    private int _requests;

    private TestBackend(WebApplication web, string version, string instance)
    {
        _web = web;
        Version = version;
        Instance = instance;
    }

    public string Version { get; }

    public string Instance { get; }

    public Uri Address { get; private set; } = null!;

    /// <summary>WebSockets open on this backend now.</summary>
    public int OpenWebSockets => Volatile.Read(ref _sockets);

    private int _sockets;

    /// <summary>Requests this backend received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts a backend; <paramref name="onRequest"/> runs as each request arrives (a test moves its fake clock there).</summary>
    public static async Task<TestBackend> StartAsync(string version, string instance = "a", Action? onRequest = null, bool h2c = false)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0,
            l => l.Protocols = h2c ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2 : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2));
        builder.Services.AddRoutingCore();
        var web = builder.Build();
        var backend = new TestBackend(web, version, instance);
        web.UseWebSockets();
        web.Use(async (context, next) =>
        {
            Interlocked.Increment(ref backend._requests);
            onRequest?.Invoke();
            await next(context);
        });
        web.Run(backend.HandleAsync);
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return backend;
    }

    public Task StopAsync() => _web.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        await _web.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        context.Response.Headers["X-Backend"] = $"{Version}/{Instance}";
        context.Response.Headers["X-Path"] = $"{context.Request.Path}{context.Request.QueryString}";
        if (path.StartsWith("/slow", StringComparison.Ordinal))
        {
            var ms = int.Parse(context.Request.Query["ms"].FirstOrDefault() ?? "100", System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(TimeSpan.FromMilliseconds(ms), Catalytic.Testing.Waiting.RealTime.Clock, context.RequestAborted); // the slow backend's own pace
        }
        else if (path.StartsWith("/status/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = int.Parse(path["/status/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (path == "/headers")
        {
            foreach (var (name, value) in context.Request.Headers)
            {
                await context.Response.WriteAsync($"{name}: {value}\n");
            }

            return;
        }
        else if (path == "/path")
        {
            await context.Response.WriteAsync($"{context.Request.Path}{context.Request.QueryString}");
            return;
        }
        else if (path == "/protocol")
        {
            await context.Response.WriteAsync(context.Request.Protocol);
            return;
        }
        else if (path == "/ws" && context.WebSockets.IsWebSocketRequest)
        {
            await EchoAsync(context);
            return;
        }
        else if (path == "/ws-refuse")
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("no upgrade here");
            return;
        }
        else if (path == "/echo")
        {
            await context.Request.Body.CopyToAsync(context.Response.Body);
            return;
        }

        await context.Response.WriteAsync($"{Version}/{Instance}");
    }

    private async Task EchoAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _sockets);
        try
        {
            var hello = System.Text.Encoding.UTF8.GetBytes($"{Version}/{Instance}");
            await socket.SendAsync(hello, System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (read.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                    return;
                }

                message.Write(buffer, 0, read.Count);
                if (read.EndOfMessage)
                {
                    await socket.SendAsync(message.GetBuffer().AsMemory(0, (int)message.Length), read.MessageType, true, context.RequestAborted);
                    message.SetLength(0);
                }
            }
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or IOException)
        {
            // The edge or the client went away: the test looks at what its client saw.
        }
        finally
        {
            Interlocked.Decrement(ref _sockets);
        }
    }
}
