using Catalytic.Identity.Roles;

namespace Catalytic.Identity.Accounts;

/// <summary>How a caller proved who it is.</summary>
public enum CallerKind
{
    /// <summary>A browser session (cookie) of a user.</summary>
    Session,

    /// <summary>An API token (of a user, or a worker token of the server).</summary>
    Token,

    /// <summary>The state folder's token: whoever can read the server's 0600 file, an admin of this machine.</summary>
    Local,

    /// <summary>The server acting on its own.</summary>
    System,

    /// <summary>
    /// A job's credential, issued with its lease: good while the job holds that lease, for that job's deployments only
    /// (the server's policies decide which endpoints take it).
    /// </summary>
    Job,
}

/// <summary>
/// The authenticated identity of a request: the only name an action is ever recorded under (a request body cannot name
/// someone else).
/// </summary>
/// <param name="Name">A user name, <c>local</c>, <c>system</c>, or for a worker token of the server <c>worker:ID</c>.</param>
/// <param name="Role">The role in force: a token's never above its user's current role.</param>
/// <param name="CredentialId">The token's or session's public id (null for local and system).</param>
public sealed record Caller(string Name, Role Role, CallerKind Kind, string? CredentialId = null)
{
    /// <summary>The state folder's token.</summary>
    public static Caller Local { get; } = new(AccountNames.Local, Role.Admin, CallerKind.Local);

    /// <summary>The server itself.</summary>
    public static Caller System { get; } = new(AccountNames.System, Role.Admin, CallerKind.System);

    /// <summary>
    /// For a worker token: the one worker name it may register and take jobs under (its token's name); null when it
    /// may use any (a token created without a name, or a credential that is no worker token).
    /// </summary>
    public string? WorkerName { get; init; }

    /// <summary>True when the caller is a user account (session or the user's token), as opposed to local, system or a worker token of the server.</summary>
    public bool IsUser => Kind is CallerKind.Session or CallerKind.Token && !Name.Contains(':', StringComparison.Ordinal);

    /// <summary>The kind as the audit log spells it.</summary>
    public string KindName => Kind switch
    {
        CallerKind.Session => "session",
        CallerKind.Token => "token",
        CallerKind.Local => "local",
        CallerKind.Job => "job",
        _ => "system",
    };
}
