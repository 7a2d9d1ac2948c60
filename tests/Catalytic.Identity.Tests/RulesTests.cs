using Catalytic.Identity.Accounts;
using Catalytic.Identity.Approvals;
using Catalytic.Identity.Passwords;
using Catalytic.Identity.Roles;

namespace Catalytic.Identity.Tests;

public sealed class RulesTests
{
    private static Caller Person(string name, Role role) => new(name, role, CallerKind.Session, "s1");

    [Fact]
    public void Roles_IncludeTheOnesBelow_AndAWorkerIsNeitherAboveNorBelow()
    {
        Assert.True(Role.Admin.Includes(Role.Viewer));
        Assert.True(Role.Approver.Includes(Role.Developer));
        Assert.False(Role.Developer.Includes(Role.Approver));
        Assert.False(Role.Admin.Includes(Role.Worker));
        Assert.True(Role.Worker.Includes(Role.Worker));
        Assert.False(Role.Worker.Includes(Role.Viewer));
        Assert.Equal(Role.Developer, RoleNames.Min(Role.Admin, Role.Developer));
    }

    [Fact]
    public void DefaultApprovalRule_AdmitsApproversAndAdmins_Only()
    {
        var rule = ApprovalRule.Default;
        Assert.Null(rule.Refusal(Person("ann", Role.Approver), "bob"));
        Assert.Null(rule.Refusal(Person("ann", Role.Admin), "ann")); // self-review allowed unless the environment prevents it
        Assert.Null(rule.Refusal(Caller.Local, null));
        Assert.NotNull(rule.Refusal(Person("dev", Role.Developer), "bob"));
        Assert.NotNull(rule.Refusal(new Caller("worker:abc", Role.Worker, CallerKind.Token, "abc"), null));
    }

    [Fact]
    public void NamedApprovers_AreTheUsersAndRolesNamed_AndAWorkerNamedLikeAUserIsNot()
    {
        var rule = new ApprovalRule(["carol"], [Role.Admin]);
        Assert.Null(rule.Refusal(Person("carol", Role.Viewer), "bob"));
        Assert.Null(rule.Refusal(Person("root", Role.Admin), "bob"));
        var refusal = rule.Refusal(Person("ann", Role.Approver), "bob");
        Assert.NotNull(refusal);
        Assert.Contains("user carol", refusal, StringComparison.Ordinal);
        Assert.NotNull(rule.Refusal(new Caller("carol", Role.Worker, CallerKind.Token, "t1"), "bob"));
    }

    [Fact]
    public void PreventSelfReview_RefusesTheRequester_EvenAnAdmin()
    {
        var rule = new ApprovalRule([], [Role.Approver], PreventSelfReview: true);
        Assert.Contains("self-review", rule.Refusal(Person("ann", Role.Admin), "ann"), StringComparison.Ordinal);
        Assert.Null(rule.Refusal(Person("ann", Role.Admin), "bob"));
        Assert.Null(rule.Refusal(Person("ann", Role.Admin), null)); // no deployment decided yet (the policy check)
    }

    [Theory]
    [InlineData("Alice", "alice")]
    [InlineData("bob.smith-2_x", "bob.smith-2_x")]
    public void UserNames_AreLowercased(string raw, string expected)
    {
        Assert.Equal(expected, AccountNames.NormalizeUser(raw, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-bob")]
    [InlineData("bob smith")]
    [InlineData("bob\nadmin")]
    [InlineData("bob\u001b[31m")]
    [InlineData("böb")]
    [InlineData("bob:1")]
    public void UserNames_Malformed_AreRefusedWithAReason(string? raw)
    {
        Assert.Null(AccountNames.NormalizeUser(raw, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Null(AccountNames.NormalizeUser(new string('a', AccountNames.MaxUserName + 1), out _));
    }

    [Fact]
    public void Sanitize_ReplacesControlAndLineCharacters_AndCuts()
    {
        Assert.Equal("bob?[31m?fake entry", AccountNames.Sanitize("bob\u001b[31m\nfake entry", 100));
        Assert.Equal("a?b?c", AccountNames.Sanitize("a\u2028b\u0000c"));
        Assert.Equal("abc…", AccountNames.Sanitize("abcdef", 3));
        Assert.Equal("", AccountNames.Sanitize(null));
    }

    [Fact]
    public void Passwords_AreCheckedHashedAndVerified()
    {
        Assert.NotNull(Passwords.Passwords.Check(null));
        Assert.NotNull(Passwords.Passwords.Check("short"));
        Assert.NotNull(Passwords.Passwords.Check(new string('x', Passwords.Passwords.MaxLength + 1)));
        Assert.NotNull(Passwords.Passwords.Check("long enough\n"));
        Assert.Null(Passwords.Passwords.Check("long enough password"));

        var hash = Passwords.Passwords.Hash("correct horse battery");
        Assert.DoesNotContain("correct horse", hash, StringComparison.Ordinal);
        Assert.NotEqual(hash, Passwords.Passwords.Hash("correct horse battery")); // salted
        Assert.True(Passwords.Passwords.Verify(hash, "correct horse battery", out var rehash));
        Assert.False(rehash);
        Assert.False(Passwords.Passwords.Verify(hash, "correct horse battery!", out _));
        Assert.False(Passwords.Passwords.Verify(hash, new string('x', 100_000), out _));
        Assert.False(Passwords.Passwords.Verify("not a hash", "correct horse battery", out _));
        Assert.Matches("^[A-Za-z0-9]{24}$", Passwords.Passwords.Generate());
    }
}
