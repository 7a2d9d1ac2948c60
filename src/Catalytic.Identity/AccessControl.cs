using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Identity.Roles;
using Catalytic.Identity.Sessions;
using Catalytic.Identity.Storage;
using Catalytic.Identity.Throttling;
using Catalytic.Identity.Tokens;
using Microsoft.Extensions.Logging;

namespace Catalytic.Identity;

/// <summary>What a login came to.</summary>
public abstract record LoginResult
{
    /// <summary>Signed in: the cookie value to set (shown to this response only) and the session's CSRF token.</summary>
    public sealed record SignedIn(Caller Caller, Session Session, string Cookie, string CsrfToken) : LoginResult;

    /// <summary>Wrong name or password (the answer does not say which).</summary>
    public sealed record Refused : LoginResult;

    /// <summary>Too many failures for the name or the address: try again after <see cref="RetryAfter"/>.</summary>
    public sealed record Throttled(TimeSpan RetryAfter) : LoginResult;

    /// <summary>The request itself is malformed (the field named).</summary>
    public sealed record Malformed(string Field, string Message) : LoginResult;
}

/// <summary>An authenticated session: its caller, its record and the CSRF token a state-changing request must carry.</summary>
public sealed record SessionCaller(Caller Caller, Session Session, string CsrfToken);

/// <summary>
/// Sign-in, credentials and accounts on one clock: logins (throttled by the failures the audit log holds), API tokens
/// and sessions checked on every request (a revoked or expired one, or one whose user is gone, fails at once: every
/// check reads the store), users and tokens managed under the rules of issue 13, and every change audited.
/// </summary>
public sealed partial class AccessControl
{
    private readonly IIdentityStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <summary>Access over <paramref name="store"/>, on <paramref name="time"/>.</summary>
    public AccessControl(IIdentityStore store, TimeProvider time, AccessOptions? options = null, ILogger? logger = null)
    {
        _store = store;
        _time = time;
        Options = options ?? new AccessOptions();
        _log = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Audit = new AuditTrail(store, time, _log);
    }

    /// <summary>The limits in force.</summary>
    public AccessOptions Options { get; }

    /// <summary>The audit log.</summary>
    public AuditTrail Audit { get; }

    /// <summary>The store behind it.</summary>
    public IIdentityStore Store => _store;

    /// <summary>
    /// On a store with no user at all, creates <c>admin</c> with <paramref name="password"/> and returns true; false when
    /// any user exists (another node or an earlier start made one), and nothing changes.
    /// </summary>
    public async Task<bool> CreateInitialAdminAsync(string password, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        if (!await _store.AddFirstUserAsync(new User(AccountNames.InitialAdmin, Role.Admin, Passwords.Passwords.Hash(password), now, now), ct))
        {
            return false;
        }

        await Audit.RecordAsync(Caller.System, "", AuditActions.UserAdd, AccountNames.InitialAdmin, "created on first start with role admin", ct: ct);
        return true;
    }

    /// <summary>
    /// Signs <paramref name="name"/> in from <paramref name="address"/>. Throttled before the password is even looked at;
    /// an unknown name costs the same time as a wrong password. A success starts a new session (never one the client
    /// brought: no fixation) and is audited, as is every failure.
    /// </summary>
    public async Task<LoginResult> LoginAsync(string? name, string? password, string address, string? agent, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(password))
        {
            return new LoginResult.Malformed("password", "a password is required");
        }

        if (password.Length > Passwords.Passwords.MaxLength)
        {
            return new LoginResult.Malformed("password", $"a password has at most {Passwords.Passwords.MaxLength} characters");
        }

        var normalized = AccountNames.NormalizeUser(name, out var nameError);
        if (normalized is null)
        {
            return new LoginResult.Malformed("user", nameError!);
        }

        var now = _time.GetUtcNow();
        var (forUser, forAddress) = await _store.LoginFailuresAsync(normalized, address, now - Options.ThrottleWindow, ct);
        var wait = Max(LoginThrottle.RetryAfter(forUser, Options.FailuresPerUser, Options.ThrottleWindow, now),
            LoginThrottle.RetryAfter(forAddress, Options.FailuresPerAddress, Options.ThrottleWindow, now));
        if (wait is { } retry)
        {
            _log.LoginThrottled(normalized, address, (long)Math.Ceiling(retry.TotalSeconds));
            return new LoginResult.Throttled(retry);
        }

        var user = await _store.GetUserAsync(normalized, ct);
        bool rehash = false;
        if (user is null)
        {
            Passwords.Passwords.VerifyDecoy(password);
        }

        if (user is null || !Passwords.Passwords.Verify(user.PasswordHash, password, out rehash))
        {
            _log.LoginFailed(normalized, address);
            await Audit.RecordAsync(new AuditEntry(0, now, normalized, "anonymous", address, AuditActions.LoginFailed, normalized,
                user is null ? "no such user" : "wrong password", AuditOutcomes.Failed), ct);
            return new LoginResult.Refused();
        }

        if (rehash)
        {
            await _store.UpdateUserAsync(user.Name, null, Passwords.Passwords.Hash(password), now, ct);
        }

        var (id, hash, cookie) = Secrets.NewSession();
        var session = new Session(id, user.Name, hash, now, now + Options.SessionLifetime, now, address, AccountNames.Sanitize(agent, 200));
        await _store.AddSessionAsync(session, ct);
        var caller = new Caller(user.Name, user.Role, CallerKind.Session, id);
        _log.SignedIn(user.Name, address);
        await Audit.RecordAsync(caller, address, AuditActions.Login, user.Name, $"session {id} started", ct: ct);
        Secrets.TryParseSession(cookie, out _, out var secret);
        return new LoginResult.SignedIn(caller, session, cookie, Secrets.CsrfToken(secret));
    }

    /// <summary>The caller of a session cookie, or null when it is malformed, unknown, revoked, expired, idle too long, or its user is gone.</summary>
    public async Task<SessionCaller?> AuthenticateSessionAsync(string? cookie, CancellationToken ct = default)
    {
        if (!Secrets.TryParseSession(cookie, out var id, out var secret) || await _store.GetSessionAsync(id, ct) is not { } session ||
            !Secrets.Matches(secret, session.SecretHash))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (session.IsDead(now, Options.SessionIdle) || await _store.GetUserAsync(session.User, ct) is not { } user)
        {
            return null;
        }

        if (now - session.LastSeenAt >= Options.TouchInterval)
        {
            await _store.TouchSessionAsync(id, now, ct);
            session = session with { LastSeenAt = now };
        }

        return new SessionCaller(new Caller(user.Name, user.Role, CallerKind.Session, id), session, Secrets.CsrfToken(secret));
    }

    /// <summary>
    /// The caller of an API token, or null when it is malformed, unknown, revoked, expired, or its user is gone. A user's
    /// token acts with the lesser of its role and the user's current role.
    /// </summary>
    public async Task<Caller?> AuthenticateTokenAsync(string? token, CancellationToken ct = default)
    {
        if (!Secrets.TryParseToken(token, out var id, out var secret) || await _store.GetTokenAsync(id, ct) is not { } record ||
            !Secrets.Matches(secret, record.SecretHash))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (record.IsDead(now))
        {
            return null;
        }

        Caller caller;
        if (record.User is null)
        {
            // A worker token of the server: never anything but a worker, and only the worker its name names.
            caller = new Caller("worker:" + record.Id, Role.Worker, CallerKind.Token, record.Id)
            {
                WorkerName = record.Name == WorkerTokens.AnyWorker ? null : record.Name,
            };
        }
        else if (await _store.GetUserAsync(record.User, ct) is { } user)
        {
            caller = new Caller(user.Name, record.Role == Role.Worker ? Role.Worker : RoleNames.Min(record.Role, user.Role), CallerKind.Token, record.Id);
        }
        else
        {
            return null;
        }

        if (record.LastUsedAt is not { } last || now - last >= Options.TouchInterval)
        {
            await _store.TouchTokenAsync(id, now, ct);
        }

        return caller;
    }

    /// <summary>Ends the caller's own session (logout).</summary>
    public async Task LogoutAsync(Caller caller, string address, CancellationToken ct = default)
    {
        if (caller.Kind == CallerKind.Session && caller.CredentialId is { } id && await _store.RevokeSessionAsync(id, _time.GetUtcNow(), ct))
        {
            await Audit.RecordAsync(caller, address, AuditActions.Logout, caller.Name, $"session {id} ended", ct: ct);
        }
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
