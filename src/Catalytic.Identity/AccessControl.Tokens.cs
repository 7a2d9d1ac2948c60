using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Identity.Roles;
using Catalytic.Identity.Tokens;

namespace Catalytic.Identity;

/// <summary>How a worker token is tied to a worker.</summary>
public static class WorkerTokens
{
    /// <summary>
    /// The name of a worker token created without one: such a token may register under any worker name (as every
    /// worker token could before tokens were tied to names). Any other name is the one worker the token is for.
    /// </summary>
    public const string AnyWorker = "worker";

    /// <summary>Whether <paramref name="name"/> is a worker's name as <c>catalytic worker --name</c> takes it.</summary>
    public static bool IsWorkerName(string name) =>
        name.Length is >= 1 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

/// <summary>A token just created: its record and the secret, shown this once.</summary>
public sealed record CreatedToken(AccessToken Token, string Secret);

/// <summary>
/// API tokens. A person creates tokens for themselves with at most their own role; an admin for anyone (at most that
/// user's role) and worker tokens, which belong to the server rather than a user. A token of a non-admin cannot mint
/// tokens (an expiring credential must not make itself a lasting one).
/// </summary>
public sealed partial class AccessControl
{
    /// <summary>Creates a token; the secret is in the answer and nowhere else.</summary>
    public async Task<AccessResult<CreatedToken>> CreateTokenAsync(Caller actor, string address, string? user, string? name, string? role, string? expires, CancellationToken ct = default)
    {
        var admin = actor.Role.Includes(Role.Admin);
        if (actor.Kind == CallerKind.Token && !admin)
        {
            return new AccessError(AccessErrorKind.Forbidden, "authorization", "a token of a non-admin cannot create tokens; sign in or use an admin's credential");
        }

        if (!actor.Role.IsPerson())
        {
            return new AccessError(AccessErrorKind.Forbidden, "role", "a worker cannot create tokens");
        }

        Role? requested = null;
        if (role is not null)
        {
            if (!RoleNames.TryParse(role, out var r))
            {
                return new AccessError(AccessErrorKind.Invalid, "role", $"a token's role is one of {string.Join(", ", RoleNames.All)}");
            }

            requested = r;
        }

        if (!TokenLifetimes.TryParse(expires ?? "never", out var lifetime))
        {
            return new AccessError(AccessErrorKind.Invalid, "expires", "expires is `never` or a number with m, h, d or w (90m, 12h, 30d, 2w), from 1 minute to 10 years");
        }

        string? owner;
        Role tokenRole;
        if (requested == Role.Worker)
        {
            if (!admin)
            {
                return new AccessError(AccessErrorKind.Forbidden, "role", "only an admin creates worker tokens");
            }

            if (user is not null)
            {
                return new AccessError(AccessErrorKind.Invalid, "user", "a worker token belongs to the server, not to a user: leave out the user");
            }

            if (name is not null && !WorkerTokens.IsWorkerName(name))
            {
                return new AccessError(AccessErrorKind.Invalid, "name", "a worker token's name is the name of the worker it is for: 1 to 64 letters, digits, '.', '_' or '-'");
            }

            if (name == WorkerTokens.AnyWorker)
            {
                // The name an unnamed token is stored under: a token "for worker 'worker'" would silently serve every worker.
                return new AccessError(AccessErrorKind.Invalid, "name", $"'{WorkerTokens.AnyWorker}' is the name of tokens for any worker: leave out the name for such a token, or name the one worker it is for");
            }

            owner = null;
            tokenRole = Role.Worker;
        }
        else
        {
            owner = user is null ? (actor.IsUser ? actor.Name : null) : AccountNames.NormalizeUser(user, out _);
            if (owner is null)
            {
                return new AccessError(AccessErrorKind.Invalid, "user", user is null
                    ? "the local credential is no user: name the user the token acts as (or ask for a worker token)"
                    : $"no user '{AccountNames.Sanitize(user)}'");
            }

            if (owner != actor.Name && !admin)
            {
                return new AccessError(AccessErrorKind.Forbidden, "user", "only an admin creates tokens for another user");
            }

            if (await _store.GetUserAsync(owner, ct) is not { } ownerUser)
            {
                return new AccessError(AccessErrorKind.NotFound, "user", $"no user '{owner}'");
            }

            tokenRole = requested ?? ownerUser.Role;
            if (!ownerUser.Role.Includes(tokenRole))
            {
                return new AccessError(AccessErrorKind.Invalid, "role", $"a token's role is never above its user's: {owner} is {ownerUser.Role.Name()}");
            }
        }

        var tokenName = name ?? owner ?? WorkerTokens.AnyWorker;
        if (!AccountNames.IsValidTokenName(tokenName, out var nameError))
        {
            return new AccessError(AccessErrorKind.Invalid, "name", nameError!);
        }

        var now = _time.GetUtcNow();
        var (id, hash, secret) = Secrets.NewToken();
        var token = new AccessToken(id, tokenName, owner, tokenRole, hash, now, actor.Name, now + lifetime);
        await _store.AddTokenAsync(token, ct);
        await Audit.RecordAsync(actor, address, AuditActions.TokenCreate, id,
            $"'{tokenName}' for {owner ?? "the server"}, role {tokenRole.Name()}, {(token.ExpiresAt is { } e ? "expires " + e.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "no expiry")}", ct: ct);
        return new CreatedToken(token, secret);
    }

    /// <summary>Tokens not revoked: every one (or <paramref name="user"/>'s) for an admin, else the caller's own.</summary>
    public async Task<AccessResult<IReadOnlyList<AccessToken>>> ListTokensAsync(Caller actor, string? user, CancellationToken ct = default)
    {
        var who = OwnOrAny(actor, user);
        return who.Error is { } e ? e : new AccessResult<IReadOnlyList<AccessToken>>(await _store.ListTokensAsync(who.Value, ct), null);
    }

    /// <summary>Revokes a token at once: an admin any, anyone else their own.</summary>
    public async Task<AccessResult<AccessToken>> RevokeTokenAsync(Caller actor, string address, string id, CancellationToken ct = default)
    {
        var token = id.Length > 32 ? null : await _store.GetTokenAsync(id, ct);
        if (token is null || token.RevokedAt is not null || (!actor.Role.Includes(Role.Admin) && (token.User != actor.Name || !actor.IsUser)))
        {
            return new AccessError(AccessErrorKind.NotFound, "id", $"no token '{AccountNames.Sanitize(id, 32)}' of yours");
        }

        await _store.RevokeTokenAsync(id, _time.GetUtcNow(), ct);
        await Audit.RecordAsync(actor, address, AuditActions.TokenRevoke, id, $"'{token.Name}' of {token.User ?? "the server"} ({token.Role.Name()})", ct: ct);
        return token with { RevokedAt = _time.GetUtcNow() };
    }
}
