using Catalytic.Identity.Accounts;
using Catalytic.Identity.Roles;

namespace Catalytic.Identity.Approvals;

/// <summary>
/// Who may decide for a protected environment (approve, reject, roll back): by default the approver and admin roles;
/// an environment may name users and roles instead (a role includes the roles above it). With
/// <see cref="PreventSelfReview"/>, nobody decides for a deployment they requested themselves (GitHub's rule).
/// </summary>
public sealed record ApprovalRule(IReadOnlyList<string> Users, IReadOnlyList<Role> Roles, bool PreventSelfReview = false)
{
    /// <summary>Approvers and admins; self-review allowed.</summary>
    public static ApprovalRule Default { get; } = new([], [Role.Approver], false);

    /// <summary>
    /// Null when <paramref name="caller"/> may decide, else why not (a sentence for a 403). <paramref name="requestedBy"/>
    /// is who asked for the deployment being decided, when one is (self-review applies to it).
    /// </summary>
    public string? Refusal(Caller caller, string? requestedBy)
    {
        var allowed = Users.Contains(caller.Name, StringComparer.Ordinal) && caller.IsUser && caller.Role.IsPerson()
            || Roles.Any(r => caller.Role.Includes(r));
        if (!allowed)
        {
            var who = string.Join(", ", Users.Select(u => "user " + u).Concat(Roles.Select(r => "role " + r.Name() + (r == Role.Admin ? "" : " or above"))));
            return $"{Describe(caller)} may not decide here; allowed: {(who.Length == 0 ? "nobody" : who)}";
        }

        if (PreventSelfReview && requestedBy is not null && string.Equals(requestedBy, caller.Name, StringComparison.Ordinal))
        {
            return $"{Describe(caller)} requested this deployment; the environment prevents self-review, so someone else must decide";
        }

        return null;
    }

    private static string Describe(Caller c) => c.Kind == CallerKind.Local ? "the local credential" : $"{c.Name} ({c.Role.Name()})";
}
