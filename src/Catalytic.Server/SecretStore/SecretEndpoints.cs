using Catalytic.Contracts.Json;
using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Secrets;
using Catalytic.Identity.Audit;
using Catalytic.Server.Api;
using Catalytic.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.SecretStore;

/// <summary>
/// The secrets API (admin only): list the names (<c>GET /api/secrets</c>), set a value (<c>PUT /api/secrets/{name}</c>
/// with <c>{"value": "…"}</c>) and remove one (<c>DELETE</c>). A value goes in and never comes out: not in an answer,
/// not in a log line, not in the audit log (which records who set or removed which name). Bad input is a 400 naming
/// the field and changes nothing.
/// </summary>
public static class SecretEndpoints
{
    /// <summary>Maps the secrets endpoints over the state folder's <c>secrets/</c>.</summary>
    public static IEndpointRouteBuilder MapSecretEndpoints(this IEndpointRouteBuilder routes, string stateDirectory)
    {
        var folder = new SecretFolder(stateDirectory);
        routes.MapGet(SecretRoutes.Secrets, () => TypedResults.Json(folder.List(), ApiJson.Default.IReadOnlyListSecretView)).Require(Policies.Admin);

        routes.MapPut(SecretRoutes.Secret, async (string name, HttpContext http, CancellationToken ct) =>
        {
            if (SecretFolder.NameError(name) is { } bad)
            {
                return ApiResults.Problem(ApiProblems.Invalid, bad, "name");
            }

            var body = await RunEndpoints.ReadAsync(http, ApiJson.Default.SecretBody, ct);
            if (body.Error is not null)
            {
                return body.Error;
            }

            if (body.Value?.Value is not { Length: > 0 and <= SecretFolder.MaxValue } value)
            {
                return ApiResults.Problem(ApiProblems.Invalid, $"value is required: 1 to {SecretFolder.MaxValue} characters", "value");
            }

            // Not cut short by a client that hangs up: a value stored must be a value audited.
            var created = await folder.SetAsync(name, value, CancellationToken.None);
            await http.AuditAsync(AuditActions.SecretSet, "secret " + name, created ? "created" : "replaced");
            var view = folder.List().First(s => s.Name == name && s.Source == "file");
            return created
                ? TypedResults.Json(view, ApiJson.Default.SecretView, statusCode: StatusCodes.Status201Created)
                : TypedResults.Json(view, ApiJson.Default.SecretView);
        }).Require(Policies.Admin).WithMetadata(new MaxBodySize(RunEndpoints.MaxBody));

        routes.MapDelete(SecretRoutes.Secret, async (string name, HttpContext http) =>
        {
            if (SecretFolder.NameError(name) is { } bad)
            {
                return ApiResults.Problem(ApiProblems.Invalid, bad, "name");
            }

            if (!folder.Remove(name))
            {
                return Environment.GetEnvironmentVariable(SecretFolder.Variable(name)) is { Length: > 0 }
                    ? ApiResults.Problem(ApiProblems.Conflict, $"secret '{name}' comes from the server's environment ({SecretFolder.Variable(name)}); remove it there", "name")
                    : ApiResults.Problem(ApiProblems.NotFound, $"no secret '{name}'", "name");
            }

            await http.AuditAsync(AuditActions.SecretRemove, "secret " + name);
            return Results.NoContent();
        }).Require(Policies.Admin);
        return routes;
    }
}
