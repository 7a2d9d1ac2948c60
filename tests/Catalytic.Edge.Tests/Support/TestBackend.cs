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
/// headers as "name: value" lines, <c>/echo</c> returns the request body.
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

    /// <summary>Requests this backend received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts a backend; <paramref name="onRequest"/> runs as each request arrives (a test moves its fake clock there).</summary>
    public static async Task<TestBackend> StartAsync(string version, string instance = "a", Action? onRequest = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var web = builder.Build();
        var backend = new TestBackend(web, version, instance);
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
        if (path.StartsWith("/slow", StringComparison.Ordinal))
        {
            var ms = int.Parse(context.Request.Query["ms"].FirstOrDefault() ?? "100", System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(ms, context.RequestAborted);
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
        else if (path == "/echo")
        {
            await context.Request.Body.CopyToAsync(context.Response.Body);
            return;
        }

        await context.Response.WriteAsync($"{Version}/{Instance}");
    }
}
