using System.Net;
using Lattice.Api.Observability;
using Lattice.Api.Paths;
using Lattice.Api.Serialization;
using Lattice.Api.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Lattice.Api;

/// <summary>Builds the service: storage chosen from the settings, endpoints, metrics.</summary>
public static class LatticeApp
{
    /// <summary>Largest accepted request body: 200 000 obstacles of six small coordinates fit.</summary>
    public const long MaxRequestBodyBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Connects to PostgreSQL and Redis when configured (failing fast when they cannot be reached) and
    /// returns the application, not yet started.
    /// </summary>
    public static async Task<WebApplication> CreateAsync(LatticeSettings settings, string[]? args = null, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, settings.Port);
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });

        IPathStore store = settings.Postgres is { } postgres
            ? await PostgresPathStore.OpenAsync(postgres, CancellationToken.None)
            : new InMemoryPathStore();
        IPathCache cache = settings.Redis is { } redis
            ? await RedisPathCache.ConnectAsync(redis, settings.RedisPrefix)
            : new InMemoryPathCache();

        var version = VersionInfo.Resolve(Environment.GetEnvironmentVariable);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(cache);
        builder.Services.AddSingleton(version);
        builder.Services.AddSingleton<LatticeMetrics>();
        builder.Services.AddSingleton<PathService>();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, LatticeJsonContext.Default));

        var app = builder.Build();
        app.UseRequestMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapObservabilityEndpoints();
        app.MapPathEndpoints();
        app.MapGet("/", () => TypedResults.Text("Catalytic Computing — lattice API. POST /v1/paths, GET /v1/paths/{id}, /healthz, /version, /metrics.\n"));
        return app;
    }

    /// <summary>The address Kestrel bound, e.g. <c>http://127.0.0.1:41234</c> (useful with port 0).</summary>
    public static Uri BaseAddress(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
