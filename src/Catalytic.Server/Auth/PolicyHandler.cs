using Catalytic.Identity.Accounts;
using Catalytic.Identity.Roles;
using Catalytic.Server.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Auth;

/// <summary>One of <see cref="Policies"/>, as an ASP.NET Core authorization requirement.</summary>
internal sealed record PolicyRequirement(string Policy) : IAuthorizationRequirement;

/// <summary>
/// Decides every <see cref="Policies"/> name for the authenticated caller. Not authenticated: nothing succeeds (the
/// answer is 401), except /metrics while it is public. Authenticated but not allowed: the failure says what the policy
/// needs, and the answer is 403.
/// </summary>
internal sealed class PolicyHandler(IApprovalRules rules, AuthSettings settings) : AuthorizationHandler<PolicyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PolicyRequirement requirement)
    {
        if (requirement.Policy == Policies.Metrics && settings.PublicMetrics)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var http = context.Resource as HttpContext;
        if (http?.Features.Get<CallerFeature>()?.Caller is not { } caller)
        {
            return Task.CompletedTask;
        }

        if (Refusal(requirement.Policy, caller, http) is { } why)
        {
            context.Fail(new AuthorizationFailureReason(this, why));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    /// <summary>Null when <paramref name="caller"/> meets <paramref name="policy"/>, else a sentence saying what it needs.</summary>
    private string? Refusal(string policy, Caller caller, HttpContext http) =>
        caller.Kind == CallerKind.Job && http.GetEndpoint()?.Metadata.GetMetadata<JobEndpoint>() is null
            ? $"{caller.Name} holds a job's credential: it deploys an uploaded artifact (POST /api/deployments/upload) and reads the deployments it started, nothing else"
            : RoleRefusal(policy, caller, http);

    private string? RoleRefusal(string policy, Caller caller, HttpContext http) => policy switch
    {
        Policies.Authenticated => null,
        Policies.Viewer or Policies.Metrics => Needs(caller, Role.Viewer),
        Policies.Developer => Needs(caller, Role.Developer),
        Policies.Admin => Needs(caller, Role.Admin),
        Policies.Worker => caller.Role == Role.Worker || caller.Kind == CallerKind.Local ? null : $"{Describe(caller)} is no worker: this takes a worker token (`catalytic token create --role worker`)",
        Policies.Approver => ApproverRefusal(caller, http),
        _ => $"unknown policy '{policy}'",
    };

    private string? ApproverRefusal(Caller caller, HttpContext http)
    {
        var values = http.Request.RouteValues;
        if (values.TryGetValue("app", out var app) && values.TryGetValue("environment", out var environment) && app is string a && environment is string e)
        {
            // Unprotected (or unknown: the endpoint answers 404) environments are a developer's to decide; protected ones follow their rule.
            return rules.For(a, e) is { } rule ? rule.Refusal(caller, requestedBy: null) : Needs(caller, Role.Developer);
        }

        return Needs(caller, Role.Approver);
    }

    private static string? Needs(Caller caller, Role role) =>
        caller.Role.Includes(role) ? null : $"{Describe(caller)} may not do this; it needs the {role.Name()} role{(role == Role.Admin ? "" : " or above")}";

    private static string Describe(Caller c) => c.Kind == CallerKind.Local ? "the local credential" : $"{c.Name} (role {c.Role.Name()})";
}

/// <summary>
/// Answers a refused request with a problem document: 401 (with <c>WWW-Authenticate: Bearer</c> and why the credential
/// did not count) or 403 (with what the endpoint needs), instead of ASP.NET Core's empty challenge and forbid.
/// </summary>
internal sealed class ProblemAuthorizationResults : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).Where(m => m.Length > 0).ToList();
            await ApiResults.Forbidden(reasons is { Count: > 0 } ? string.Join("; ", reasons) : "your role may not do this").ExecuteAsync(context);
            return;
        }

        var failure = context.Features.Get<Microsoft.AspNetCore.Authentication.IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"catalytic\"";
        await ApiResults.Unauthorized(failure).ExecuteAsync(context);
    }
}
