using Catalytic.Contracts.Problems;
using Catalytic.Identity;
using Catalytic.Server.Api;
using Catalytic.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Auth;

/// <summary>A request body limit for one endpoint: a longer body is refused (413) before anything reads it.</summary>
public sealed record MaxBodySize(long Bytes) : IRequestSizeLimitMetadata
{
    /// <inheritdoc/>
    public long? MaxRequestBodySize => Bytes;
}

/// <summary>How `serve` wires access control into its web application: services, then the middleware in order.</summary>
public static class AuthSetup
{
    /// <summary>
    /// Registers authentication (<see cref="CredentialsHandler"/>), every <see cref="Policies"/> name, and a fallback
    /// policy of admin: an endpoint someone forgets to mark answers to admins only, and the endpoint walk test fails.
    /// </summary>
    public static IServiceCollection AddCatalyticAuth(this IServiceCollection services, AccessControl access, ApiToken local, AuthSettings settings, IApprovalRules rules, JobCredentials? jobs = null)
    {
        services.AddSingleton(access);
        services.AddSingleton(jobs ?? JobCredentials.None);
        services.AddSingleton(local);
        services.AddSingleton(settings);
        services.AddSingleton(rules);
        // The core services only: AddAuthentication would add Data Protection too, whose hosted service makes and writes a key
        // ring at start (~/.aspnet) that nothing here uses (sessions and CSRF tokens need no key ring: see BrowserProtection).
        services.AddAuthenticationCore(o =>
        {
            o.AddScheme<CredentialsHandler>(CredentialsHandler.SchemeName, null);
            o.DefaultScheme = CredentialsHandler.SchemeName;
        });
        services.AddWebEncoders();
        // A refused credential is answered (401 with the reason); a log line per refusal would only help flood the log.
        services.Configure<LoggerFilterOptions>(o => o.AddFilter(typeof(CredentialsHandler).FullName, LogLevel.Warning));
        services.AddAuthorization(o =>
        {
            foreach (var policy in Policies.All)
            {
                o.AddPolicy(policy, p => p.AddRequirements(new PolicyRequirement(policy)));
            }

            o.FallbackPolicy = new AuthorizationPolicyBuilder().AddRequirements(new PolicyRequirement(Policies.Admin)).Build();
        });
        services.AddSingleton<IAuthorizationHandler, PolicyHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResults>();
        return services;
    }

    /// <summary>
    /// The middleware, in order: security headers on every answer (errors included), routing, body limits,
    /// authentication, CSRF (for cookie-authenticated requests to endpoints that need credentials), authorization.
    /// </summary>
    public static WebApplication UseCatalyticAuth(this WebApplication app)
    {
        app.Use(BrowserProtection.SecurityHeaders);
        app.UseRouting();
        app.Use(BodyLimit);
        app.UseAuthentication();
        app.Use((http, next) => http.GetEndpoint()?.Metadata.GetMetadata<PublicEndpoint>() is null ? BrowserProtection.Csrf(http, next) : next(http));
        app.UseAuthorization();
        return app;
    }

    private static Task BodyLimit(HttpContext http, RequestDelegate next)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<MaxBodySize>() is { } limit)
        {
            if (http.Request.ContentLength > limit.Bytes)
            {
                return ApiResults.Problem(ApiProblems.TooLarge, $"the body is {http.Request.ContentLength} bytes; this endpoint reads at most {limit.Bytes}", "body").ExecuteAsync(http);
            }

            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = limit.Bytes;
            }
        }

        return next(http);
    }
}
