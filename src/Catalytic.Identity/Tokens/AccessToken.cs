using Catalytic.Identity.Roles;

namespace Catalytic.Identity.Tokens;

/// <summary>
/// An API token as stored: never its secret, only the secret's hash. A token with a <see cref="User"/> acts as that
/// user with at most <see cref="Role"/> (and never above the user's current role); one without is a worker token of
/// the server (role worker only).
/// </summary>
/// <param name="Id">Public id (12 hex characters): what `token list` shows and `token revoke` takes.</param>
/// <param name="CreatedBy">Who created it (a user name or <c>local</c>).</param>
public sealed record AccessToken(
    string Id,
    string Name,
    string? User,
    Role Role,
    string SecretHash,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ExpiresAt = null,
    DateTimeOffset? RevokedAt = null,
    DateTimeOffset? LastUsedAt = null)
{
    /// <summary>True when it can no longer be used at <paramref name="now"/>: revoked or expired.</summary>
    public bool IsDead(DateTimeOffset now) => RevokedAt is not null || (ExpiresAt is { } e && e <= now);
}

/// <summary>How long a token lives, as the CLI and the API spell it: <c>never</c>, or a number of minutes, hours, days or weeks (<c>90m</c>, <c>12h</c>, <c>30d</c>, <c>2w</c>).</summary>
public static class TokenLifetimes
{
    /// <summary>The longest lifetime: ten years.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    /// <summary>Parses <paramref name="text"/>; <paramref name="lifetime"/> is null for <c>never</c>. False when malformed or out of range (1 minute to 10 years).</summary>
    public static bool TryParse(string? text, out TimeSpan? lifetime)
    {
        lifetime = null;
        if (text is null || text == "never")
        {
            return text is not null;
        }

        if (text.Length is < 2 or > 8 || !long.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        var unit = text[^1] switch { 'm' => TimeSpan.FromMinutes(1), 'h' => TimeSpan.FromHours(1), 'd' => TimeSpan.FromDays(1), 'w' => TimeSpan.FromDays(7), _ => TimeSpan.Zero };
        if (unit == TimeSpan.Zero || n < 1 || n > Max.Ticks / unit.Ticks)
        {
            return false;
        }

        lifetime = unit * n;
        return lifetime >= TimeSpan.FromMinutes(1) && lifetime <= Max;
    }
}
