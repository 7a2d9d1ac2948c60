using Catalytic.Identity.Accounts;
using Catalytic.Identity.Storage;
using Microsoft.Extensions.Logging;

namespace Catalytic.Identity.Audit;

/// <summary>
/// The one call a feature makes to record what a caller did: <see cref="RecordAsync(Caller, string, string, string, string, string, CancellationToken)"/>
/// (the server's endpoints reach it through <c>HttpContext.AuditAsync</c>, which fills in the caller and address).
/// Text from requests is sanitised (no control characters, bounded length) so an entry cannot forge others.
/// Record what was done, never a secret value: a secret's name, a token's id, never the secret or the token.
/// </summary>
public sealed class AuditTrail(IIdentityStore store, TimeProvider time, ILogger log)
{
    /// <summary>The longest target recorded.</summary>
    public const int MaxTarget = 200;

    /// <summary>The longest detail recorded.</summary>
    public const int MaxDetail = 1000;

    /// <summary>Appends an entry for <paramref name="caller"/> acting from <paramref name="address"/>, now.</summary>
    public Task<long> RecordAsync(Caller caller, string address, string action, string target, string detail, string outcome = AuditOutcomes.Ok, CancellationToken ct = default) =>
        RecordAsync(new AuditEntry(0, time.GetUtcNow(), caller.Name, caller.KindName, address, action, target, detail, outcome), ct);

    /// <summary>Appends <paramref name="entry"/> as given (its text sanitised).</summary>
    public async Task<long> RecordAsync(AuditEntry entry, CancellationToken ct = default)
    {
        var clean = entry with
        {
            Actor = AccountNames.Sanitize(entry.Actor, AccountNames.MaxUserName + 16),
            Address = AccountNames.Sanitize(entry.Address, 64),
            Action = AccountNames.Sanitize(entry.Action, 64),
            Target = AccountNames.Sanitize(entry.Target, MaxTarget),
            Detail = AccountNames.Sanitize(entry.Detail, MaxDetail),
        };
        var seq = await store.AppendAuditAsync(clean, ct);
        log.Audited(clean.Actor, clean.Action, clean.Target);
        return seq;
    }

    /// <summary>Entries matching <paramref name="query"/>, newest first.</summary>
    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken ct = default) => store.ListAuditAsync(query, ct);
}
