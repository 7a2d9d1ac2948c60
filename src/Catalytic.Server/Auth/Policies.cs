using Catalytic.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Auth;

/// <summary>
/// Who may call an endpoint: every endpoint names one of these (<see cref="AuthEndpoints.Require{TBuilder}"/>), so the
/// rule lives in one place. The roles of issue 13: viewer (read everything but secrets), developer (dispatch, cancel,
/// re-run, deploy where no approval is required), approver (approve, reject, roll back), admin (users, tokens,
/// secrets, settings), and worker (a worker token: take jobs and report them, nothing else).
/// </summary>
public static class Policies
{
    public const string Viewer = "viewer";
    public const string Developer = "developer";
    public const string Approver = "approver";
    public const string Admin = "admin";
    public const string Worker = "worker";
}

/// <summary>The policy an endpoint requires, as endpoint metadata (a test walks every endpoint for it).</summary>
public sealed record RequiredPolicy(string Name);

/// <summary>How endpoints declare who may call them.</summary>
public static class AuthEndpoints
{
    /// <summary>
    /// Requires <paramref name="policy"/> (a <see cref="Policies"/> name) for the endpoint or group. Until users and
    /// roles exist every policy is met by the server's local bearer token (<c>.catalytic/server.token</c>).
    /// </summary>
    public static TBuilder Require<TBuilder>(this TBuilder builder, string policy)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new RequiredPolicy(policy));
        builder.Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = async context =>
            {
                if (!DeliveryEndpoints.HasLocalToken(context))
                {
                    await ApiResults.Unauthorized().ExecuteAsync(context);
                    return;
                }

                await inner(context);
            };
        });
        return builder;
    }
}
