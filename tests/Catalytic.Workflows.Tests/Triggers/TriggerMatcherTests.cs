using Catalytic.Workflows.Tests.Parsing;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Workflows.Tests.Triggers;

public sealed class TriggerMatcherTests
{
    private const string Jobs = "jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n";

    private static TriggerDecision Match(string on, string ev, string? gitRef = null, string[]? files = null, string? action = null, string? workflowName = null) =>
        TriggerMatcher.Match(Yaml.Valid(on + "\n" + Jobs), new TriggerEvent(ev) { Ref = gitRef, ChangedFiles = files, Action = action, WorkflowName = workflowName });

    [Theory]
    [InlineData("on: push", "push", null, true)]
    [InlineData("on: push", "pull_request", null, false)]
    [InlineData("on: [push, pull_request]", "pull_request", null, true)]
    [InlineData("on:\n  push:\n    branches: [main]", "push", "refs/heads/main", true)]
    [InlineData("on:\n  push:\n    branches: [main]", "push", "refs/heads/feature/x", false)]
    [InlineData("on:\n  push:\n    branches: [main]", "push", "refs/tags/v1", false)]
    [InlineData("on:\n  push:\n    branches: ['feature/**']", "push", "refs/heads/feature/x/y", true)]
    [InlineData("on:\n  push:\n    branches-ignore: ['dependabot/**']", "push", "refs/heads/dependabot/npm", false)]
    [InlineData("on:\n  push:\n    branches-ignore: ['dependabot/**']", "push", "refs/heads/main", true)]
    [InlineData("on:\n  push:\n    tags: ['v*']", "push", "refs/tags/v1.2", true)]
    [InlineData("on:\n  push:\n    tags: ['v*']", "push", "refs/heads/main", false)]
    [InlineData("on:\n  push:\n    tags-ignore: ['v*']", "push", "refs/tags/v1", false)]
    [InlineData("on:\n  push:\n    tags-ignore: ['v*']", "push", "refs/tags/nightly", true)]
    [InlineData("on:\n  push:\n    branches: [main]\n    tags: ['v*']", "push", "refs/tags/v1", true)]
    [InlineData("on:\n  push:\n    branches: ['releases/**', '!releases/**-alpha']", "push", "refs/heads/releases/10-alpha", false)]
    [InlineData("on:\n  push:", "push", "refs/tags/anything", true)]
    [InlineData("on:\n  pull_request:\n    branches: [main]", "pull_request", "refs/heads/main", true)]
    [InlineData("on:\n  pull_request:\n    branches: [main]", "pull_request", "develop", false)]
    public void Match_applies_event_and_ref_filters(string on, string ev, string? gitRef, bool expected)
    {
        var d = Match(on, ev, gitRef);
        Assert.True(expected == d.Triggers, d.ToString());
    }

    [Theory]
    [InlineData(new[] { "src/app.cs" }, true)]
    [InlineData(new[] { "docs/readme.md" }, false)]
    [InlineData(new[] { "docs/readme.md", "src/x.cs" }, true)]
    [InlineData(new string[0], false)]
    public void Match_paths_needs_one_changed_file_to_match(string[] files, bool expected)
    {
        Assert.Equal(expected, Match("on:\n  push:\n    paths: ['src/**']", "push", "refs/heads/main", files).Triggers);
    }

    [Theory]
    [InlineData(new[] { "docs/a.md" }, false)]
    [InlineData(new[] { "docs/a.md", "README.md" }, true)]
    public void Match_paths_ignore_skips_only_when_every_file_is_ignored(string[] files, bool expected)
    {
        Assert.Equal(expected, Match("on:\n  push:\n    paths-ignore: ['docs/**']", "push", "refs/heads/main", files).Triggers);
    }

    [Fact]
    public void Match_unknown_changed_files_let_paths_filters_pass()
    {
        Assert.True(Match("on:\n  push:\n    paths: ['src/**']", "push", "refs/heads/main", files: null).Triggers);
    }

    [Fact]
    public void Match_paths_are_not_evaluated_for_tag_pushes()
    {
        Assert.True(Match("on:\n  push:\n    tags: ['v*']\n    paths: ['src/**']", "push", "refs/tags/v1", ["docs/x"]).Triggers);
    }

    [Fact]
    public void Match_branches_and_paths_must_both_hold()
    {
        Assert.False(Match("on:\n  push:\n    branches: [main]\n    paths: ['src/**']", "push", "refs/heads/main", ["docs/x"]).Triggers);
        Assert.False(Match("on:\n  push:\n    branches: [main]\n    paths: ['src/**']", "push", "refs/heads/dev", ["src/x"]).Triggers);
        Assert.True(Match("on:\n  push:\n    branches: [main]\n    paths: ['src/**']", "push", "refs/heads/main", ["src/x"]).Triggers);
    }

    [Theory]
    [InlineData("on:\n  pull_request:", "opened", true)]
    [InlineData("on:\n  pull_request:", "labeled", false)]
    [InlineData("on:\n  pull_request:\n    types: [labeled]", "labeled", true)]
    [InlineData("on:\n  pull_request:\n    types: [labeled]", "opened", false)]
    [InlineData("on:\n  issues:\n    types: [opened]", "closed", false)]
    [InlineData("on:\n  issues:", "closed", true)]
    public void Match_types_filter_activity(string on, string action, bool expected)
    {
        var ev = on.Contains("issues", StringComparison.Ordinal) ? "issues" : "pull_request";
        Assert.Equal(expected, Match(on, ev, action: action).Triggers);
    }

    [Fact]
    public void Match_workflow_run_filters_by_workflow_name()
    {
        const string on = "on:\n  workflow_run:\n    workflows: [Build]\n    types: [completed]";
        Assert.True(Match(on, "workflow_run", action: "completed", workflowName: "Build").Triggers);
        Assert.False(Match(on, "workflow_run", action: "completed", workflowName: "Lint").Triggers);
    }

    [Fact]
    public void Match_reason_names_filter_and_ref()
    {
        var d = Match("on:\n  push:\n    branches: [main]", "push", "refs/heads/feature/x");
        Assert.Equal("on.push.branches [main] does not match 'feature/x'", d.Reason);
        Assert.Contains("does not listen to 'pull_request'", Match("on: push", "pull_request").Reason, StringComparison.Ordinal);
        Assert.Contains("pushes of tags", Match("on:\n  push:\n    branches: [main]", "push", "refs/tags/v1").Reason, StringComparison.Ordinal);
    }
}
