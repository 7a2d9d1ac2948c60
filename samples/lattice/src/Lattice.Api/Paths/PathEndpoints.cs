using System.Text.Json;
using Lattice.Api.Pathfinding;
using Lattice.Api.Serialization;

namespace Lattice.Api.Paths;

/// <summary><c>POST /v1/paths</c> and <c>GET /v1/paths/{id}</c>.</summary>
public static class PathEndpoints
{
    public static IEndpointRouteBuilder MapPathEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/paths");
        group.MapPost("", SolveAsync);
        group.MapGet("/{id}", FindAsync);
        return routes;
    }

    private static async Task<IResult> SolveAsync(HttpRequest http, PathService service, CancellationToken cancellationToken)
    {
        PathRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Body, LatticeJsonContext.Default.PathRequest, cancellationToken);
        }
        catch (JsonException e)
        {
            return Invalid(new Dictionary<string, string[]> { [FieldOf(e.Path)] = [Describe(e)] });
        }

        if (request is null)
        {
            return Invalid(new Dictionary<string, string[]> { ["body"] = ["must be a JSON object."] });
        }

        var outcome = RequestValidator.Validate(request);
        if (outcome.Problem is null)
        {
            return Invalid(outcome.Errors);
        }

        var response = await service.SolveAsync(outcome.Problem, cancellationToken);
        http.HttpContext.Response.Headers.Location = $"/v1/paths/{response.Id}";
        return TypedResults.Json(response, LatticeJsonContext.Default.PathResponse);
    }

    private static async Task<IResult> FindAsync(string id, PathService service, CancellationToken cancellationToken)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
        {
            return Invalid(new Dictionary<string, string[]> { ["id"] = ["must be 32 lowercase hexadecimal digits, as returned by POST /v1/paths."] });
        }

        return await service.FindAsync(id, cancellationToken) is { } found
            ? TypedResults.Json(found, LatticeJsonContext.Default.PathResponse)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No stored path has this id.", detail: $"Path {id} was never computed here, or has been evicted.");
    }

    private static IResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The lattice request is invalid.");

    /// <summary>"$.obstacles[3][1]" → "obstacles[3][1]"; the whole body is "body".</summary>
    internal static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "body" : jsonPath.TrimStart('$', '.');

    private static string Describe(JsonException e)
    {
        var where = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
        var what = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? "contains a field this API does not know; expected dimensions, start, goal, obstacles, allowDiagonal, algorithm"
            : e.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? "has the wrong type: dimensions, start and goal are arrays of integers, obstacles an array of such arrays, allowDiagonal a boolean, algorithm a string"
                : "is not valid JSON";
        return what + where + ".";
    }
}
