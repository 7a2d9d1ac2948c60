using Catalytic.Workflows.Expressions;

namespace Catalytic.Workflows.Tests.Expressions;

public sealed class ExpressionEvaluatorTests
{
    [Theory]
    [InlineData("1 2", 2, "Unexpected symbol: '2'")]
    [InlineData("github.sha ==", 11, "Unexpected end of expression: '=='")]
    [InlineData("github.sha == 'x", 14, "Unexpected symbol: ''x'")]
    [InlineData("contains(github.sha)", 0, "Too few parameters supplied: 'contains'")]
    [InlineData("github.sha && nope.x", 14, "Unrecognized named-value: 'nope'")]
    [InlineData("github.sha && Nope(1)", 14, "Unrecognized function: 'Nope'")]
    [InlineData("hashFiles('x')", 0, "Unrecognized function: 'hashFiles'")]
    public void Errors_carry_the_0_based_offset_and_GitHub_message(string expression, int offset, string reason)
    {
        var context = new ExpressionContext { ["github"] = ExpressionValue.FromJson("""{"sha":"abc"}""") };
        var e = Assert.Throws<ExpressionException>(() => ExpressionEvaluator.Evaluate(expression, context));
        Assert.Equal(offset, e.Error.Offset);
        Assert.Equal(offset + 1, e.Error.Position);
        Assert.Equal(reason, e.Error.Reason);
        Assert.Equal($"{reason}. Located at position {offset + 1} within expression: {expression}", e.Message);
    }

    [Fact]
    public void Function_names_are_case_insensitive_and_literals_are_not()
    {
        var context = new ExpressionContext { ["TRUE"] = "a named value" };
        Assert.True(ExpressionEvaluator.Evaluate("STARTSWITH('Hello', 'he')", context).AsBoolean);
        Assert.Equal("a named value", ExpressionEvaluator.Evaluate("TRUE", context).AsString);
    }

    [Fact]
    public void HashFiles_is_delegated_to_the_host()
    {
        IReadOnlyList<string>? seen = null;
        var context = new ExpressionContext
        {
            HashFiles = patterns =>
            {
                seen = patterns;
                return "deadbeef";
            },
        };
        Assert.Equal("deadbeef", ExpressionEvaluator.Evaluate("hashFiles('**/*.csproj', 1)", context).AsString);
        Assert.Equal(["**/*.csproj", "1"], seen);
    }

    [Fact]
    public void HashFiles_host_failure_becomes_an_expression_error()
    {
        var context = new ExpressionContext { HashFiles = _ => throw new IOException("disk gone") };
        var e = Assert.Throws<ExpressionException>(() => ExpressionEvaluator.Evaluate("hashFiles('a')", context));
        Assert.Equal("hashFiles('a') failed: disk gone", e.Error.Reason);
    }

    [Fact]
    public void Clone_copies_contexts_without_touching_the_original()
    {
        var original = new ExpressionContext { ["env"] = "a", Status = new StatusFunctions(true, false, false) };
        var copy = original.Clone().Set("matrix", 1);
        Assert.True(copy.Contains("env"));
        Assert.False(original.Contains("matrix"));
        Assert.Equal(original.Status, copy.Status);
    }

    [Fact]
    public void Status_functions_read_the_host_values()
    {
        var context = new ExpressionContext { Status = new StatusFunctions(Success: false, Failure: true, Cancelled: false) };
        Assert.False(ExpressionEvaluator.Evaluate("success()", context).AsBoolean);
        Assert.True(ExpressionEvaluator.Evaluate("failure()", context).AsBoolean);
        Assert.False(ExpressionEvaluator.Evaluate("cancelled()", context).AsBoolean);
        Assert.True(ExpressionEvaluator.Evaluate("always()", context).AsBoolean);
    }

    [Fact]
    public void And_or_return_operands_and_short_circuit()
    {
        var context = new ExpressionContext();
        Assert.Equal("b", ExpressionEvaluator.Evaluate("'a' && 'b'", context).AsString);
        Assert.Equal(0, ExpressionEvaluator.Evaluate("0 && fromJSON('')", context).AsNumber);
        Assert.Equal("x", ExpressionEvaluator.Evaluate("'x' || fromJSON('')", context).AsString);
    }

    [Fact]
    public void Declared_context_without_value_is_null()
    {
        var context = new ExpressionContext().Declare("needs");
        Assert.True(ExpressionEvaluator.Evaluate("needs.build.result", context).IsNull);
    }

    [Fact]
    public void TryEvaluate_reports_failure_as_a_value()
    {
        Assert.False(ExpressionEvaluator.TryEvaluate("format('{0')", new ExpressionContext(), out _, out var error));
        Assert.Equal(ExpressionErrorKind.Evaluation, error!.Kind);
        Assert.Equal("The following format string is invalid: {0", error.Reason);
    }

    [Fact]
    public void Memory_limit_stops_runaway_strings()
    {
        var context = new ExpressionContext { ["big"] = new string('x', 20_000) };
        var e = Assert.Throws<ExpressionException>(() =>
            ExpressionEvaluator.Evaluate("format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', big)", context));
        Assert.Contains("The maximum allowed memory size was exceeded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_is_cached_and_reports_references()
    {
        var a = ParsedExpression.Parse("github.sha == env.X && success()");
        Assert.Same(a, ParsedExpression.Parse("github.sha == env.X && success()"));
        Assert.Equal(["github", "env"], a.NamedValues.Select(n => n.Name));
        Assert.True(a.UsesStatusFunction);
        Assert.Null(a.SyntaxError);
    }

    [Fact]
    public void Evaluation_is_thread_safe_on_a_shared_parse()
    {
        var parsed = ParsedExpression.Parse("format('{0}-{1}', matrix.os, join(matrix.items.*.name, '+'))");
        Parallel.For(0, 200, i =>
        {
            var context = new ExpressionContext
            {
                ["matrix"] = ExpressionValue.FromJson($$"""{"os":"os{{i}}","items":[{"name":"a{{i}}"},{"name":"b"}]}"""),
            };
            Assert.Equal($"os{i}-a{i}+b", parsed.Evaluate(context).AsString);
        });
    }
}
