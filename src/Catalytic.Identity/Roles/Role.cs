namespace Catalytic.Identity.Roles;

/// <summary>
/// What a user or token may do (issue 13). The four people's roles are ordered, each including the ones before it;
/// <see cref="Worker"/> stands apart: a worker token takes jobs and reports them, nothing else, and no person's role
/// includes it.
/// </summary>
public enum Role
{
    /// <summary>Reads everything but secrets.</summary>
    Viewer = 1,

    /// <summary>A viewer who also dispatches, cancels and re-runs, and deploys (protected environments wait for an approver).</summary>
    Developer = 2,

    /// <summary>A developer who also approves, rejects and rolls back protected environments and jobs.</summary>
    Approver = 3,

    /// <summary>An approver who also manages users, tokens, secrets and settings.</summary>
    Admin = 4,

    /// <summary>A worker's token: takes jobs and reports them.</summary>
    Worker = 100,
}

/// <summary>Role names as the API, the CLI and catalytic.yml spell them, and how roles compare.</summary>
public static class RoleNames
{
    /// <summary>Every role's name, people's roles from least to most, then worker.</summary>
    public static IReadOnlyList<string> All { get; } = ["viewer", "developer", "approver", "admin", "worker"];

    /// <summary>The people's roles (those a user account can have).</summary>
    public static IReadOnlyList<string> People { get; } = ["viewer", "developer", "approver", "admin"];

    /// <summary>The lowercase name of <paramref name="role"/>.</summary>
    public static string Name(this Role role) => role switch
    {
        Role.Viewer => "viewer",
        Role.Developer => "developer",
        Role.Approver => "approver",
        Role.Admin => "admin",
        Role.Worker => "worker",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>Parses a role name (exact, lowercase); false for anything else.</summary>
    public static bool TryParse(string? name, out Role role)
    {
        role = name switch
        {
            "viewer" => Role.Viewer,
            "developer" => Role.Developer,
            "approver" => Role.Approver,
            "admin" => Role.Admin,
            "worker" => Role.Worker,
            _ => 0,
        };
        return role != 0;
    }

    /// <summary>True for the people's roles (everything but <see cref="Role.Worker"/>).</summary>
    public static bool IsPerson(this Role role) => role is Role.Viewer or Role.Developer or Role.Approver or Role.Admin;

    /// <summary>
    /// Whether a holder of <paramref name="role"/> has everything <paramref name="required"/> grants: among people's roles
    /// the higher includes the lower; <see cref="Role.Worker"/> is met by a worker only, and a worker meets nothing else.
    /// </summary>
    public static bool Includes(this Role role, Role required) =>
        required == Role.Worker ? role == Role.Worker : role.IsPerson() && role >= required;

    /// <summary>The lesser of two people's roles (a token never acts above its user's current role).</summary>
    public static Role Min(Role a, Role b) => a <= b ? a : b;
}
