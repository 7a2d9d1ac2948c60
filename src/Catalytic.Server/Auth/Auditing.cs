using Catalytic.Identity;
using Catalytic.Identity.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Catalytic.Server.Auth;

/// <summary>
/// The one call an endpoint makes to record an action: <c>await http.AuditAsync(AuditActions.Cancel, runId, "cancelled by request")</c>.
/// Who (the authenticated caller), when (the server's clock) and from where (the client's address) are filled in;
/// the endpoint says what and to what. Call it after the action took effect, with no secret value in the text. The
/// write is not cancelled with the request: a client that hangs up after the action does not erase its record.
/// </summary>
public static class Auditing
{
    /// <summary>Records <paramref name="action"/> on <paramref name="target"/> by the request's caller.</summary>
    public static Task<long> AuditAsync(this HttpContext http, string action, string target, string detail = "", string outcome = AuditOutcomes.Ok) =>
        http.RequestServices.GetRequiredService<AccessControl>().Audit.RecordAsync(http.Caller(), http.ClientAddress(), action, target, detail, outcome, CancellationToken.None);
}
