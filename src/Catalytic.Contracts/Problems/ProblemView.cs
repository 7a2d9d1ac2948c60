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

    /// <summary>401: missing or wrong bearer token.</summary>
    public static ProblemKind Unauthorized { get; } = new(401, "unauthorized");

    /// <summary>404: no such app, environment, release or deployment.</summary>
    public static ProblemKind NotFound { get; } = new(404, "not found");

    /// <summary>409: not possible in the current state (e.g. another deployment just started).</summary>
    public static ProblemKind Conflict { get; } = new(409, "conflict");
}

/// <summary>One kind of problem: its HTTP status, its title and the URI that names its type.</summary>
public sealed record ProblemKind(int Status, string Title)
{
    /// <summary>https://catalytic.dev/problems/TITLE-WITH-DASHES</summary>
    public string Type => "https://catalytic.dev/problems/" + Title.Replace(' ', '-');
}
