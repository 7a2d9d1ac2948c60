using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Workers.Files;
using Catalytic.Pipelines.Workers.Serving;
using Catalytic.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Api;

/// <summary>
/// The worker protocol over HTTP (<see cref="WorkerRoutes"/>; docs/server.md, "Workers"), thin on purpose: the checks
/// and the work are <see cref="WorkerGateway"/>'s, over whatever <c>IJobDispatcher</c> the server has. Every route
/// requires the <see cref="Policies.Worker"/> policy; the bearer credential that passed it is also what a lease is
/// sealed with, so a lease works only with the credential that took the job.
/// </summary>
public static class WorkerEndpoints
{
    /// <summary>Maps the worker routes for <paramref name="gateway"/>, and the mirrors under <paramref name="repositories"/> over git's smart HTTP.</summary>
    public static IEndpointRouteBuilder MapWorkerEndpoints(this IEndpointRouteBuilder routes, WorkerGateway gateway, string repositories)
    {
        routes.MapPost(WorkerRoutes.Acquire, async (HttpContext http, CancellationToken ct) =>
        {
            if (await BodyAsync(http, WorkerGateway.MaxAcquireBytes, ct) is not { } body)
            {
                return TooLarge(WorkerGateway.MaxAcquireBytes);
            }

            var result = await gateway.AcquireAsync(body, Credential(http), http.Caller().WorkerName, ct);
            return result.Problem is { } p ? Problem(p)
                : result.Value is { } job ? TypedResults.Json(job, WorkerJson.Default.WorkerAssignmentView)
                : TypedResults.NoContent();
        }).Require(Policies.Worker);

        var lease = routes.MapGroup(WorkerRoutes.Lease).Require(Policies.Worker);
        lease.MapPost(WorkerRoutes.Renew, async (string lease, HttpContext http, CancellationToken ct) =>
            Answer(await gateway.RenewAsync(lease, Credential(http), ct)));
        lease.MapPost(WorkerRoutes.Report, async (string lease, HttpContext http, CancellationToken ct) =>
            await BodyAsync(http, WorkerGateway.MaxReportBytes, ct) is { } body
                ? Answer(await gateway.ReportAsync(lease, Credential(http), body, ct))
                : TooLarge(WorkerGateway.MaxReportBytes));
        lease.MapPost(WorkerRoutes.Complete, async (string lease, HttpContext http, CancellationToken ct) =>
            await BodyAsync(http, WorkerGateway.MaxReportBytes, ct) is { } body
                ? Answer(await gateway.CompleteAsync(lease, Credential(http), body, ct))
                : TooLarge(WorkerGateway.MaxReportBytes));

        lease.MapGet(WorkerRoutes.Artifacts, (string lease, HttpContext http) =>
            Json(gateway.ListArtifacts(lease, Credential(http)), r => TypedResults.Json(r, WorkerJson.Default.IReadOnlyListWorkerArtifactView)));
        lease.MapGet(WorkerRoutes.Artifact, (string lease, string name, HttpContext http) =>
        {
            var folder = gateway.ArtifactFolder(lease, Credential(http), name);
            return folder.Problem is { } p
                ? Problem(p)
                : Results.Stream(s => TarTransfer.WriteFolderAsync(s, folder.Value!, http.RequestAborted), "application/x-tar");
        });
        lease.MapPut(WorkerRoutes.Artifact, async (string lease, string name, HttpContext http, CancellationToken ct) =>
        {
            Unbounded(http, gateway.Files.MaxArtifactBytes);
            var q = http.Request.Query;
            var stored = await gateway.StoreArtifactAsync(lease, Credential(http), name, http.Request.Body, http.Request.ContentLength, q["overwrite"], q["retention-days"], ct);
            return Json(stored, r => TypedResults.Json(r, WorkerJson.Default.WorkerArtifactView));
        });

        lease.MapGet(WorkerRoutes.Caches, (string lease, HttpContext http) =>
            Json(gateway.ListCaches(lease, Credential(http)), r => TypedResults.Json(r, WorkerJson.Default.IReadOnlyListWorkerCacheEntryView)));
        lease.MapPost(WorkerRoutes.CacheLookup, async (string lease, HttpContext http, CancellationToken ct) =>
            await BodyAsync(http, WorkerGateway.MaxAcquireBytes, ct) is { } body
                ? Json(gateway.LookupCache(lease, Credential(http), body), r => TypedResults.Json(r, WorkerJson.Default.WorkerCacheLookupView))
                : TooLarge(WorkerGateway.MaxAcquireBytes));
        lease.MapGet(WorkerRoutes.Cache, (string lease, string id, HttpContext http) =>
        {
            var archive = gateway.OpenCache(lease, Credential(http), id);
            return archive.Problem is { } p ? Problem(p) : Results.Stream(archive.Value!, "application/octet-stream");
        });
        lease.MapPut(WorkerRoutes.Caches, async (string lease, HttpContext http, CancellationToken ct) =>
        {
            Unbounded(http, gateway.Files.MaxCacheBytes);
            var q = http.Request.Query;
            var saved = await gateway.SaveCacheAsync(lease, Credential(http), q["key"], q["version"], http.Request.Body, http.Request.ContentLength, ct);
            return Json(saved, r => TypedResults.Json(r, WorkerJson.Default.WorkerCacheSaveView));
        });

        var git = new GitHttpBackend(repositories);
        routes.MapMethods(WorkerRoutes.Git, ["GET", "POST"], (string repository, string path, HttpContext http) =>
            git.ServeAsync(http, repository, path, Credential(http), http.RequestAborted)).Require(Policies.Worker);
        return routes;
    }

    /// <summary>The bearer credential of the request (the policy already checked that it is a worker's).</summary>
    internal static string Credential(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..].Trim() : "";
    }

    internal static IResult Problem(WorkerProblem p) => ApiResults.Problem(new ProblemKind(p.Status, Title(p.Status)), p.Detail, p.Field);

    private static string Title(int status) => status switch
    {
        400 => "invalid request",
        403 => "forbidden",
        404 => "not found",
        409 => "conflict",
        410 => "gone",
        413 => "too large",
        _ => "refused",
    };

    private static IResult Answer(WorkerResult<LeaseAnswer> result) =>
        Json(result, a => TypedResults.Json(a, WorkerJson.Default.LeaseAnswer));

    private static IResult Json<T>(WorkerResult<T> result, Func<T, IResult> ok) =>
        result.Problem is { } p ? Problem(p) : ok(result.Value!);

    private static IResult TooLarge(int limit) => Problem(WorkerProblem.TooLarge("body", $"the body is larger than {limit} bytes"));

    /// <summary>An upload is bounded by the stores' own limits (checked as it is read), not Kestrel's 30 MB default.</summary>
    private static void Unbounded(HttpContext http, long limit)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            // Tar headers and padding come on top of the files' bytes.
            size.MaxRequestBodySize = limit + (limit / 16) + (1 << 20);
        }
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (refused from its length, or read no further than that).</summary>
    private static async Task<byte[]?> BodyAsync(HttpContext http, int limit, CancellationToken ct) =>
        http.Request.ContentLength > limit ? null : await PipelineEndpoints.ReadBoundedAsync(http.Request.Body, limit, ct);
}
