using System.Text.Json.Nodes;
using Catalytic.Runner.Scheduling;

namespace Catalytic.Runner.Tests.Scheduling;

public sealed class MatrixExpansionTests
{
    private static List<string> Expand(string json)
    {
        var (combos, error) = MatrixExpansion.Expand(JsonNode.Parse(json));
        Assert.Null(error);
        return combos.Select(c => c.ToJsonString()).ToList();
    }

    [Fact]
    public void Expand_TwoVectors_IsCartesianProductInOrder()
    {
        Assert.Equal(
            ["{\"os\":\"a\",\"v\":1}", "{\"os\":\"a\",\"v\":2}", "{\"os\":\"b\",\"v\":1}", "{\"os\":\"b\",\"v\":2}"],
            Expand("""{"os":["a","b"],"v":[1,2]}"""));
    }

    [Fact]
    public void Expand_ExcludePartial_RemovesMatchingCombinations()
    {
        Assert.Equal(3, Expand("""{"os":["a","b"],"v":[1,2],"exclude":[{"os":"b","v":2}]}""").Count);
        Assert.Equal(2, Expand("""{"os":["a","b"],"v":[1,2],"exclude":[{"os":"b"}]}""").Count);
    }

    [Fact]
    public void Expand_Include_ExtendsMatchingOrAddsNew()
    {
        // GitHub's documented example: fruit × animal with includes.
        var combos = Expand("""
            {"fruit":["apple","pear"],"animal":["cat","dog"],
             "include":[{"color":"green"},{"color":"pink","animal":"cat"},{"fruit":"apple","shape":"circle"},
                        {"fruit":"banana"},{"fruit":"banana","animal":"cat"}]}
            """);
        Assert.Equal(
            [
                """{"fruit":"apple","animal":"cat","color":"pink","shape":"circle"}""",
                """{"fruit":"apple","animal":"dog","color":"green","shape":"circle"}""",
                """{"fruit":"pear","animal":"cat","color":"pink"}""",
                """{"fruit":"pear","animal":"dog","color":"green"}""",
                """{"fruit":"banana"}""",
                """{"fruit":"banana","animal":"cat"}""",
            ],
            combos);
    }

    [Fact]
    public void Expand_OnlyInclude_MakesOneCombinationPerEntry()
    {
        Assert.Equal(2, Expand("""{"include":[{"a":1},{"a":2}]}""").Count);
    }

    [Fact]
    public void Expand_VectorNotASequence_IsAnError()
    {
        var (_, error) = MatrixExpansion.Expand(JsonNode.Parse("""{"os":"linux"}"""));
        Assert.Contains("'os'", error, StringComparison.Ordinal);
    }
}
