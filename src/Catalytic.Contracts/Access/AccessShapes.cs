namespace Catalytic.Contracts.Access;

/// <summary>Body of POST /api/session.</summary>
public sealed record LoginBody(string? User, string? Password);

/// <summary>
/// Who the caller is (GET /api/session; also the answer of a login). <see cref="CsrfToken"/> is set for a browser
/// session only: every state-changing request of that session carries it in <see cref="AccessRoutes.CsrfHeader"/>.
/// </summary>
/// <param name="Kind">session, token or local.</param>
public sealed record WhoAmIView(string User, string Role, string Kind, string? SessionId = null, string? CsrfToken = null, DateTimeOffset? ExpiresAt = null);

/// <summary>A user as the API shows one (never a password or its hash).</summary>
public sealed record UserView(string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Body of POST /api/users.</summary>
public sealed record AddUserBody(string? Name, string? Role, string? Password);

/// <summary>Body of PATCH /api/users/{name}: a new role (admins), a new password (admins, or the user), or both.</summary>
public sealed record UpdateUserBody(string? Role = null, string? Password = null);

/// <summary>A token as the API lists one (never its secret).</summary>
/// <param name="User">The user it acts as; null for a worker token of the server.</param>
public sealed record TokenView(string Id, string Name, string? User, string Role, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, bool Expired);

/// <summary>Body of POST /api/tokens.</summary>
/// <param name="Expires"><c>never</c> (the default) or a lifetime such as <c>90m</c>, <c>12h</c>, <c>30d</c>, <c>2w</c>.</param>
public sealed record CreateTokenBody(string? User = null, string? Name = null, string? Role = null, string? Expires = null);

/// <summary>Answer of POST /api/tokens: the token's record and its secret, shown this once and stored nowhere.</summary>
public sealed record CreatedTokenView(TokenView Token, string Secret);

/// <summary>A live browser session (never its cookie).</summary>
/// <param name="Current">True for the session that asks.</param>
public sealed record SessionView(string Id, string User, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset LastSeenAt, string Address, string Agent, bool Current);

/// <summary>One audit entry: who did what, when, from where, to what, and how it ended (ok, failed, denied).</summary>
public sealed record AuditEntryView(long Seq, DateTimeOffset At, string Actor, string ActorKind, string Address, string Action, string Target, string Detail, string Outcome);
