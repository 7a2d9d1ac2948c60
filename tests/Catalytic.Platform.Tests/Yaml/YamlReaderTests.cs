using Catalytic.Platform.Yaml;

namespace Catalytic.Platform.Tests.Yaml;

/// <summary>Typed reads that record a positioned error instead of throwing, and go on.</summary>
public sealed class YamlReaderTests
{
    private static YamlMapping Map(string text) => (YamlMapping)YamlDocument.Parse("f.yml", text).Root!;

    [Fact]
    public void Reads_GoodValues_GiveThemWithoutErrors()
    {
        var map = Map("n: 3\nx: 2.5\nb: yes\ns: text\nm: { k: v }\n");
        var r = new YamlReader();
        Assert.Equal(3, r.Int(map, "n", 1, 5));
        Assert.Equal(2.5, r.Number(map, "x"));
        Assert.True(r.Bool(map, "b"));
        Assert.Equal("text", r.String(map, "s"));
        Assert.NotNull(r.Map(map, "m"));
        Assert.Null(r.String(map, "absent"));
        Assert.Empty(r.Errors);
    }

    [Fact]
    public void Reads_BadValues_RecordEachErrorAtTheValue()
    {
        var map = Map("n: 9\nx: many\nb: maybe\ns: [1]\nm: flat\nd: 3 weeks\n");
        var r = new YamlReader();
        Assert.Null(r.Int(map, "n", 1, 5));
        Assert.Null(r.Number(map, "x"));
        Assert.Null(r.Bool(map, "b"));
        Assert.Null(r.String(map, "s"));
        Assert.Null(r.Map(map, "m"));
        Assert.Null(r.Parse(map, "d", (string s, out TimeSpan t) => TimeSpan.TryParse(s, out t), "a time span"));
        Assert.Equal(
        [
            "1:4: `n:` '9' must be a whole number from 1 to 5",
            "2:4: `x:` 'many' must be a number",
            "3:4: `b:` 'maybe' must be true or false",
            "4:4: `s:` must be a non-empty string",
            "5:4: `m:` must be a mapping",
            "6:4: `d:` '3 weeks' must be a time span",
        ], r.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void CheckKeys_UnknownKey_NamesTheAllowedOnesAndTheClosest()
    {
        var r = new YamlReader();
        r.CheckKeys(Map("path: /\ninterval: 1s\ntimout: 2s\ncolour: red\n"), ["path", "interval", "timeout"]);
        Assert.Equal(
        [
            "3:1: unknown key 'timout' (expected one of: path, interval, timeout); did you mean 'timeout'?",
            "4:1: unknown key 'colour' (expected one of: path, interval, timeout)",
        ], r.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Error_WithoutNode_IsAtTheStartOfTheFile()
    {
        var r = new YamlReader();
        r.Error((YamlNode?)null, "nothing here");
        Assert.Equal("1:1: nothing here", Assert.Single(r.Errors).ToString());
    }
}
