namespace Catalytic.Identity.Audit;

/// <summary>
/// One line of the audit log: who did what, when, from where, to what, and how it ended. Append-only: the store has
/// no way to change or remove one (and its tables refuse it).
/// </summary>
/// <param name="Seq">Its place in the log (assigned by the store; 0 before).</param>
/// <param name="Actor">The authenticated name (for a failed login: the name that was tried, sanitised).</param>
/// <param name="ActorKind">session, token, local, system, or anonymous.</param>
/// <param name="Address">The client's address as the server saw it.</param>
/// <param name="Action">What was done (<see cref="AuditActions"/>, or a feature's own dotted name).</param>
/// <param name="Target">What it was done to: a deployment id, app/environment, user, token id…</param>
/// <param name="Detail">A human sentence; never a secret value.</param>
/// <param name="Outcome">ok, failed or denied.</param>
public sealed record AuditEntry(
    long Seq,
    DateTimeOffset At,
    string Actor,
    string ActorKind,
    string Address,
    string Action,
    string Target,
    string Detail,
    string Outcome = AuditOutcomes.Ok);

/// <summary>Outcomes of an audited action.</summary>
public static class AuditOutcomes
{
    /// <summary>It was done.</summary>
    public const string Ok = "ok";

    /// <summary>It was tried and did not work (a wrong password).</summary>
    public const string Failed = "failed";

    /// <summary>It was refused (not allowed, throttled).</summary>
    public const string Denied = "denied";
}

/// <summary>The actions the server records; other features add their own dotted names (e.g. <c>alert.ack</c>).</summary>
public static class AuditActions
{
    public const string Login = "login";
    public const string LoginFailed = "login.failed";
    public const string Logout = "logout";
    public const string Deploy = "deploy";
    public const string Approve = "approve";
    public const string Reject = "reject";
    public const string Rollback = "rollback";
    public const string Dispatch = "run.dispatch";
    public const string Cancel = "run.cancel";
    public const string Rerun = "run.rerun";
    public const string UserAdd = "user.add";
    public const string UserUpdate = "user.update";
    public const string UserRemove = "user.remove";
    public const string TokenCreate = "token.create";
    public const string TokenRevoke = "token.revoke";
    public const string SessionRevoke = "session.revoke";
    public const string SecretSet = "secret.set";
    public const string SecretRemove = "secret.remove";
}

/// <summary>Which audit entries to read: newest first, at most <see cref="Limit"/>, before <see cref="Before"/> (a seq) for the next page.</summary>
public sealed record AuditQuery(int Limit = 100, long? Before = null, string? Actor = null, string? Action = null);
