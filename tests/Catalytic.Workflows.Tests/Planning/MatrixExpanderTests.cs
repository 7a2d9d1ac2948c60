using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Planning;

namespace Catalytic.Workflows.Tests.Planning;

/// <summary>The examples of GitHub's "Running variations of jobs in a workflow" page.</summary>
public sealed class MatrixExpanderTests
{
    private static List<string> Expand(string json)
    {
        var result = MatrixExpander.Expand(ExpressionValue.FromJson(json));
        Assert.True(result.IsValid, result.Error);
        return [.. result.Combinations.Select(c => ExpressionValue.FromObject(c).ToJson().Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal))];
    }

    [Fact]
    public void Expand_vectors_gives_the_cartesian_product_in_written_order()
    {
        Assert.Equal(
            ["""{"os":"ubuntu","node":14}""", """{"os":"ubuntu","node":16}""", """{"os":"windows","node":14}""", """{"os":"windows","node":16}"""],
            Expand("""{"os": ["ubuntu", "windows"], "node": [14, 16]}"""));
    }

    [Fact]
    public void Expand_exclude_removes_partial_matches()
    {
        var combos = Expand("""
            {"os": ["macos-latest", "windows-latest"], "version": [12, 14, 16], "environment": ["staging", "production"],
             "exclude": [{"os": "macos-latest", "version": 12, "environment": "production"}, {"os": "windows-latest", "version": 16}]}
            """);
        Assert.Equal(9, combos.Count);
        Assert.DoesNotContain("""{"os":"macos-latest","version":12,"environment":"production"}""", combos);
        Assert.DoesNotContain(combos, c => c.Contains("\"windows-latest\",\"version\":16", StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_include_follows_the_fruit_and_animal_example()
    {
        var combos = Expand("""
            {"fruit": ["apple", "pear"], "animal": ["cat", "dog"],
             "include": [
               {"color": "green"},
               {"color": "pink", "animal": "cat"},
               {"fruit": "apple", "shape": "circle"},
               {"fruit": "banana"},
               {"fruit": "banana", "animal": "cat"}]}
            """);
        Assert.Equal(
        [
            """{"fruit":"apple","animal":"cat","color":"pink","shape":"circle"}""",
            """{"fruit":"apple","animal":"dog","color":"green","shape":"circle"}""",
            """{"fruit":"pear","animal":"cat","color":"pink"}""",
            """{"fruit":"pear","animal":"dog","color":"green"}""",
            """{"fruit":"banana"}""",
            """{"fruit":"banana","animal":"cat"}""",
        ], combos);
    }

    [Fact]
    public void Expand_include_extends_a_matching_combination()
    {
        var combos = Expand("""{"os": ["windows-latest", "ubuntu-latest"], "node": [14, 16], "include": [{"os": "windows-latest", "node": 16, "npm": 6}]}""");
        Assert.Equal(4, combos.Count);
        Assert.Equal("""{"os":"windows-latest","node":16,"npm":6}""", combos[1]);
    }

    [Fact]
    public void Expand_include_that_changes_an_original_value_adds_a_combination()
    {
        var combos = Expand("""{"os": ["windows-latest", "ubuntu-latest"], "node": [14, 16], "include": [{"os": "windows-latest", "node": 17}]}""");
        Assert.Equal(5, combos.Count);
        Assert.Equal("""{"os":"windows-latest","node":17}""", combos[^1]);
    }

    [Fact]
    public void Expand_only_include_makes_one_combination_per_entry()
    {
        var combos = Expand("""{"include": [{"site": "production", "datacenter": "site-a"}, {"site": "staging", "datacenter": "site-b"}]}""");
        Assert.Equal(["""{"site":"production","datacenter":"site-a"}""", """{"site":"staging","datacenter":"site-b"}"""], combos);
    }

    [Fact]
    public void Expand_exclude_is_applied_before_include()
    {
        var combos = Expand("""{"os": ["a", "b"], "exclude": [{"os": "a"}], "include": [{"os": "a", "x": 1}]}""");
        Assert.Equal(["""{"os":"b"}""", """{"os":"a","x":1}"""], combos);
    }

    [Fact]
    public void Expand_object_values_are_matched_by_value()
    {
        var combos = Expand("""{"cfg": [{"os": "linux", "arch": "x64"}, {"os": "mac", "arch": "arm"}], "exclude": [{"cfg": {"os": "mac"}}]}""");
        Assert.Equal(["""{"cfg":{"os":"linux","arch":"x64"}}"""], combos);
    }

    [Fact]
    public void Expand_more_than_256_combinations_is_an_error()
    {
        var a = string.Join(",", Enumerable.Range(0, 17));
        var b = string.Join(",", Enumerable.Range(0, 16));
        var result = MatrixExpander.Expand(ExpressionValue.FromJson($$"""{"a": [{{a}}], "b": [{{b}}]}"""));
        Assert.False(result.IsValid);
        Assert.Contains("272 combinations; GitHub allows at most 256", result.Error, StringComparison.Ordinal);
        Assert.True(MatrixExpander.Expand(ExpressionValue.FromJson($$"""{"a": [{{b}}], "b": [{{b}}]}""")).IsValid);
    }

    [Theory]
    [InlineData("""["a"]""", "must be a mapping")]
    [InlineData("""{"os": "linux"}""", "vector 'os' must be a sequence")]
    [InlineData("""{"os": []}""", "vector 'os' has no values")]
    [InlineData("""{"include": "x"}""", "'include' must be a sequence of mappings")]
    [InlineData("""{}""", "no vector")]
    [InlineData("""{"os": ["a"], "exclude": [{"os": "a"}]}""", "every combination")]
    public void Expand_malformed_matrix_gives_a_reason(string json, string fragment)
    {
        var result = MatrixExpander.Expand(ExpressionValue.FromJson(json));
        Assert.False(result.IsValid);
        Assert.Contains(fragment, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DisplayName_lists_the_values_in_order()
    {
        var combo = ExpressionValue.FromJson("""{"os": "ubuntu-latest", "node": 20, "exp": true}""").AsObject;
        Assert.Equal("build (ubuntu-latest, 20, true)", MatrixExpander.DisplayName("build", combo));
        Assert.Equal("build", MatrixExpander.DisplayName("build", ExpressionObject.Empty));
    }
}
