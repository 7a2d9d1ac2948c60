namespace Catalytic.Contracts.Problems;

/// <summary>An RFC 7807 problem as the API returns it, with the field at fault.</summary>
/// <param name="Field">The request field (or route value) at fault: app, environment, id, to, config…</param>
/// <param name="Errors">Every detail line, e.g. each configuration error as file:line:column: message.</param>
public sealed record ProblemView(string? Type, string? Title, int? Status, string? Detail, string? Field, IReadOnlyList<string>? Errors);

/// <summary>The kinds of refusal the API answers with: status, title and type of each problem document.</summary>
public static class ApiProblems
{
    /// <summary>The extension member naming the field at fault.</summary>
    public const string FieldMember = "field";

    /// <summary>The extension member listing every detail line.</summary>
    public const string ErrorsMember = "errors";

    /// <summary>400: malformed or invalid input; nothing changed.</summary>
    public static ProblemKind Invalid { get; } = new(400, "invalid request");

    /// <summary>401: no credentials, or ones the server does not accept (wrong, revoked, expired, of a removed user).</summary>
    public static ProblemKind Unauthorized { get; } = new(401, "unauthorized");

    /// <summary>403: the caller is known but its role (or the environment's approval rule, or a missing CSRF token) does not allow this.</summary>
    public static ProblemKind Forbidden { get; } = new(403, "forbidden");

    /// <summary>404: no such app, environment, release or deployment.</summary>
    public static ProblemKind NotFound { get; } = new(404, "not found");

    /// <summary>409: not possible in the current state (e.g. another deployment just started).</summary>
    public static ProblemKind Conflict { get; } = new(409, "conflict");

    /// <summary>413: the request body is larger than the endpoint accepts.</summary>
    public static ProblemKind TooLarge { get; } = new(413, "payload too large");

    /// <summary>429: too many failed logins for the user or the address; the Retry-After header says when to try again.</summary>
    public static ProblemKind TooManyRequests { get; } = new(429, "too many requests");
}

/// <summary>One kind of problem: its HTTP status, its title and the URI that names its type.</summary>
public sealed record ProblemKind(int Status, string Title)
{
    /// <summary>https://catalytic.dev/problems/TITLE-WITH-DASHES</summary>
    public string Type => "https://catalytic.dev/problems/" + Title.Replace(' ', '-');
}
