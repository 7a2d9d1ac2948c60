using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Workers;
using Catalytic.Server.Api;
using Catalytic.Server.Auth;
using Catalytic.Status.Checks.Remote;
using Catalytic.Status.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Status;

/// <summary>
/// Checks run from the workers, over the worker protocol (worker credentials only): GET /api/workers/checks hands a
/// worker the `from: [workers]` checks (what to reach, never the conditions), POST /api/workers/checks/results takes
/// one raw probe, read field by field (<see cref="RemoteChecks.Read"/>), and gives it to
/// <see cref="StatusService.ObserveRemoteAsync"/>, which evaluates the conditions on the server and counts the worker
/// as one location of the check's verdict. A refusal is a problem naming the field and changes nothing.
/// </summary>
public static class WorkerCheckEndpoints
{
    /// <summary>Maps the two routes.</summary>
    public static IEndpointRouteBuilder MapWorkerCheckEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(WorkerRoutes.Checks, (StatusService status) => TypedResults.Json(RemoteChecks.View(status.Config), WorkerJson.Default.WorkerChecksView))
            .Require(Policies.Worker);
        routes.MapPost(WorkerRoutes.CheckResults, ReportAsync).Require(Policies.Worker);
        return routes;
    }

    private static async Task<IResult> ReportAsync(HttpContext http, StatusService status, CancellationToken ct)
    {
        var (body, refusal) = await StatusBodies.ReadAsync(http.Request, WorkerJson.Default.WorkerProbeBody, ct, RemoteChecks.MaxReportBytes);
        if (refusal is not null)
        {
            return refusal;
        }

        if (body is null)
        {
            return ApiResults.Problem(ApiProblems.Invalid, "the body is a probe report: worker, check and what the probe saw", "body");
        }

        // A worker token reports for its own worker only, so one token cannot stand for several locations of a quorum.
        // (A report naming no worker is refused below, 400 naming the field.)
        if (http.Caller().WorkerName is { } tokenFor && body.Worker is { Length: > 0 } && !string.Equals(tokenFor, body.Worker, StringComparison.Ordinal))
        {
            return ApiResults.Forbidden($"this worker token was issued for worker '{tokenFor}'; it cannot report as '{body.Worker}'", "worker");
        }

        if (RemoteChecks.Read(body, out var field, out var why) is not { } probe)
        {
            return ApiResults.Problem(ApiProblems.Invalid, why, field);
        }

        if (await status.ObserveRemoteAsync(body.Worker!, body.Check!, probe, ct) is { } refused)
        {
            return ApiResults.Problem(ApiProblems.Invalid, refused, refused.StartsWith("worker", StringComparison.Ordinal) ? "worker" : "check");
        }

        return TypedResults.Accepted((string?)null);
    }
}
