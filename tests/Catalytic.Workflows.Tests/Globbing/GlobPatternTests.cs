using Catalytic.Workflows.Globbing;

namespace Catalytic.Workflows.Tests.Globbing;

/// <summary>The examples of GitHub's "Filter pattern cheat sheet".</summary>
public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("feature/*", "feature/my-branch", true)]
    [InlineData("feature/*", "feature/your-branch", true)]
    [InlineData("feature/*", "feature/a/b", false)]
    [InlineData("feature/**", "feature/beta-a/my-branch", true)]
    [InlineData("feature/**", "feature/mona/the/octocat", true)]
    [InlineData("main", "main", true)]
    [InlineData("main", "main2", false)]
    [InlineData("main", "Main", false)]
    [InlineData("*", "main", true)]
    [InlineData("*", "releases/v1", false)]
    [InlineData("**", "releases/v1/x", true)]
    [InlineData("*-alpha", "v2-alpha", true)]
    [InlineData("v2*", "v2", true)]
    [InlineData("v2*", "v2.9", true)]
    [InlineData("v[12].[0-9]+.[0-9]+", "v1.10.1", true)]
    [InlineData("v[12].[0-9]+.[0-9]+", "v2.0.0", true)]
    [InlineData("v[12].[0-9]+.[0-9]+", "v3.0.0", false)]
    [InlineData("v[12].[0-9]+.[0-9]+", "v1..1", false)]
    [InlineData("[CB]at", "Cat", true)]
    [InlineData("[CB]at", "Rat", false)]
    [InlineData("Octoc?t", "Octoct", true)]
    [InlineData("Octoc?t", "Octocct", false)]
    [InlineData("*", "README.md", true)]
    [InlineData("*", "dir/README.md", false)]
    [InlineData("*.jsx?", "page.js", true)]
    [InlineData("*.jsx?", "page.jsx", true)]
    [InlineData("*.jsx?", "page.jsxx", false)]
    [InlineData("*.js", "app.js", true)]
    [InlineData("*.js", "js/app.js", false)]
    [InlineData("**.js", "src/js/app.js", true)]
    [InlineData("docs/*", "docs/README.md", true)]
    [InlineData("docs/*", "docs/mona/octocat.txt", false)]
    [InlineData("docs/**", "docs/mona/octocat.txt", true)]
    [InlineData("docs/**/*.md", "docs/README.md", true)]
    [InlineData("docs/**/*.md", "docs/a/markdown/file.md", true)]
    [InlineData("docs/**/*.md", "docs/a/file.txt", false)]
    [InlineData("**/docs/**", "docs/hello.md", true)]
    [InlineData("**/docs/**", "dir/docs/my-file.txt", true)]
    [InlineData("**/docs/**", "space/docs/plan/space.doc", true)]
    [InlineData("**/README.md", "README.md", true)]
    [InlineData("**/README.md", "js/README.md", true)]
    [InlineData("**/*src/**", "a/src/app.js", true)]
    [InlineData("**/*src/**", "my-src/code/js/app.js", true)]
    [InlineData("**/*-post.md", "my-post.md", true)]
    [InlineData("**/*-post.md", "path/their-post.md", true)]
    [InlineData("**/migrate-*.sql", "db/sept/migrate-v1.sql", true)]
    [InlineData("release\\+x", "release+x", true)]
    [InlineData("release\\+x", "releasex", false)]
    [InlineData("a.b", "axb", false)]
    public void IsMatch_follows_the_filter_pattern_cheat_sheet(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, GlobPattern.Parse(pattern, GlobSyntax.FilterPattern).IsMatch(value));
    }

    [Theory]
    [InlineData(new[] { "*.md", "!README.md" }, "hello.md", true)]
    [InlineData(new[] { "*.md", "!README.md" }, "README.md", false)]
    [InlineData(new[] { "*.md", "!README.md" }, "docs/hello.md", false)]
    [InlineData(new[] { "*.md", "!README.md", "README*" }, "README.md", true)]
    [InlineData(new[] { "*.md", "!README.md", "README*" }, "README.doc", true)]
    [InlineData(new[] { "releases/**", "!releases/**-alpha" }, "releases/v1", true)]
    [InlineData(new[] { "releases/**", "!releases/**-alpha" }, "releases/v1-alpha", false)]
    public void GlobFilter_last_matching_pattern_decides(string[] patterns, string value, bool expected)
    {
        Assert.Equal(expected, GlobFilter.Parse(patterns).Matches(value));
    }

    [Theory]
    [InlineData("feature/[a-", "no closing")]
    [InlineData("v[a-9]", "range")]
    [InlineData("!", "empty")]
    [InlineData("x\\", "lone")]
    public void TryParse_malformed_pattern_gives_a_reason(string pattern, string fragment)
    {
        Assert.False(GlobPattern.TryParse(pattern, GlobSyntax.FilterPattern, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_leading_bang_sets_negation_and_keeps_text()
    {
        var p = GlobPattern.Parse("!docs/**", GlobSyntax.FilterPattern);
        Assert.True(p.IsNegated);
        Assert.Equal("!docs/**", p.Text);
        Assert.True(p.IsMatch("docs/a"));
    }
}
