using System.Text.Json.Serialization;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Triggers;
using Catalytic.Pipelines.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

using Catalytic.Server.Auth;

namespace Catalytic.Server.Api;

/// <summary>The triggers' answers as JSON.</summary>
public sealed record HookAnswer(string Message, IReadOnlyList<QueuedRun> Runs);

/// <summary>Source-generated JSON of the pipeline endpoints.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HookAnswer))]
[JsonSerializable(typeof(IReadOnlyList<RepositoryStatus>))]
public sealed partial class PipelineJson : JsonSerializerContext;

/// <summary>
/// The triggers over HTTP, thin on purpose (the logic is <see cref="WebhookHandler"/>'s and <see cref="PipelineTriggers"/>'):
/// <c>POST /api/hooks/{repo}</c> (no bearer token: the signature is the credential), <c>POST /api/repos/{repo}/notify</c>
/// (the git hook's "refs changed"), <c>GET /api/repositories</c> (each repository's status and why it fails).
/// </summary>
public static class PipelineEndpoints
{
    /// <summary>Maps the endpoints for <paramref name="triggers"/>.</summary>
    public static IEndpointRouteBuilder MapPipelineEndpoints(this IEndpointRouteBuilder routes, PipelineTriggers triggers)
    {
        routes.MapPost("/api/hooks/{repo}", async (string repo, HttpContext http, CancellationToken ct) =>
        {
            if (http.Request.ContentLength > WebhookHandler.MaxBodyBytes)
            {
                return Answer(StatusCodes.Status413PayloadTooLarge, $"the payload is {http.Request.ContentLength} bytes; the limit is {WebhookHandler.MaxBodyBytes}");
            }

            var body = await ReadBoundedAsync(http.Request.Body, WebhookHandler.MaxBodyBytes, ct);
            if (body is null)
            {
                return Answer(StatusCodes.Status413PayloadTooLarge, $"the payload is larger than {WebhookHandler.MaxBodyBytes} bytes");
            }

            var headers = http.Request.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value.ToString()));
            var outcome = await triggers.Webhooks.HandleAsync(repo, headers, body, ct);
            return TypedResults.Json(new HookAnswer(outcome.Message, outcome.Runs), PipelineJson.Default.HookAnswer, statusCode: outcome.Status);
        }).Public("webhook: authenticated by its signature (the repository's webhook secret)");
        var api = routes.MapGroup("/api");
        api.MapPost("/repos/{repo}/notify", (string repo) => triggers.Notify(repo)
            ? Answer(StatusCodes.Status202Accepted, $"repository '{repo}' reads its refs now")
            : Answer(StatusCodes.Status404NotFound, $"no repository '{repo}' on this server")).Require(Policies.Developer);
        api.MapGet("/repositories", () => TypedResults.Json(triggers.Status, PipelineJson.Default.IReadOnlyListRepositoryStatus)).Require(Policies.Viewer);
        return routes;
    }

    private static IResult Answer(int status, string message) =>
        TypedResults.Json(new HookAnswer(message, []), PipelineJson.Default.HookAnswer, statusCode: status);

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (read no further than that).</summary>
    internal static async Task<byte[]?> ReadBoundedAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }
}
