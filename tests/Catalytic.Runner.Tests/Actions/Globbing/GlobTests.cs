using Catalytic.Runner.Actions.BuiltIn.Globbing;
using Catalytic.Workflows.Globbing;

namespace Catalytic.Runner.Tests.Actions.Globbing;

public sealed class GlobTests
{
    [Theory]
    [InlineData("**/*.md", "README.md", true)]
    [InlineData("**/*.md", "docs/a/b.md", true)]
    [InlineData("*.md", "docs/b.md", false)]
    [InlineData("src/**", "src", true)]
    [InlineData("src/**", "src/a/b.cs", true)]
    [InlineData("src/**", "srcx/a", false)]
    [InlineData("src/**/test/*.cs", "src/test/a.cs", true)]
    [InlineData("src/**/test/*.cs", "src/x/y/test/a.cs", true)]
    [InlineData("**/*.yml", ".github/workflows/ci.yml", true)]
    [InlineData("*", ".env", true)]
    [InlineData("*.{js,ts}", "a.ts", true)]
    [InlineData("*.{js,ts}", "a.css", false)]
    [InlineData("file[0-9].txt", "file7.txt", true)]
    [InlineData("file[!0-9].txt", "file7.txt", false)]
    [InlineData("v{1..3}/x", "v2/x", true)]
    [InlineData("a?c", "a/c", false)]
    [InlineData("!docs/**", "src/a.cs", true)]
    [InlineData("!docs/**", "docs/a.md", false)]
    [InlineData("./src/*.cs", "src/a.cs", true)]
    public void IsMatch_PicomatchWithDot_Matches(string pattern, string path, bool expected) =>
        Assert.Equal(expected, GlobPattern.Parse(pattern, GlobSyntax.PathGlob).Selects(path));

    [Fact]
    public void FindFiles_ExcludeAfterInclude_RemovesFolder()
    {
        using var dir = new TempDir();
        dir.Write("dist/a.js", "");
        dir.Write("dist/tmp/b.js", "");
        dir.Write("dist/sub/c.js", "");
        var set = PathPatternSet.Parse(["dist", "!dist/tmp", "# a comment"], dir.Path, "/home/none");

        var files = set.FindFiles(followSymlinks: false).Select(f => Path.GetRelativePath(dir.Path, f.FullPath)).ToArray();

        Assert.Equal(["dist/a.js", "dist/sub/c.js"], files);
        Assert.Equal([dir.Combine("dist")], set.SearchRoots);
    }

    [Fact]
    public void SearchRoots_NestedRoots_KeepOnlyTheOuter()
    {
        var set = PathPatternSet.Parse(["a/**/*.txt", "a/b/*.log", "c/d"], "/w", "/h");

        Assert.Equal(["/w/a", "/w/c/d"], set.SearchRoots);
    }
}
