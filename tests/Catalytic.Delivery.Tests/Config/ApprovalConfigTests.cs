using Catalytic.Delivery.Config;

namespace Catalytic.Delivery.Tests.Config;

/// <summary>`approval:` as a mapping in catalytic.yml: who may decide for a protected environment, and what is refused.</summary>
public sealed class ApprovalConfigTests
{
    private static string Yaml(string approval) => $"""
        apps:
          web:
            run: python3 app.py
            environments:
              production:
                listen: 127.0.0.1:18500
                approval: {approval}
        """;

    private static EnvironmentConfig Production(string approval)
    {
        var result = DeliveryConfigParser.Parse(Yaml(approval));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Config!.Apps.Single().FindEnvironment("production")!;
    }

    [Fact]
    public void Required_AsAWord_KeepsTheDefaultApprovers()
    {
        var env = Production("required");
        Assert.True(env.ApprovalRequired);
        Assert.Null(env.Approvers);
    }

    [Fact]
    public void UsersAndRoles_NameWhoDecides_AndRequiredIsImplied()
    {
        var env = Production("{ users: [alice, bob, alice], roles: admin }");
        Assert.True(env.ApprovalRequired);
        Assert.Equal(["alice", "bob"], env.Approvers!.Users);
        Assert.Equal(["admin"], env.Approvers.Roles);
        Assert.False(env.Approvers.PreventSelfReview);
    }

    [Fact]
    public void PreventSelfReview_Alone_KeepsTheApproverRole()
    {
        var env = Production("{ prevent-self-review: true }");
        Assert.Equal(["approver"], env.Approvers!.Roles);
        Assert.True(env.Approvers.PreventSelfReview);
        Assert.Empty(env.Approvers.Users);
    }

    [Theory]
    [InlineData("{ roles: [worker] }", "role 'worker' must be one of viewer, developer, approver, admin")]
    [InlineData("{ roles: [root] }", "role 'root' must be one of")]
    [InlineData("{ users: [Alice] }", "user name 'Alice' must be lowercase")]
    [InlineData("{ users: [\"bob\\nadmin\"] }", "must be lowercase")]
    [InlineData("{ users: [] }", "names nobody who may approve")]
    [InlineData("{ users: { alice: 1 } }", "`users:` must be a list of names")]
    [InlineData("{ users: [[alice]] }", "`users:` must be a list of names")]
    [InlineData("{ prevent-self-review: maybe }", "prevent-self-review")]
    [InlineData("{ approvers: [alice] }", "unknown key 'approvers'")]
    public void Hostile_Approval_IsAnErrorOnItsLine_AndNothingIsLoaded(string approval, string message)
    {
        var result = DeliveryConfigParser.Parse(Yaml(approval));

        Assert.False(result.Ok);
        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors);
        Assert.Equal(7, error.Line);
        Assert.StartsWith("catalytic.yml:7:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
