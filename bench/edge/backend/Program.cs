using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

// bench/edge backend: answers every request with a short fixed body naming itself; /ws accepts a WebSocket, sends its
// name, then echoes every message (bench/edge/mix measures messages/s through the edge and directly).
// Usage: Catalytic.Bench.Backend PORT [NAME]
var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var name = args.Length > 1 ? args[1] : "backend";
var body = System.Text.Encoding.UTF8.GetBytes($"hello from {name}\n");

var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Loopback, port);
});
var app = builder.Build();
app.UseWebSockets();
app.Run(context =>
{
    if (context.WebSockets.IsWebSocketRequest)
    {
        return EchoAsync(context);
    }

    context.Response.ContentType = "text/plain";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});
await app.RunAsync();

async Task EchoAsync(HttpContext context)
{
    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(name), System.Net.WebSockets.WebSocketMessageType.Text, true, default);
    var buffer = new byte[64 * 1024];
    try
    {
        while (true)
        {
            var r = await socket.ReceiveAsync(buffer, default);
            if (r.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, default);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, default);
        }
    }
    catch (System.Net.WebSockets.WebSocketException)
    {
    }
}
