using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Identity.Roles;
using Catalytic.Identity.Sessions;
using Catalytic.Identity.Tokens;

namespace Catalytic.Identity.Storage;

/// <summary>
/// Where users, tokens, sessions and the audit log are kept (Catalytic.Storage: SQLite by default, PostgreSQL shared by
/// several nodes). Every change is one transaction; the audit log is append-only (no method changes or removes an
/// entry, and the tables refuse it).
/// </summary>
public interface IIdentityStore : IAsyncDisposable
{
    /// <summary>Creates the tables (idempotent).</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>Adds a user; false when the name is taken.</summary>
    Task<bool> AddUserAsync(User user, CancellationToken ct = default);

    /// <summary>Adds <paramref name="user"/> only when there is no user at all (the first start); false otherwise.</summary>
    Task<bool> AddFirstUserAsync(User user, CancellationToken ct = default);

    /// <summary>The user called <paramref name="name"/>, or null.</summary>
    Task<User?> GetUserAsync(string name, CancellationToken ct = default);

    /// <summary>Every user, by name.</summary>
    Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default);

    /// <summary>Changes a user's role and/or password hash; a new password also revokes every session of the user. False when there is no such user.</summary>
    Task<bool> UpdateUserAsync(string name, Role? role, string? passwordHash, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Removes a user and revokes every token and session of theirs, in one transaction. False when there is no such user.</summary>
    Task<bool> RemoveUserAsync(string name, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Records a new token (its secret's hash only).</summary>
    Task AddTokenAsync(AccessToken token, CancellationToken ct = default);

    /// <summary>The token with public id <paramref name="id"/>, revoked or not, or null.</summary>
    Task<AccessToken?> GetTokenAsync(string id, CancellationToken ct = default);

    /// <summary>Tokens not revoked (of <paramref name="user"/> when given), newest first.</summary>
    Task<IReadOnlyList<AccessToken>> ListTokensAsync(string? user = null, CancellationToken ct = default);

    /// <summary>Revokes a token; false when there is none or it already was.</summary>
    Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Notes that a token was used at <paramref name="at"/>.</summary>
    Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Records a new session (its secret's hash only).</summary>
    Task AddSessionAsync(Session session, CancellationToken ct = default);

    /// <summary>The session with public id <paramref name="id"/>, or null.</summary>
    Task<Session?> GetSessionAsync(string id, CancellationToken ct = default);

    /// <summary>Sessions not revoked and not past their absolute end at <paramref name="now"/> (of <paramref name="user"/> when given), newest first.</summary>
    Task<IReadOnlyList<Session>> ListSessionsAsync(string? user, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Revokes a session; false when there is none or it already was.</summary>
    Task<bool> RevokeSessionAsync(string id, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Notes that a session made a request at <paramref name="at"/> (its idle time starts again).</summary>
    Task TouchSessionAsync(string id, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>Appends an entry; returns its sequence number.</summary>
    Task<long> AppendAuditAsync(AuditEntry entry, CancellationToken ct = default);

    /// <summary>Entries matching <paramref name="query"/>, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditAsync(AuditQuery query, CancellationToken ct = default);

    /// <summary>
    /// The times of failed logins since <paramref name="since"/>: for the user name <paramref name="user"/> (only those
    /// after its last successful login), and from <paramref name="address"/>.
    /// </summary>
    Task<(IReadOnlyList<DateTimeOffset> ForUser, IReadOnlyList<DateTimeOffset> ForAddress)> LoginFailuresAsync(
        string user, string address, DateTimeOffset since, CancellationToken ct = default);
}
