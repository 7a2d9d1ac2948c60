using System.Net.Http.Json;
using Catalytic.Contracts.Access;

namespace Catalytic.Cli.Client;

/// <summary>The access API (users, tokens, audit) through a <see cref="DeliveryClient"/>: the same server, the same credential.</summary>
public static class AccessCalls
{
    public static Task<IReadOnlyList<UserView>> ListUsersAsync(this DeliveryClient c, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Get, AccessRoutes.Users.TrimStart('/'), null, AccessJson.Default.IReadOnlyListUserView, ct);

    public static Task<UserView> AddUserAsync(this DeliveryClient c, AddUserBody body, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Post, AccessRoutes.Users.TrimStart('/'), JsonContent.Create(body, AccessJson.Default.AddUserBody), AccessJson.Default.UserView, ct);

    public static Task<UserView> UpdateUserAsync(this DeliveryClient c, string name, UpdateUserBody body, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Patch, AccessRoutes.UserPath(name), JsonContent.Create(body, AccessJson.Default.UpdateUserBody), AccessJson.Default.UserView, ct);

    public static Task<UserView> RemoveUserAsync(this DeliveryClient c, string name, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Delete, AccessRoutes.UserPath(name), null, AccessJson.Default.UserView, ct);

    public static Task<CreatedTokenView> CreateTokenAsync(this DeliveryClient c, CreateTokenBody body, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Post, AccessRoutes.Tokens.TrimStart('/'), JsonContent.Create(body, AccessJson.Default.CreateTokenBody), AccessJson.Default.CreatedTokenView, ct);

    public static Task<IReadOnlyList<TokenView>> ListTokensAsync(this DeliveryClient c, string? user, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Get, AccessRoutes.TokensPath(user), null, AccessJson.Default.IReadOnlyListTokenView, ct);

    public static Task<TokenView> RevokeTokenAsync(this DeliveryClient c, string id, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Delete, AccessRoutes.TokenPath(id), null, AccessJson.Default.TokenView, ct);

    public static Task<IReadOnlyList<AuditEntryView>> AuditAsync(this DeliveryClient c, int limit, long? before, string? actor, string? action, CancellationToken ct) =>
        c.CallAsync(HttpMethod.Get, AccessRoutes.AuditPath(limit, before, actor, action), null, AccessJson.Default.IReadOnlyListAuditEntryView, ct);
}
