using System.Text.Json.Nodes;
using Catalytic.Workflows.Expressions;

namespace Catalytic.Workflows.Tests.Expressions;

public sealed class ExpressionValueTests
{
    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(-0.0, "0")]
    [InlineData(0.5, "0.5")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(0.84551240822557006, "0.84551240822557")]
    [InlineData(1.5e21, "1.5E+21")]
    [InlineData(1e15, "1E+15")]
    [InlineData(123456789012345.0, "123456789012345")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void FormatNumber_matches_GitHub_G15_formatting(double value, string expected)
    {
        Assert.Equal(expected, ExpressionValue.FormatNumber(value));
    }

    [Theory]
    [InlineData("", 0.0)]
    [InlineData("  ", 0.0)]
    [InlineData(" 12 ", 12.0)]
    [InlineData("-1.5e2", -150.0)]
    [InlineData("0x1F", 31.0)]
    [InlineData("0o17", 15.0)]
    [InlineData(".5", 0.5)]
    [InlineData("Infinity", double.PositiveInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    public void ParseNumber_follows_javascript_number_rules(string text, double expected)
    {
        Assert.Equal(expected, ExpressionValue.ParseNumber(text));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("1e")]
    [InlineData("0X1F")]
    [InlineData("-0x1F")]
    [InlineData("1,000")]
    [InlineData("infinity")]
    public void ParseNumber_of_non_numbers_is_NaN(string text)
    {
        Assert.True(double.IsNaN(ExpressionValue.ParseNumber(text)));
    }

    [Fact]
    public void Coercions_follow_GitHub()
    {
        Assert.Equal(0, ExpressionValue.Null.ToNumber());
        Assert.Equal(1, ExpressionValue.True.ToNumber());
        Assert.True(double.IsNaN(ExpressionValue.FromString("abc").ToNumber()));
        Assert.True(double.IsNaN(ExpressionValue.FromArray(ExpressionArray.Empty).ToNumber()));
        Assert.Equal(string.Empty, ExpressionValue.Null.ToString());
        Assert.Equal("Object", ExpressionValue.FromObject(ExpressionObject.Empty).ToString());
        Assert.False(ExpressionValue.FromString(string.Empty).IsTruthy);
        Assert.True(ExpressionValue.FromString("false").IsTruthy);
        Assert.True(ExpressionValue.FromArray(ExpressionArray.Empty).IsTruthy);
        Assert.False(ExpressionValue.FromNumber(double.NaN).IsTruthy);
    }

    [Fact]
    public void LooseEquals_compares_strings_case_insensitively_and_coerces_other_kinds()
    {
        Assert.True(ExpressionValue.LooseEquals("ABC", "abc"));
        Assert.True(ExpressionValue.LooseEquals(" 1 ", true));
        Assert.True(ExpressionValue.LooseEquals(ExpressionValue.Null, ""));
        Assert.False(ExpressionValue.LooseEquals(double.NaN, double.NaN));
        var obj = ExpressionValue.FromJson("{}");
        Assert.True(ExpressionValue.LooseEquals(obj, obj));
        Assert.False(ExpressionValue.LooseEquals(obj, ExpressionValue.FromJson("{}")));
        Assert.True(ExpressionValue.LessThan("abc", "ABD"));
        Assert.True(ExpressionValue.GreaterThanOrEqual(2, "2"));
    }

    [Fact]
    public void Objects_are_case_insensitive_and_keep_insertion_order()
    {
        var obj = new ExpressionObject.Builder().Set("Zeta", 1).Set("alpha", 2).Set("ZETA", 3).Build();
        Assert.Equal(["Zeta", "alpha"], obj.Keys);
        Assert.Equal(3, obj["zeta"].AsNumber);
        Assert.True(obj["missing"].IsNull);
        var more = obj.With("Beta", "b");
        Assert.Equal(2, obj.Count);
        Assert.Equal(["Zeta", "alpha", "Beta"], more.Keys);
    }

    [Fact]
    public void ToJson_pretty_prints_like_GitHub()
    {
        var value = ExpressionValue.FromJson("""{"a":[1,2.5,"x\"y"],"b":{},"c":[],"d":null,"e":true}""");
        Assert.Equal("{\n  \"a\": [\n    1,\n    2.5,\n    \"x\\\"y\"\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": null,\n  \"e\": true\n}", value.ToJson());
    }

    [Fact]
    public void FromDotNet_converts_common_types()
    {
        var value = ExpressionValue.FromDotNet(new Dictionary<string, object?>
        {
            ["n"] = 3,
            ["s"] = "x",
            ["list"] = new[] { 1L, 2L },
            ["nested"] = new Dictionary<string, string> { ["k"] = "v" },
            ["none"] = null,
        });
        Assert.Equal(3, value["N"].AsNumber);
        Assert.Equal(2, value["list"].AsArray.Count);
        Assert.Equal("v", value["nested"]["K"].AsString);
        Assert.True(value["none"].IsNull);
    }

    [Fact]
    public void JsonNode_round_trips()
    {
        var node = JsonNode.Parse("""{"a":[1,"two",false,null],"b":{"c":1.5}}""");
        var value = ExpressionValue.FromJsonNode(node);
        Assert.Equal("two", value["a"].AsArray[1].AsString);
        Assert.Equal("""{"a":[1,"two",false,null],"b":{"c":1.5}}""", value.ToJsonNode()!.ToJsonString());
    }

    [Fact]
    public void Default_value_is_null()
    {
        ExpressionValue value = default;
        Assert.Equal(ExpressionValueKind.Null, value.Kind);
        Assert.Throws<InvalidOperationException>(() => value.AsString);
    }
}
