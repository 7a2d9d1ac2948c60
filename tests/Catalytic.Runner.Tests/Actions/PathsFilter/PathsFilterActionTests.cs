using System.Text.Json;
using Catalytic.Runner.Actions.BuiltIn.PathsFilter;

namespace Catalytic.Runner.Tests.Actions.PathsFilter;

public sealed class PathsFilterActionTests
{
    private const string Filters = """
        backend:
          - 'src/api/**'
          - 'shared/**'
        docs:
          - '**/*.md'
        workflows:
          - '.github/**'
        code_not_tests:
          - 'src/**'
          - '!src/**/*.test.js'
        """;

    /// <summary>A repository with a first commit and a second that changes api code, a readme and a test.</summary>
    private static (string Ws, string Before, string After) TwoCommits(TempDir dir)
    {
        var ws = Git.Init(dir);
        var before = Git.Commit(ws, "one", ("src/api/a.js", "1"), ("README.md", "r"), ("src/web/w.test.js", "t"), ("old.txt", "o"));
        var after = Git.Commit(ws, "two", ("src/api/a.js", "2"), ("docs/guide.md", "g"), ("src/web/w.test.js", "t2"), ("old.txt", null));
        return (ws, before, after);
    }

    private static async Task<ActionProbe> RunAsync(string ws, Dictionary<string, string> inputs, Dictionary<string, string> github, bool succeed = true)
    {
        var probe = new ActionProbe();
        var result = await new PathsFilterAction().RunAsync(probe.Context(ws, inputs, github: github), CancellationToken.None);
        Assert.True(result.Succeeded == succeed, result.Message);
        probe.Outputs["__message"] = result.Message ?? string.Empty;
        return probe;
    }

    [Fact]
    public async Task Push_WithBefore_ComparesWithIt()
    {
        using var dir = new TempDir();
        var (ws, before, _) = TwoCommits(dir);

        var probe = await RunAsync(ws, new() { ["filters"] = Filters, ["list-files"] = "json" },
            new() { ["event_name"] = "push", ["ref"] = "refs/heads/main", ["event.before"] = before });

        Assert.Equal("true", probe.Outputs["backend"]);
        Assert.Equal("1", probe.Outputs["backend_count"]);
        Assert.Equal("true", probe.Outputs["docs"]);
        Assert.Equal("""["docs/guide.md"]""", probe.Outputs["docs_files"]);
        Assert.Equal("false", probe.Outputs["workflows"]);
        Assert.Equal("true", probe.Outputs["code_not_tests"]);
        Assert.Equal("""["src/api/a.js"]""", probe.Outputs["code_not_tests_files"]);
        Assert.Equal(["backend", "docs", "code_not_tests"], JsonSerializer.Deserialize<string[]>(probe.Outputs["changes"])!);
    }

    [Fact]
    public async Task Push_EveryQuantifierWithStatus_NeedsAllItems()
    {
        using var dir = new TempDir();
        var (ws, before, _) = TwoCommits(dir);
        const string filters = """
            api_js:
              - 'src/**'
              - '**/*.js'
              - '!**/*.test.js'
            added_docs:
              - added: 'docs/**'
            deleted:
              - deleted: '**'
            """;

        var probe = await RunAsync(ws, new() { ["filters"] = filters, ["predicate-quantifier"] = "every", ["list-files"] = "csv" },
            new() { ["event_name"] = "push", ["ref"] = "refs/heads/main", ["before"] = before });

        Assert.Equal("src/api/a.js", probe.Outputs["api_js_files"]);
        Assert.Equal("true", probe.Outputs["added_docs"]);
        Assert.Equal("old.txt", probe.Outputs["deleted_files"]);
    }

    [Fact]
    public async Task Push_ZeroBefore_ListsEveryFileAsAdded()
    {
        using var dir = new TempDir();
        var (ws, _, _) = TwoCommits(dir);

        var probe = await RunAsync(ws, new() { ["filters"] = "all:\n  - '**'", ["list-files"] = "shell" },
            new() { ["event_name"] = "push", ["ref"] = "refs/heads/main", ["event.before"] = new string('0', 40) });

        Assert.Equal("4", probe.Outputs["all_count"]);
        Assert.Contains("initial push", probe.LogText);
    }

    [Fact]
    public async Task Push_NoBefore_UsesLastCommit()
    {
        using var dir = new TempDir();
        var (ws, _, _) = TwoCommits(dir);

        var probe = await RunAsync(ws, new() { ["filters"] = "readme:\n  - README.md\nguide:\n  - docs/*.md" }, new() { ["event_name"] = "push" });

        Assert.Equal("false", probe.Outputs["readme"]);
        Assert.Equal("true", probe.Outputs["guide"]);
    }

    [Fact]
    public async Task PullRequest_ComparesWithMergeBaseOfBaseBranch()
    {
        using var dir = new TempDir();
        var (ws, _, _) = TwoCommits(dir);
        Git.Run(ws, "checkout", "--quiet", "-b", "feature");
        Git.Commit(ws, "feature work", (".github/workflows/ci.yml", "on: push"));
        Git.Run(ws, "checkout", "--quiet", "main");
        Git.Commit(ws, "main moves on", ("shared/lib.js", "x"));
        Git.Run(ws, "checkout", "--quiet", "feature");

        var probe = await RunAsync(ws, new() { ["filters"] = Filters },
            new() { ["event_name"] = "pull_request", ["base_ref"] = "main", ["ref"] = "refs/pull/1/merge" });

        Assert.Equal("true", probe.Outputs["workflows"]);
        Assert.Equal("false", probe.Outputs["backend"]); // main's own later change is not the PR's
        Assert.Equal("""["workflows"]""", probe.Outputs["changes"]);
    }

    [Fact]
    public async Task Filters_FromFile_AreRead()
    {
        using var dir = new TempDir();
        var (ws, before, _) = TwoCommits(dir);
        File.WriteAllText(Path.Combine(ws, "filters.yml"), "docs: ['**/*.md']\n");

        var probe = await RunAsync(ws, new() { ["filters"] = "filters.yml" }, new() { ["event_name"] = "push", ["event.before"] = before, ["ref"] = "main" });

        Assert.Equal("true", probe.Outputs["docs"]);
    }

    [Fact]
    public async Task Filters_BadYaml_FailsWithLine()
    {
        using var dir = new TempDir();
        var (ws, _, _) = TwoCommits(dir);

        var probe = await RunAsync(ws, new() { ["filters"] = "a:\n  - x\n b: [" }, new() { ["event_name"] = "push" }, succeed: false);

        Assert.Contains("line", probe.Outputs["__message"]);
    }

    [Theory]
    [InlineData("shell", "a.txt 'with space.txt' 'it'\\''s'")]
    [InlineData("escape", "a.txt with\\ space.txt it\\'s")]
    [InlineData("csv", "a.txt,with space.txt,it's")]
    public void Serialize_ListFormats_EscapeLikeTheAction(string format, string expected) =>
        Assert.Equal(expected, PathsFilterAction.Serialize(["a.txt", "with space.txt", "it's"], format));
}
