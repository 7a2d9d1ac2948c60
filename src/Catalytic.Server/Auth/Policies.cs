using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Auth;

/// <summary>
/// Who may call an endpoint: every endpoint names one of these (<see cref="AuthEndpoints.Require{TBuilder}"/>) or says
/// why it is public (<see cref="AuthEndpoints.Public{TBuilder}"/>), so the rule lives in one place and a test walks every
/// endpoint for it. The roles of issue 13: viewer (read everything but secrets), developer (dispatch, cancel, re-run,
/// deploy — a protected environment's deployment waits for an approver), approver (approve, reject, roll back protected
/// environments and jobs), admin (users, tokens, secrets, settings), and worker (a worker token: take jobs and report
/// them, nothing else). Each people's role includes the ones below it; the state folder's token is an admin.
/// </summary>
public static class Policies
{
    /// <summary>Any signed-in person (viewer or above).</summary>
    public const string Viewer = "viewer";

    /// <summary>Developer or above.</summary>
    public const string Developer = "developer";

    /// <summary>
    /// Decides for an environment. On a route with <c>{app}</c> and <c>{environment}</c>: a protected environment
    /// (<c>approval: required</c>) follows its approval rule (default: approver or above; catalytic.yml may name users
    /// and roles instead), an unprotected one lets a developer decide. Elsewhere: approver or above.
    /// </summary>
    public const string Approver = "approver";

    /// <summary>Admin (or the state folder's token).</summary>
    public const string Admin = "admin";

    /// <summary>A worker token (or the state folder's token, for a worker on the server's own machine).</summary>
    public const string Worker = "worker";

    /// <summary>Any valid credential: a person's of any role or a worker's (e.g. "who am I", sign out).</summary>
    public const string Authenticated = "authenticated";

    /// <summary>/metrics: public, unless `serve --private-metrics` makes it viewer or above.</summary>
    public const string Metrics = "metrics";

    /// <summary>Every policy name.</summary>
    public static IReadOnlyList<string> All { get; } = [Viewer, Developer, Approver, Admin, Worker, Authenticated, Metrics];
}

/// <summary>The policy an endpoint requires, as endpoint metadata (a test walks every endpoint for it).</summary>
public sealed record RequiredPolicy(string Name);

/// <summary>Marks an endpoint that needs no credentials, with the reason (health probes, the webhook's own signature, sign-in).</summary>
public sealed record PublicEndpoint(string Reason);

/// <summary>How endpoints declare who may call them.</summary>
public static class AuthEndpoints
{
    /// <summary>
    /// Requires <paramref name="policy"/> (a <see cref="Policies"/> name) for the endpoint or group: 401 without valid
    /// credentials, 403 when the caller's role does not meet it (both RFC 7807 problem documents).
    /// </summary>
    public static TBuilder Require<TBuilder>(this TBuilder builder, string policy)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!Policies.All.Contains(policy))
        {
            throw new ArgumentException($"unknown policy '{policy}' (see Policies)", nameof(policy));
        }

        builder.WithMetadata(new RequiredPolicy(policy));
        builder.RequireAuthorization(policy);
        return builder;
    }

    /// <summary>Lets anyone call the endpoint; <paramref name="reason"/> says why that is safe.</summary>
    public static TBuilder Public<TBuilder>(this TBuilder builder, string reason)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new PublicEndpoint(reason));
        builder.AllowAnonymous();
        return builder;
    }
}
