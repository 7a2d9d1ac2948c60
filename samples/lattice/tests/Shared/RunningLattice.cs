using System.Net.Http.Json;
using System.Text.Json;
using Lattice.Api;
using Microsoft.AspNetCore.Builder;

namespace Lattice.Testing;

/// <summary>The real service on a free loopback port, with an HttpClient pointed at it.</summary>
public sealed class RunningLattice : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningLattice(WebApplication app)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = app.BaseAddress(), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RunningLattice> StartAsync(LatticeSettings? settings = null)
    {
        var app = await LatticeApp.CreateAsync(settings ?? new LatticeSettings(0, null, null), ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new RunningLattice(app);
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostPathAsync(object request)
    {
        var response = await Client.PostAsJsonAsync("/v1/paths", request, TestContext.Current.CancellationToken);
        return (response, await ReadJsonAsync(response));
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetJsonAsync(string path)
    {
        var response = await Client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        return (response, await ReadJsonAsync(response));
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
