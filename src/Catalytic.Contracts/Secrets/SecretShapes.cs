namespace Catalytic.Contracts.Secrets;

/// <summary>The secrets API's paths (admin only): names and where each comes from, never a value.</summary>
public static class SecretRoutes
{
    public const string Secrets = "/api/secrets";

    public const string Secret = "/api/secrets/{name}";

    public static string SecretPath(string name) => "api/secrets/" + Uri.EscapeDataString(name);
}

/// <summary>
/// A secret as the API lists one: its name and where the server reads it — <c>file</c> (the state folder's
/// <c>secrets/NAME</c>, set and removed through the API) or <c>environment</c> (<c>CATALYTIC_SECRET_NAME</c> in the
/// server's environment, which wins over a file of the same name; read-only here). Never its value.
/// </summary>
public sealed record SecretView(string Name, string Source, DateTimeOffset? UpdatedAt, bool Shadowed = false);

/// <summary>Body of <c>PUT /api/secrets/{name}</c>: the value to store (never answered back).</summary>
public sealed record SecretBody(string? Value);
