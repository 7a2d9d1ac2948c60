using Lattice.Api.Serialization;
using Lattice.Api.Storage;

namespace Lattice.Api.Observability;

/// <summary>Result of /healthz: overall status and each dependency.</summary>
public sealed record HealthReport(string Status, string Store, bool StoreHealthy, string Cache, bool CacheHealthy);

/// <summary>/healthz, /version, /metrics and the middleware that feeds the request metrics.</summary>
public static class ObservabilityEndpoints
{
    public static IEndpointRouteBuilder MapObservabilityEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", HealthAsync);
        routes.MapGet("/version", (VersionInfo version) => TypedResults.Json(version, LatticeJsonContext.Default.VersionInfo));
        routes.MapGet("/metrics", (LatticeMetrics metrics) =>
            TypedResults.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        return routes;
    }

    /// <summary>Times every request and records it under its route template (so ids do not explode the series).</summary>
    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var time = context.RequestServices.GetRequiredService<TimeProvider>();
            var started = time.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var route = RouteOf(context);
                context.RequestServices.GetRequiredService<LatticeMetrics>()
                    .Request(route, context.Request.Method, context.Response.StatusCode, time.GetElapsedTime(started));
            }
        });

    /// <summary>The route template ("/v1/paths/{id}"); a group's empty child pattern leaves a trailing slash, trimmed here.</summary>
    private static string RouteOf(HttpContext context)
    {
        var raw = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        return raw is null ? "unmatched" : raw.Length > 1 ? raw.TrimEnd('/') : raw;
    }

    private static async Task<IResult> HealthAsync(IPathStore store, IPathCache cache, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        var storeHealthy = await SafePing(() => store.PingAsync(timeout.Token));
        var cacheHealthy = await SafePing(() => cache.PingAsync(timeout.Token));
        var healthy = storeHealthy && cacheHealthy;
        var report = new HealthReport(healthy ? "healthy" : "unhealthy", store.Kind, storeHealthy, cache.Kind, cacheHealthy);
        return TypedResults.Json(report, LatticeJsonContext.Default.HealthReport, statusCode: healthy ? 200 : 503);
    }

    private static async Task<bool> SafePing(Func<Task<bool>> ping)
    {
        try
        {
            return await ping();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }
}
