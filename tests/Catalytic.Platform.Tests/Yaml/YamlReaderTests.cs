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

    [Fact]
    public void ListsPairsDurationsAndItems_GoodValues_ReadWithoutErrors()
    {
        var map = Map("one: a\nmany: [a, b]\nempty: ''\npairs: { b: 2, a: 1 }\nwait: 1m30s\nseq: [x, y]\n");
        var r = new YamlReader();
        Assert.Equal(["a"], r.List(map, "one")!.Value.Select(s => s.Value));
        Assert.Equal(["a", "b"], r.List(map, "many")!.Value.Select(s => s.Value));
        Assert.Equal("", r.Scalar(map, "empty"));
        Assert.Equal(["a=1", "b=2"], r.Pairs(map, "pairs")!.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Equal(TimeSpan.FromSeconds(90), r.Duration(map, "wait", TimeSpan.FromSeconds(1)));
        Assert.Equal(2, r.Items(map["seq"]!, "`seq:` must be a list").Length);
        Assert.NotNull(r.AsMapping(map["pairs"], "`pairs:`"));
        Assert.Null(r.AsMapping(null, "absent"));
        Assert.Empty(r.Errors);
    }

    [Fact]
    public void ListsPairsDurationsAndItems_BadValues_RecordEachErrorAtTheValue()
    {
        var map = Map("l: [a, [b]]\nm: { k: v }\np: { k: [v] }\nd: soon\nshort: 5ms\nseq: flat\ns: { a: b }\nroot: [1]\n");
        var r = new YamlReader();
        Assert.Equal(["a"], r.List(map, "l")!.Value.Select(s => s.Value));
        Assert.Null(r.List(map, "m"));
        Assert.Empty(r.Pairs(map, "p")!);
        Assert.Null(r.Duration(map, "d"));
        Assert.Null(r.Duration(map, "short", TimeSpan.FromSeconds(1)));
        Assert.Empty(r.Items(map["seq"]!, "`seq:` must be a list"));
        Assert.Null(r.Scalar(map, "s"));
        Assert.Null(r.AsMapping(map["root"], "the root"));
        r.CheckKeys(Map("intervall: 1s\n"), ["interval"], "check 'web'");
        Assert.Equal(
        [
            "1:8: `l:` items must be single values",
            "2:4: `m:` must be a list",
            "3:9: `p:` values must be single values",
            "4:4: `d:` 'soon' must be a duration such as 500ms, 30s, 5m, 4h or 90d",
            "5:8: `short:` must be at least 1s",
            "6:6: `seq:` must be a list",
            "7:4: `s:` must be a single value",
            "8:7: the root must be a mapping",
            "1:1: unknown key 'intervall' in check 'web' (expected one of: interval); did you mean 'interval'?",
        ], r.Errors.Select(e => e.ToString()));
    }
}
