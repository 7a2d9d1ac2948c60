namespace Catalytic.Identity;

/// <summary>The limits of sign-in and sessions. Defaults are documented in docs/security.md; tests shorten none of them (they move a fake clock).</summary>
public sealed record AccessOptions
{
    /// <summary>A session ends this long after it was created, however busy (default 7 days).</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromDays(7);

    /// <summary>A session ends after this long without a request (default 12 hours).</summary>
    public TimeSpan SessionIdle { get; init; } = TimeSpan.FromHours(12);

    /// <summary>How far back failed logins count (default 15 minutes).</summary>
    public TimeSpan ThrottleWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed logins for one user name within the window (since its last success) before 429 (default 5).</summary>
    public int FailuresPerUser { get; init; } = 5;

    /// <summary>Failed logins from one address within the window before 429 (default 20).</summary>
    public int FailuresPerAddress { get; init; } = 20;

    /// <summary>How stale a token's or session's "last used" may get before it is written again (default 1 minute): one write per minute, not per request.</summary>
    public TimeSpan TouchInterval { get; init; } = TimeSpan.FromMinutes(1);
}
