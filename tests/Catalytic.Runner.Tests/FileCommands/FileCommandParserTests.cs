using Catalytic.Runner.FileCommands;

namespace Catalytic.Runner.Tests.FileCommands;

public sealed class FileCommandParserTests
{
    [Fact]
    public void ParseKeyValues_PlainAndHeredoc_ReturnsBoth()
    {
        var (pairs, error) = FileCommandParser.ParseKeyValues("A=1\nB<<EOF\nline 1\nline=2\nEOF\nC=x=y\n", "GITHUB_ENV");
        Assert.Null(error);
        Assert.Equal(["A", "B", "C"], pairs.Select(p => p.Key));
        Assert.Equal("line 1\nline=2", pairs[1].Value);
        Assert.Equal("x=y", pairs[2].Value);
    }

    [Fact]
    public void ParseKeyValues_HeredocWithoutEnd_ReportsTheDelimiter()
    {
        var (_, error) = FileCommandParser.ParseKeyValues("B<<END\nvalue\n", "GITHUB_OUTPUT");
        Assert.Contains("'END'", error, StringComparison.Ordinal);
        Assert.Contains("GITHUB_OUTPUT", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKeyValues_LineWithoutSeparator_IsAnError()
    {
        var (_, error) = FileCommandParser.ParseKeyValues("justtext\n", "GITHUB_ENV");
        Assert.Contains("line 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKeyValues_EqualsBeforeHeredocMarker_IsPlainPair()
    {
        var (pairs, _) = FileCommandParser.ParseKeyValues("A=b<<c\n", "GITHUB_ENV");
        Assert.Equal("b<<c", Assert.Single(pairs).Value);
    }

    [Fact]
    public void ParsePaths_SkipsBlankLines()
    {
        Assert.Equal(["/a", "/b"], FileCommandParser.ParsePaths("/a\n\n  /b  \n"));
    }
}
