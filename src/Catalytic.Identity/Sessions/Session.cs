namespace Catalytic.Identity.Sessions;

/// <summary>
/// A browser's signed-in session as stored: the cookie's secret only as its hash. It ends at
/// <see cref="ExpiresAt"/> (absolute), after <see cref="AccessOptions.SessionIdle"/> without a request, at logout, when
/// revoked, or when its user is removed or changes password.
/// </summary>
/// <param name="Address">The address it signed in from.</param>
/// <param name="Agent">The browser's User-Agent, sanitised and cut (to tell sessions apart in a list).</param>
public sealed record Session(
    string Id,
    string User,
    string SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset LastSeenAt,
    string Address,
    string Agent,
    DateTimeOffset? RevokedAt = null)
{
    /// <summary>True when it can no longer be used at <paramref name="now"/>.</summary>
    public bool IsDead(DateTimeOffset now, TimeSpan idle) => RevokedAt is not null || ExpiresAt <= now || LastSeenAt + idle <= now;
}
