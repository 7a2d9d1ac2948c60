using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Identity.Approvals;
using Catalytic.Identity.Roles;

namespace Catalytic.Server.Auth;

/// <summary>
/// The approval rule of a protected environment, or null when the environment is not protected (or unknown). Features
/// with their own protected things (jobs waiting for an environment) implement it over their configuration.
/// </summary>
public interface IApprovalRules
{
    /// <summary>The rule of (app, environment) when it requires approval; null otherwise.</summary>
    ApprovalRule? For(string app, string environment);
}

/// <summary>The delivery environments' rules, read from catalytic.yml as it is now (the last valid one when it is broken).</summary>
internal sealed class DeliveryApprovalRules(DeliveryEngine engine) : IApprovalRules
{
    public ApprovalRule? For(string app, string environment)
    {
        var config = engine.LoadConfig().Value ?? engine.Config;
        return config?.FindApp(app)?.FindEnvironment(environment) is { ApprovalRequired: true } env ? Rule(env.Approvers) : null;
    }

    /// <summary>The rule an environment's `approval:` states, or the default one.</summary>
    public static ApprovalRule Rule(ApproverConfig? approvers) => approvers is null
        ? ApprovalRule.Default
        : new ApprovalRule(approvers.Users, [.. approvers.Roles.Select(r => RoleNames.TryParse(r, out var role) ? role : Role.Admin)], approvers.PreventSelfReview);
}
