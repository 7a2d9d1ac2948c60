using Catalytic.Platform.Yaml;

namespace Catalytic.Platform.Tests.Yaml;

/// <summary>The one YAML reading layer: positions, every error of a file, anchors, and no input that makes it throw.</summary>
public sealed class YamlDocumentTests
{
    private static YamlDocument Parse(string text, YamlReadOptions? options = null) => YamlDocument.Parse("f.yml", text, options);

    [Fact]
    public void Parse_Nodes_CarryTheirLineAndColumn()
    {
        var doc = Parse("a: 1\nb:\n  - x\n  - 'y'\nc: { d: e }\n");
        var root = Assert.IsType<YamlMapping>(doc.Root);
        Assert.Empty(doc.Errors);
        Assert.Equal(new YamlMark(1, 1), root.Entries[0].Key.Start);
        Assert.Equal(new YamlMark(1, 4), root["a"]!.Start);
        var b = Assert.IsType<YamlSequence>(root["b"]);
        Assert.Equal(new YamlMark(3, 3), b.Start);
        Assert.Equal(new YamlMark(4, 5), b.Items[1].Start);
        Assert.True(((YamlScalar)b.Items[0]).IsPlain);
        Assert.False(((YamlScalar)b.Items[1]).IsPlain);
        Assert.Equal(new YamlMark(5, 9), Assert.IsType<YamlMapping>(root["c"])["d"]!.Start);
    }

    [Fact]
    public void Parse_DuplicateKeys_AreEachReportedAtTheSecondKeyAndTheFirstIsKept()
    {
        var doc = Parse("a: 1\nb: 2\na: 3\nm:\n  x: 1\n  x: 2\n");
        Assert.Equal(["3:1: duplicate key 'a': it is already defined in this mapping", "6:3: duplicate key 'x': it is already defined in this mapping"],
            doc.Errors.Select(e => e.ToString()));
        Assert.False(doc.HasSyntaxError);
        Assert.Equal("1", ((YamlScalar)((YamlMapping)doc.Root!)["a"]!).Value);
    }

    [Fact]
    public void Parse_IgnoringKeyCase_MakesDifferentlyCasedKeysDuplicates()
    {
        const string text = "runs-on: a\nRuns-On: b\n";
        Assert.Empty(Parse(text).Errors);
        var error = Assert.Single(Parse(text, new YamlReadOptions { IgnoreKeyCase = true }).Errors);
        Assert.Equal("2:1: duplicate key 'Runs-On': it is already defined in this mapping (keys are compared ignoring case)", error.ToString());
    }

    [Fact]
    public void Parse_KeyThatIsNotAScalar_IsAnErrorAndLeftOut()
    {
        var doc = Parse("? [a, b]\n: 1\nc: 2\n");
        var error = Assert.Single(doc.Errors);
        Assert.Equal("1:3: a mapping key must be a scalar, not a sequence", error.ToString());
        Assert.Equal(["c"], ((YamlMapping)doc.Root!).Entries.Select(e => e.Key.Value));
    }

    [Fact]
    public void Parse_AliasesShareTheAnchoredNode()
    {
        var doc = Parse("base: &b { x: 1 }\none: *b\ntwo: *b\n");
        var root = (YamlMapping)doc.Root!;
        Assert.Empty(doc.Errors);
        Assert.Same(root["base"], root["one"]);
        Assert.Same(root["one"], root["two"]);
    }

    [Fact]
    public void Parse_AliasToNoAnchor_IsASyntaxErrorAtTheAlias()
    {
        var doc = Parse("a: 1\nb: *nothing\n");
        var error = Assert.Single(doc.Errors);
        Assert.Equal("2:4: alias '*nothing' names no anchor defined before it", error.ToString());
        Assert.True(error.IsSyntax);
        Assert.Null(doc.Root);
    }

    [Fact]
    public void Parse_SyntaxError_IsReportedWhereTheParserStopped()
    {
        var doc = Parse("on: push\njobs:\n  a: [\n");
        var error = Assert.Single(doc.Errors);
        Assert.True(error.IsSyntax);
        Assert.Equal(4, error.At.Line);
        Assert.Null(doc.Root);
    }

    [Fact]
    public void Parse_SecondDocument_IsAnErrorAndTheFirstIsKept()
    {
        var doc = Parse("a: 1\n---\nb: 2\n");
        Assert.Equal("2:1: exactly one YAML document is expected; found a second one", Assert.Single(doc.Errors).ToString());
        Assert.NotNull(((YamlMapping)doc.Root!)["a"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n")]
    [InlineData("~\n")]
    public void Parse_NothingOrNull_IsEmpty(string text) => Assert.True(Parse(text).IsEmpty);

    // Issue 15: YamlDotNet's scanner throws InvalidOperationException (not YamlException) on an unclosed flow
    // collection followed by a plain scalar on the next line; `catalytic validate` crashed with exit -6.
    [Theory]
    [InlineData(": [\ne")]
    [InlineData(": [''\nn")]
    [InlineData("on: push\njobs:\n  build: [\nruns-on: x\n")]
    public void Parse_ScannerFailure_IsAPositionedSyntaxError(string text)
    {
        var doc = Parse(text);
        var error = Assert.Single(doc.Errors);
        Assert.True(error.IsSyntax);
        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.At.Line, 1, text.Split('\n').Length);
    }

    [Fact]
    public void Parse_NestingPastTheLimit_IsAnErrorNotAStackOverflow()
    {
        // 100,000 nested '[' overflowed the stack of the recursive reader before (a crash no handler can catch). The
        // root mapping is the first level, so the 100th '[' (column 106) is one too many.
        var doc = Parse("on: push\njobs: " + new string('[', 100_000));
        var error = Assert.Single(doc.Errors);
        Assert.Equal("2:106: the document nests deeper than 100 levels", error.ToString());
    }

    [Fact]
    public void Parse_NestingAtTheLimit_IsRead()
    {
        var doc = Parse(new string('[', 100) + new string(']', 100));
        Assert.Empty(doc.Errors);
        Assert.IsType<YamlSequence>(doc.Root);
    }

    [Fact]
    public void Parse_AliasBomb_IsRefusedAtTheAliasThatExpandsTooFar()
    {
        // "Billion laughs": 30 levels of four aliases each stand for 4^29 nodes; any walk of the tree would never end.
        var lines = new List<string> { "a0: &a0 x" };
        for (var i = 1; i < 30; i++)
        {
            lines.Add($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]");
        }

        var doc = Parse(string.Join('\n', lines));
        var error = Assert.Single(doc.Errors);
        Assert.True(error.IsSyntax);
        Assert.StartsWith("aliases expand the document past 1,000,000 nodes", error.Message, StringComparison.Ordinal);
        Assert.Equal(11, error.At.Line);
    }

    [Fact]
    public void Parse_ManyProblems_AreAllReported()
    {
        var doc = Parse("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n? [x]\n: 3\n");
        Assert.Equal(3, doc.Errors.Length);
    }

    [Fact]
    public void Parse_EntryTheParserLosesTheValueOf_IsReported()
    {
        // YamlDotNet ends the mapping of " : t" after its (empty) key and drops "t"; its representation model threw
        // ArgumentException ("unsupported event") on it, which no reader caught.
        var doc = Parse(" : t");
        Assert.Equal("1:3: this mapping entry cannot be read: its key has no value", Assert.Single(doc.Errors).ToString());
    }
}
