using System.Text.Encodings.Web;
using Catalytic.Contracts.Access;
using Catalytic.Identity;
using Catalytic.Identity.Accounts;
using Catalytic.Identity.Tokens;
using Catalytic.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Catalytic.Server.Auth;

/// <summary>
/// Authenticates a request by its bearer token (the state folder's local token, or an API token) or its session
/// cookie. Every check reads the store, so a revoked token or session, an expired one, or one whose user was removed
/// fails on the very next request. A credential present but wrong fails (it never falls back to another one); absent,
/// the request is anonymous and the endpoint's policy decides (401 for all but the public ones).
/// </summary>
internal sealed class CredentialsHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, AccessControl access, ApiToken local, JobCredentials jobs)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "catalytic";

    /// <inheritdoc/>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var ct = Context.RequestAborted;
        var authorization = Request.Headers.Authorization;
        if (authorization.Count > 0)
        {
            if (authorization.Count > 1)
            {
                return AuthenticateResult.Fail("more than one Authorization header");
            }

            var value = authorization[0] ?? "";
            if (!value.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                return AuthenticateResult.Fail("the Authorization header must be `Bearer TOKEN`");
            }

            var token = value[7..].Trim();
            if (token.Length == 0 || token.Length > Secrets.MaxCredentialLength)
            {
                return AuthenticateResult.Fail("the bearer token is empty or too long to be one of this server's");
            }

            if (Secrets.FixedTimeEquals(token, local.Value))
            {
                return Success(new CallerFeature(Caller.Local, null));
            }

            if (token.StartsWith(Catalytic.Pipelines.Queue.JobTokens.Prefix, StringComparison.Ordinal))
            {
                return await jobs.AuthenticateAsync(token, ct) is { } job
                    ? Success(new CallerFeature(job, null))
                    : AuthenticateResult.Fail("the job's credential is not valid: it is good only while its job runs under the lease it came with");
            }

            return await access.AuthenticateTokenAsync(token, ct) is { } caller
                ? Success(new CallerFeature(caller, null))
                : AuthenticateResult.Fail("the token is not valid: unknown, revoked, expired, or its user was removed (the local token changes at every start of `catalytic serve`)");
        }

        var cookie = Request.Cookies[Request.IsHttps ? AccessRoutes.SecureSessionCookie : AccessRoutes.SessionCookie];
        if (cookie is null)
        {
            return AuthenticateResult.NoResult();
        }

        return cookie.Length <= Secrets.MaxCredentialLength && await access.AuthenticateSessionAsync(cookie, ct) is { } session
            ? Success(new CallerFeature(session.Caller, session.CsrfToken))
            : AuthenticateResult.Fail("the session has ended (signed out, expired, idle too long, or revoked); sign in again");
    }

    private AuthenticateResult Success(CallerFeature feature)
    {
        Context.Features.Set(feature);
        return AuthenticateResult.Success(new AuthenticationTicket(feature.Principal(), SchemeName));
    }
}
