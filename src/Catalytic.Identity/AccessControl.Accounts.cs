using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Identity.Roles;
using Catalytic.Identity.Sessions;

namespace Catalytic.Identity;

/// <summary>Users and sessions: admins manage accounts; everyone may change their own password and end their own sessions.</summary>
public sealed partial class AccessControl
{
    /// <summary>Every user, by name.</summary>
    public Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default) => _store.ListUsersAsync(ct);

    /// <summary>Adds a user (admins only).</summary>
    public async Task<AccessResult<User>> AddUserAsync(Caller actor, string address, string? name, string? role, string? password, CancellationToken ct = default)
    {
        if (!actor.Role.Includes(Role.Admin))
        {
            return new AccessError(AccessErrorKind.Forbidden, "role", "only an admin adds users");
        }

        var normalized = AccountNames.NormalizeUser(name, out var nameError);
        if (normalized is null)
        {
            return new AccessError(AccessErrorKind.Invalid, "name", nameError!);
        }

        if (AccountNames.IsReserved(normalized))
        {
            return new AccessError(AccessErrorKind.Invalid, "name", $"'{normalized}' is reserved (the audit log uses it); choose another name");
        }

        if (!RoleNames.TryParse(role, out var parsed) || !parsed.IsPerson())
        {
            return new AccessError(AccessErrorKind.Invalid, "role", $"a user's role is one of {string.Join(", ", RoleNames.People)}");
        }

        if (Passwords.Passwords.Check(password) is { } weak)
        {
            return new AccessError(AccessErrorKind.Invalid, "password", weak);
        }

        var now = _time.GetUtcNow();
        var user = new User(normalized, parsed, Passwords.Passwords.Hash(password!), now, now);
        if (!await _store.AddUserAsync(user, ct))
        {
            return new AccessError(AccessErrorKind.Conflict, "name", $"user '{normalized}' exists");
        }

        await Audit.RecordAsync(actor, address, AuditActions.UserAdd, normalized, $"role {parsed.Name()}", ct: ct);
        return user;
    }

    /// <summary>
    /// Changes a user's role (admins only) and/or password (admins, or the user for their own). A new password ends
    /// every session of the user; a lower role takes effect at once on every token of theirs.
    /// </summary>
    public async Task<AccessResult<User>> UpdateUserAsync(Caller actor, string address, string name, string? role, string? password, CancellationToken ct = default)
    {
        var normalized = AccountNames.NormalizeUser(name, out _);
        var user = normalized is null ? null : await _store.GetUserAsync(normalized, ct);
        var admin = actor.Role.Includes(Role.Admin);
        if (user is null)
        {
            return admin ? new AccessError(AccessErrorKind.NotFound, "name", $"no user '{AccountNames.Sanitize(name)}'")
                : new AccessError(AccessErrorKind.Forbidden, "name", "only an admin changes another user");
        }

        if (!admin && (role is not null || !actor.IsUser || actor.Name != user.Name))
        {
            return new AccessError(AccessErrorKind.Forbidden, role is not null ? "role" : "name", role is not null ? "only an admin changes a role" : "only an admin changes another user");
        }

        Role? newRole = null;
        if (role is not null)
        {
            if (!RoleNames.TryParse(role, out var parsed) || !parsed.IsPerson())
            {
                return new AccessError(AccessErrorKind.Invalid, "role", $"a user's role is one of {string.Join(", ", RoleNames.People)}");
            }

            newRole = parsed;
        }

        if (password is not null && Passwords.Passwords.Check(password) is { } weak)
        {
            return new AccessError(AccessErrorKind.Invalid, "password", weak);
        }

        if (newRole is null && password is null)
        {
            return new AccessError(AccessErrorKind.Invalid, "body", "nothing to change: give a role, a password or both");
        }

        var now = _time.GetUtcNow();
        if (!await _store.UpdateUserAsync(user.Name, newRole, password is null ? null : Passwords.Passwords.Hash(password), now, ct))
        {
            return new AccessError(AccessErrorKind.NotFound, "name", $"no user '{user.Name}'");
        }

        var what = new List<string>();
        if (newRole is { } r)
        {
            what.Add($"role {user.Role.Name()} → {r.Name()}");
        }

        if (password is not null)
        {
            what.Add("password changed; every session of the user ended");
        }

        await Audit.RecordAsync(actor, address, AuditActions.UserUpdate, user.Name, string.Join("; ", what), ct: ct);
        return (await _store.GetUserAsync(user.Name, ct))!;
    }

    /// <summary>Removes a user (admins only); every token and session of theirs stops working at once.</summary>
    public async Task<AccessResult<User>> RemoveUserAsync(Caller actor, string address, string name, CancellationToken ct = default)
    {
        if (!actor.Role.Includes(Role.Admin))
        {
            return new AccessError(AccessErrorKind.Forbidden, "role", "only an admin removes users");
        }

        var normalized = AccountNames.NormalizeUser(name, out _);
        if (normalized is null || await _store.GetUserAsync(normalized, ct) is not { } user || !await _store.RemoveUserAsync(normalized, _time.GetUtcNow(), ct))
        {
            return new AccessError(AccessErrorKind.NotFound, "name", $"no user '{AccountNames.Sanitize(name)}'");
        }

        await Audit.RecordAsync(actor, address, AuditActions.UserRemove, user.Name, $"was {user.Role.Name()}; its tokens and sessions revoked", ct: ct);
        return user;
    }

    /// <summary>Live sessions: every user's for an admin (or <paramref name="user"/>'s), else the caller's own.</summary>
    public async Task<AccessResult<IReadOnlyList<Session>>> ListSessionsAsync(Caller actor, string? user, CancellationToken ct = default)
    {
        var who = OwnOrAny(actor, user);
        if (who.Error is { } e)
        {
            return e;
        }

        var now = _time.GetUtcNow();
        return (await _store.ListSessionsAsync(who.Value, now, ct)).Where(s => !s.IsDead(now, Options.SessionIdle)).ToList();
    }

    /// <summary>Ends a session at once: an admin any, anyone else their own.</summary>
    public async Task<AccessResult<Session>> RevokeSessionAsync(Caller actor, string address, string id, CancellationToken ct = default)
    {
        var session = await _store.GetSessionAsync(id, ct);
        if (session is null || session.RevokedAt is not null || (!actor.Role.Includes(Role.Admin) && session.User != actor.Name))
        {
            return new AccessError(AccessErrorKind.NotFound, "id", $"no session '{AccountNames.Sanitize(id, 32)}' of yours");
        }

        await _store.RevokeSessionAsync(id, _time.GetUtcNow(), ct);
        await Audit.RecordAsync(actor, address, AuditActions.SessionRevoke, id, $"session of {session.User} from {session.Address} ended", ct: ct);
        return session;
    }

    /// <summary>The user whose things are listed: anyone's for an admin, else the caller's own (a non-user caller has none).</summary>
    private static AccessResult<string?> OwnOrAny(Caller actor, string? user)
    {
        if (actor.Role.Includes(Role.Admin))
        {
            return new AccessResult<string?>(user is null ? null : AccountNames.NormalizeUser(user, out _) ?? user, null);
        }

        if (!actor.IsUser || (user is not null && !string.Equals(user, actor.Name, StringComparison.OrdinalIgnoreCase)))
        {
            return new AccessError(AccessErrorKind.Forbidden, "user", "only an admin sees another user's credentials");
        }

        return new AccessResult<string?>(actor.Name, null);
    }
}
