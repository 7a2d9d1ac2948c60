using System.Data;
using System.Data.Common;
using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Identity.Roles;
using Catalytic.Identity.Sessions;
using Catalytic.Identity.Storage;
using Catalytic.Identity.Tokens;
using Catalytic.Storage.Sql;

namespace Catalytic.Storage.Identity;

/// <summary>
/// <see cref="IIdentityStore"/> over plain ADO.NET in the SQL SQLite and PostgreSQL share. Tables are prefixed
/// (auth_*, audit_log) so they sit beside the other features' in one database. Secrets are stored only as hashes;
/// times as UTC ticks. The audit log is append-only twice over: no method here changes an entry, and triggers on the
/// table abort any UPDATE or DELETE (and TRUNCATE on PostgreSQL), whoever sends it.
/// </summary>
public abstract class SqlIdentityStore : IIdentityStore
{
    private const string UserColumns = "name, role, password_hash, created_at, updated_at";
    private const string TokenColumns = "id, name, user_name, role, secret_hash, created_at, created_by, expires_at, revoked_at, last_used_at";
    private const string SessionColumns = "id, user_name, secret_hash, created_at, expires_at, last_seen_at, address, agent, revoked_at";
    private const string AuditColumns = "seq, at, actor, actor_kind, address, action, target, detail, outcome";

    /// <summary>Opens a ready connection.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>The column type of an auto-incrementing key.</summary>
    protected abstract string AutoIdColumn { get; }

    /// <summary>The dialect's statements that make the audit_log table refuse UPDATE and DELETE.</summary>
    protected abstract string AppendOnlyTriggers { get; }

    /// <inheritdoc/>
    public virtual async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await BeforeSchemaAsync(c, tx, ct);
        await ExecAsync(c, tx, $"""
            CREATE TABLE IF NOT EXISTS auth_users (
              name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
            CREATE TABLE IF NOT EXISTS auth_tokens (
              id TEXT PRIMARY KEY, name TEXT NOT NULL, user_name TEXT NULL, role TEXT NOT NULL, secret_hash TEXT NOT NULL,
              created_at BIGINT NOT NULL, created_by TEXT NOT NULL, expires_at BIGINT NULL, revoked_at BIGINT NULL, last_used_at BIGINT NULL);
            CREATE INDEX IF NOT EXISTS auth_tokens_user ON auth_tokens (user_name);
            CREATE TABLE IF NOT EXISTS auth_sessions (
              id TEXT PRIMARY KEY, user_name TEXT NOT NULL, secret_hash TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
              last_seen_at BIGINT NOT NULL, address TEXT NOT NULL, agent TEXT NOT NULL, revoked_at BIGINT NULL);
            CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions (user_name);
            CREATE TABLE IF NOT EXISTS audit_log (
              seq {AutoIdColumn}, at BIGINT NOT NULL, actor TEXT NOT NULL, actor_kind TEXT NOT NULL, address TEXT NOT NULL,
              action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, outcome TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (action, actor, at);
            CREATE INDEX IF NOT EXISTS audit_log_address ON audit_log (action, address, at);
            """, ct);
        await ExecAsync(c, tx, AppendOnlyTriggers, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Runs in the schema's transaction before the tables are created (PostgreSQL serialises concurrent nodes here).</summary>
    protected virtual Task BeforeSchemaAsync(DbConnection c, DbTransaction tx, CancellationToken ct) => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task<bool> AddUserAsync(User user, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        return await ExecAsync(c, null, $"INSERT INTO auth_users ({UserColumns}) VALUES (@name, @role, @hash, @created, @updated) ON CONFLICT (name) DO NOTHING",
            ct, UserArgs(user)) == 1;
    }

    /// <inheritdoc/>
    public async Task<bool> AddFirstUserAsync(User user, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        return await ExecAsync(c, null, $"""
            INSERT INTO auth_users ({UserColumns}) SELECT @name, @role, @hash, @created, @updated
            WHERE NOT EXISTS (SELECT 1 FROM auth_users) ON CONFLICT (name) DO NOTHING
            """, ct, UserArgs(user)) == 1;
    }

    /// <inheritdoc/>
    public async Task<User?> GetUserAsync(string name, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {UserColumns} FROM auth_users WHERE name = @name", ReadUser, ct, Text("name", name))).FirstOrDefault();

    /// <inheritdoc/>
    public Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default) =>
        QueryAsync($"SELECT {UserColumns} FROM auth_users ORDER BY name", ReadUser, ct);

    /// <inheritdoc/>
    public async Task<bool> UpdateUserAsync(string name, Role? role, string? passwordHash, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var n = await ExecAsync(c, tx, """
            UPDATE auth_users SET role = COALESCE(@role, role), password_hash = COALESCE(@hash, password_hash), updated_at = @at WHERE name = @name
            """, ct, Text("role", role?.Name()), Text("hash", passwordHash), Ticks("at", at), Text("name", name));
        if (n == 1 && passwordHash is not null)
        {
            await ExecAsync(c, tx, "UPDATE auth_sessions SET revoked_at = @at WHERE user_name = @name AND revoked_at IS NULL", ct, Ticks("at", at), Text("name", name));
        }

        await tx.CommitAsync(ct);
        return n == 1;
    }

    /// <inheritdoc/>
    public async Task<bool> RemoveUserAsync(string name, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var n = await ExecAsync(c, tx, "DELETE FROM auth_users WHERE name = @name", ct, Text("name", name));
        await ExecAsync(c, tx, "UPDATE auth_tokens SET revoked_at = @at WHERE user_name = @name AND revoked_at IS NULL", ct, Ticks("at", at), Text("name", name));
        await ExecAsync(c, tx, "UPDATE auth_sessions SET revoked_at = @at WHERE user_name = @name AND revoked_at IS NULL", ct, Ticks("at", at), Text("name", name));
        await tx.CommitAsync(ct);
        return n == 1;
    }

    /// <inheritdoc/>
    public async Task AddTokenAsync(AccessToken token, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, $"""
            INSERT INTO auth_tokens ({TokenColumns})
            VALUES (@id, @name, @user, @role, @hash, @created, @by, @expires, @revoked, @used)
            """, ct, Text("id", token.Id), Text("name", token.Name), Text("user", token.User), Text("role", token.Role.Name()), Text("hash", token.SecretHash),
            Ticks("created", token.CreatedAt), Text("by", token.CreatedBy), Ticks("expires", token.ExpiresAt), Ticks("revoked", token.RevokedAt), Ticks("used", token.LastUsedAt));
    }

    /// <inheritdoc/>
    public async Task<AccessToken?> GetTokenAsync(string id, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {TokenColumns} FROM auth_tokens WHERE id = @id", ReadToken, ct, Text("id", id))).FirstOrDefault();

    /// <inheritdoc/>
    public Task<IReadOnlyList<AccessToken>> ListTokensAsync(string? user = null, CancellationToken ct = default) =>
        QueryAsync($"SELECT {TokenColumns} FROM auth_tokens WHERE revoked_at IS NULL AND (@user IS NULL OR user_name = @user) ORDER BY created_at DESC, id",
            ReadToken, ct, Text("user", user));

    /// <inheritdoc/>
    public async Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        return await ExecAsync(c, null, "UPDATE auth_tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL", ct, Ticks("at", at), Text("id", id)) == 1;
    }

    /// <inheritdoc/>
    public async Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, "UPDATE auth_tokens SET last_used_at = @at WHERE id = @id", ct, Ticks("at", at), Text("id", id));
    }

    /// <inheritdoc/>
    public async Task AddSessionAsync(Session session, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, $"""
            INSERT INTO auth_sessions ({SessionColumns})
            VALUES (@id, @user, @hash, @created, @expires, @seen, @address, @agent, @revoked)
            """, ct, Text("id", session.Id), Text("user", session.User), Text("hash", session.SecretHash), Ticks("created", session.CreatedAt),
            Ticks("expires", session.ExpiresAt), Ticks("seen", session.LastSeenAt), Text("address", session.Address), Text("agent", session.Agent), Ticks("revoked", session.RevokedAt));
    }

    /// <inheritdoc/>
    public async Task<Session?> GetSessionAsync(string id, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {SessionColumns} FROM auth_sessions WHERE id = @id", ReadSession, ct, Text("id", id))).FirstOrDefault();

    /// <inheritdoc/>
    public Task<IReadOnlyList<Session>> ListSessionsAsync(string? user, DateTimeOffset now, CancellationToken ct = default) =>
        QueryAsync($"""
            SELECT {SessionColumns} FROM auth_sessions
            WHERE revoked_at IS NULL AND expires_at > @now AND (@user IS NULL OR user_name = @user) ORDER BY created_at DESC, id
            """, ReadSession, ct, Ticks("now", now), Text("user", user));

    /// <inheritdoc/>
    public async Task<bool> RevokeSessionAsync(string id, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        return await ExecAsync(c, null, "UPDATE auth_sessions SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL", ct, Ticks("at", at), Text("id", id)) == 1;
    }

    /// <inheritdoc/>
    public async Task TouchSessionAsync(string id, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await ExecAsync(c, null, "UPDATE auth_sessions SET last_seen_at = @at WHERE id = @id AND last_seen_at < @at", ct, Ticks("at", at), Text("id", id));
    }

    /// <inheritdoc/>
    public async Task<long> AppendAuditAsync(AuditEntry entry, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = Command(c, null, """
            INSERT INTO audit_log (at, actor, actor_kind, address, action, target, detail, outcome)
            VALUES (@at, @actor, @kind, @address, @action, @target, @detail, @outcome) RETURNING seq
            """, [Ticks("at", entry.At), Text("actor", entry.Actor), Text("kind", entry.ActorKind), Text("address", entry.Address), Text("action", entry.Action),
                  Text("target", entry.Target), Text("detail", entry.Detail), Text("outcome", entry.Outcome)]);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<AuditEntry>> ListAuditAsync(AuditQuery query, CancellationToken ct = default) =>
        QueryAsync($"""
            SELECT {AuditColumns} FROM audit_log
            WHERE (@before IS NULL OR seq < @before) AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
            ORDER BY seq DESC LIMIT @limit
            """, r => new AuditEntry(r.GetInt64(0), Time(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.GetString(8)),
            ct, Long("before", query.Before), Text("actor", query.Actor), Text("action", query.Action), Long("limit", Math.Clamp(query.Limit, 1, 10_000)));

    /// <inheritdoc/>
    public async Task<(IReadOnlyList<DateTimeOffset> ForUser, IReadOnlyList<DateTimeOffset> ForAddress)> LoginFailuresAsync(
        string user, string address, DateTimeOffset since, CancellationToken ct = default)
    {
        var forUser = await QueryAsync($"""
            SELECT at FROM audit_log WHERE action = '{AuditActions.LoginFailed}' AND actor = @user AND at >= @since
              AND at > COALESCE((SELECT MAX(at) FROM audit_log WHERE action = '{AuditActions.Login}' AND actor = @user), 0)
            ORDER BY at DESC LIMIT 1000
            """, r => Time(r.GetInt64(0)), ct, Text("user", user), Ticks("since", since));
        var forAddress = await QueryAsync($"""
            SELECT at FROM audit_log WHERE action = '{AuditActions.LoginFailed}' AND address = @address AND at >= @since ORDER BY at DESC LIMIT 1000
            """, r => Time(r.GetInt64(0)), ct, Text("address", address), Ticks("since", since));
        return (forUser, forAddress);
    }

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private static (string, object?, DbType)[] UserArgs(User u) =>
        [Text("name", u.Name), Text("role", u.Role.Name()), Text("hash", u.PasswordHash), Ticks("created", u.CreatedAt), Ticks("updated", u.UpdatedAt)];

    private static User ReadUser(DbDataReader r) =>
        new(r.GetString(0), ParseRole(r.GetString(1)), r.GetString(2), Time(r.GetInt64(3)), Time(r.GetInt64(4)));

    private static AccessToken ReadToken(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), ParseRole(r.GetString(3)), r.GetString(4), Time(r.GetInt64(5)),
        r.GetString(6), MaybeTime(r, 7), MaybeTime(r, 8), MaybeTime(r, 9));

    private static Session ReadSession(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), Time(r.GetInt64(3)), Time(r.GetInt64(4)), Time(r.GetInt64(5)), r.GetString(6), r.GetString(7), MaybeTime(r, 8));

    /// <summary>A role as stored; an unknown name (a hand-edited row) reads as the least role rather than failing every read.</summary>
    private static Role ParseRole(string s) => RoleNames.TryParse(s, out var role) ? role : Role.Viewer;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private static DateTimeOffset? MaybeTime(DbDataReader r, int i) => r.IsDBNull(i) ? null : Time(r.GetInt64(i));

    private static (string, object?, DbType) Text(string name, string? value) => (name, value, DbType.String);

    private static (string, object?, DbType) Ticks(string name, DateTimeOffset? value) => (name, value?.UtcTicks, DbType.Int64);

    private static (string, object?, DbType) Long(string name, long? value) => (name, value, DbType.Int64);

    /// <summary>Runs statements (several, separated by semicolons, on SQLite and PostgreSQL alike).</summary>
    protected static async Task<int> ExecAsync(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string Name, object? Value, DbType Type)[] args)
    {
        await using var cmd = Command(c, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken ct, params (string Name, object? Value, DbType Type)[] args)
    {
        await using var c = await OpenAsync(ct);
        return await SqlCommands.QueryAsync(c, null, sql, read, ct, Typed(args));
    }

    /// <summary>A command whose parameters carry their types, so PostgreSQL never has to guess what a NULL is.</summary>
    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, (string Name, object? Value, DbType Type)[] args) => SqlCommands.Command(c, tx, sql, Typed(args));

    private static IEnumerable<(string, object?, DbType?)> Typed((string Name, object? Value, DbType Type)[] args) => args.Select(a => (a.Name, a.Value, (DbType?)a.Type));
}
