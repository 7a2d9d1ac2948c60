using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

// bench/edge backend: answers every request with a short fixed body naming itself.
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
app.Run(context =>
{
    context.Response.ContentType = "text/plain";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});
await app.RunAsync();
