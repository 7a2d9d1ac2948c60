using System.Net;
using System.Text.Json;
using Catalytic.Delivery.Client;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Storage;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Server.Api;
using Catalytic.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Hosting;

/// <summary>
/// `catalytic serve`: the long-running platform process. Opens the store, starts one edge listener per
/// configured environment, restores the live versions, serves the API on 127.0.0.1 and writes where it
/// listens (server.json) and a fresh bearer token (server.token, readable by the user only) into the state folder.
/// </summary>
public sealed class CatalyticServer : IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly TextWriter _log;
    private WebApplication? _app;
    private EdgeHost? _edge;
    private DeliveryEngine? _engine;
    private IDeliveryStore? _store;

    /// <summary>Prepares a server; <see cref="StartAsync"/> starts it.</summary>
    public CatalyticServer(ServerOptions options, TextWriter? log = null)
    {
        _options = options;
        _log = log ?? Console.Error;
    }

    /// <summary>The API address once started.</summary>
    public Uri? ApiAddress { get; private set; }

    /// <summary>The engine once started.</summary>
    public DeliveryEngine Engine => _engine ?? throw new InvalidOperationException("not started");

    /// <summary>Runs until <paramref name="ct"/> is cancelled. Returns 0, or 2 when the configuration is invalid.</summary>
    public static async Task<int> RunAsync(ServerOptions options, CancellationToken ct)
    {
        await using var server = new CatalyticServer(options);
        var errors = await server.StartAsync(ct);
        if (errors is not null)
        {
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync(e);
            }

            return 2;
        }

        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }

        await Console.Error.WriteLineAsync("catalytic serve: stopping (draining edge, stopping instances)");
        return 0;
    }

    /// <summary>Starts everything; returns the configuration errors instead when catalytic.yml is invalid (nothing is started then).</summary>
    public async Task<IReadOnlyList<string>?> StartAsync(CancellationToken ct = default)
    {
        var state = Path.GetFullPath(_options.StateDirectory);
        var configPath = Path.GetFullPath(_options.ConfigPath);
        var config = DeliveryConfigParser.Load(configPath);
        if (!config.Ok)
        {
            return [.. config.Errors.Select(e => e.ToString())];
        }

        if (await AlreadyRunningAsync(state) is { } other)
        {
            return [$"a catalytic server already runs for {state} at {other}"];
        }

        Directory.CreateDirectory(state);
        _store = _options.Postgres is { } pg ? new PostgresDeliveryStore(pg) : new SqliteDeliveryStore(Path.Combine(state, "catalytic.db"));
        await _store.InitializeAsync(ct);
        var time = TimeProvider.System;
        var router = new EdgeRouter(time);
        _edge = new EdgeHost(router);
        _engine = new DeliveryEngine(state, () => DeliveryConfigParser.Load(configPath), _store, router, router, time, _options.LogMaskCommand);
        // Environments with a live version queue their requests until the restore has routed it, instead of 503.
        await _engine.HoldLiveAsync(ct);

        foreach (var app in config.Config!.Apps)
        {
            foreach (var env in app.Environments)
            {
                DeliveryConfigParser.TryParseListen(env.Listen, out var host, out var port);
                var ip = host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host);
                var bound = await _edge.StartAsync(app.Name, env.Name, new IPEndPoint(ip, port), ct);
                await _log.WriteLineAsync($"catalytic serve: edge for {app.Name}/{env.Name} on http://{bound}/");
            }
        }

        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = state });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _options.ApiPort));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, DeliveryJson.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(_engine);
        builder.Services.AddSingleton(_store);
        builder.Services.AddSingleton(router);
        builder.Services.AddSingleton(new ApiToken(token));
        _app = builder.Build();
        _app.MapDeliveryEndpoints();
        _app.MapMetricsEndpoint();
        await _app.StartAsync(ct);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ApiAddress = new Uri(address.TrimEnd('/') + "/");

        await WriteSecretFileAsync(Path.Combine(state, DeliveryClient.TokenFile), token, ct);
        await File.WriteAllTextAsync(Path.Combine(state, DeliveryClient.ServerFile),
            JsonSerializer.Serialize(new ServerInfo(ApiAddress.ToString(), Environment.ProcessId, time.GetUtcNow()), DeliveryJson.Default.ServerInfo), ct);
        await _log.WriteLineAsync($"catalytic serve: API on {ApiAddress} (state {state})");

        await _engine.RestoreAsync(ct);
        foreach (var live in await _store.ListLiveAsync(ct))
        {
            await _log.WriteLineAsync(_engine.RestoreErrors.TryGetValue((live.App, live.Environment), out var why)
                ? $"catalytic serve: {live.App}/{live.Environment} could not start {live.Version} again: {why}"
                : $"catalytic serve: {live.App}/{live.Environment} serves {live.Version}");
        }

        return null;
    }

    /// <summary>Stops the API, the edge (draining) and every instance, and removes server.json.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            var state = Path.GetFullPath(_options.StateDirectory);
            File.Delete(Path.Combine(state, DeliveryClient.ServerFile));
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private static async Task WriteSecretFileAsync(string path, string content, CancellationToken ct)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), ct);
    }

    private static async Task<string?> AlreadyRunningAsync(string state)
    {
        var file = Path.Combine(state, DeliveryClient.ServerFile);
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            var info = JsonSerializer.Deserialize(await File.ReadAllTextAsync(file), DeliveryJson.Default.ServerInfo);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
            using var r = await http.GetAsync(new Uri(new Uri(info!.Url), "api/health"));
            return r.IsSuccessStatusCode ? info.Url : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>The bearer token of this server's API.</summary>
public sealed record ApiToken(string Value);
