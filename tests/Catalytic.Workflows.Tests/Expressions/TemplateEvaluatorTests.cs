using System.Collections.Immutable;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Tests.Expressions;

public sealed class TemplateEvaluatorTests
{
    private static ExpressionContext Context(StatusFunctions? status = null)
    {
        var context = new ExpressionContext { Status = status };
        context["github"] = ExpressionValue.FromJson("""{"ref":"refs/heads/main","sha":"abc123","event_name":"push","run_number":7}""");
        context["matrix"] = ExpressionValue.FromJson("""{"os":"linux","versions":[1,2],"node":20}""");
        context["env"] = ExpressionValue.FromJson("""{"NAME":"world"}""");
        return context;
    }

    private static SourceSpan At(int line, int column) => new("wf.yml", line, column);

    [Fact]
    public void Evaluate_text_without_templates_returns_it_unchanged()
    {
        var value = TemplateEvaluator.Evaluate("echo hello", Context());
        Assert.Equal("echo hello", value.AsString);
    }

    [Fact]
    public void Evaluate_mixed_text_converts_each_segment_to_string()
    {
        var value = TemplateEvaluator.Evaluate("hello ${{ env.NAME }} #${{ github.run_number }} ${{ null }}|${{ matrix.versions }}|${{ 1.50 }}", Context());
        Assert.Equal("hello world #7 |Array|1.5", value.AsString);
    }

    [Fact]
    public void Evaluate_single_whole_template_keeps_the_type()
    {
        Assert.Equal(20, TemplateEvaluator.Evaluate("${{ matrix.node }}", Context()).AsNumber);
        Assert.Equal(ExpressionValueKind.Array, TemplateEvaluator.Evaluate("${{matrix.versions}}", Context()).Kind);
        Assert.True(TemplateEvaluator.Evaluate("${{ github.ref == 'REFS/heads/main' }}", Context()).AsBoolean);
    }

    [Fact]
    public void Evaluate_two_templates_side_by_side_is_a_string()
    {
        Assert.Equal("20linux", TemplateEvaluator.Evaluate("${{ matrix.node }}${{ matrix.os }}", Context()).AsString);
    }

    [Fact]
    public void Evaluate_closing_braces_inside_a_string_literal_do_not_end_the_expression()
    {
        Assert.Equal("a}}b", TemplateEvaluator.Evaluate("${{ format('{0}}}}}{1}', 'a', 'b') }}", Context()).AsString);
    }

    [Fact]
    public void Evaluate_unclosed_template_is_an_error_at_the_opening()
    {
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.Evaluate("x ${{ github.sha", Context()));
        Assert.Contains("not closed", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.TextOffset);
    }

    [Fact]
    public void Evaluate_empty_template_is_an_error()
    {
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.Evaluate("a ${{  }} b", Context()));
        Assert.Contains("An expression was expected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_error_offset_counts_from_the_start_of_the_template()
    {
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.Evaluate("run ${{ github.sha }} and ${{ nope.x }}", Context()));
        Assert.Equal(ExpressionErrorKind.Reference, e.Error.Kind);
        Assert.Equal(0, e.Error.Offset);
        Assert.Equal(30, e.TextOffset);
        Assert.Contains("Unrecognized named-value: 'nope'. Located at position 1 within expression: nope.x", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true, true)]
    [InlineData("", true, true)]
    [InlineData("github.event_name == 'push'", true, true)]
    [InlineData("${{ github.event_name == 'push' }}", true, true)]
    [InlineData("  ${{ github.event_name == 'pull_request' }}  ", true, false)]
    [InlineData("github.event_name == 'push'", false, false)]
    [InlineData("always()", false, true)]
    [InlineData("${{ failure() }}", false, true)]
    [InlineData("failure() || github.event_name == 'push'", true, true)]
    [InlineData("cancelled()", true, false)]
    [InlineData("!cancelled()", false, true)]
    public void EvaluateCondition_applies_the_implicit_success_unless_a_status_function_is_used(string? condition, bool success, bool expected)
    {
        var context = Context(new StatusFunctions(Success: success, Failure: !success, Cancelled: false));
        Assert.Equal(expected, TemplateEvaluator.EvaluateCondition(condition, context));
    }

    [Fact]
    public void EvaluateCondition_does_not_evaluate_the_condition_when_success_is_false()
    {
        var context = Context(new StatusFunctions(false, true, false));
        // fromJSON('') fails when evaluated; the implicit success() short-circuits first.
        Assert.False(TemplateEvaluator.EvaluateCondition("fromJSON('')", context));
        Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateCondition("fromJSON('')", Context(new StatusFunctions(true, false, false))));
    }

    [Fact]
    public void EvaluateCondition_text_around_a_template_is_a_non_empty_string_and_true()
    {
        Assert.True(TemplateEvaluator.EvaluateCondition("x ${{ false }}", Context(new StatusFunctions(true, false, false))));
    }

    [Fact]
    public void EvaluateCondition_status_function_without_status_is_unrecognized()
    {
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateCondition("always()", Context()));
        Assert.Contains("Unrecognized function: 'always'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateCondition_error_offset_accounts_for_the_template_wrapper()
    {
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateCondition(" ${{ github.sha == = }}", Context()));
        Assert.Equal(ExpressionErrorKind.Syntax, e.Error.Kind);
        Assert.Equal(19, e.TextOffset);
    }

    [Fact]
    public void EvaluateNode_types_plain_scalars_and_keeps_quoted_scalars_as_strings()
    {
        var node = Mapping(
            ("plain-true", Plain("true")),
            ("quoted-true", Quoted("true")),
            ("int", Plain("42")),
            ("hex", Plain("0x1F")),
            ("float", Plain("-1.5e3")),
            ("null", Plain("~")),
            ("quoted-null", Quoted("null")),
            ("text", Plain("hello world")),
            ("version", Plain("1.2.3")));
        var value = TemplateEvaluator.EvaluateNode(node, Context()).AsObject;
        Assert.True(value["plain-true"].AsBoolean);
        Assert.Equal("true", value["quoted-true"].AsString);
        Assert.Equal(42, value["int"].AsNumber);
        Assert.Equal(31, value["hex"].AsNumber);
        Assert.Equal(-1500, value["float"].AsNumber);
        Assert.True(value["null"].IsNull);
        Assert.Equal("null", value["quoted-null"].AsString);
        Assert.Equal("hello world", value["text"].AsString);
        Assert.Equal("1.2.3", value["version"].AsString);
        Assert.Equal(["plain-true", "quoted-true", "int", "hex", "float", "null", "quoted-null", "text", "version"], value.Keys);
    }

    [Fact]
    public void EvaluateNode_evaluates_templates_in_values_sequences_and_keys()
    {
        var node = Mapping(
            ("os-${{ matrix.os }}", Plain("${{ matrix.versions }}")),
            ("list", new TemplateSequence([Plain("${{ matrix.node }}"), Quoted("v${{ matrix.node }}")], At(3, 1))));
        var value = TemplateEvaluator.EvaluateNode(node, Context()).AsObject;
        Assert.Equal(2, value["OS-LINUX"].AsArray.Count);
        Assert.Equal(20, value["list"].AsArray[0].AsNumber);
        Assert.Equal("v20", value["list"].AsArray[1].AsString);
    }

    [Fact]
    public void EvaluateNode_error_points_at_the_character_in_the_file()
    {
        // node:  KEY: ${{ github.sha }} ${{ 1 2 }}   with the plain scalar starting at line 4 column 10
        var scalar = new TemplateScalar("${{ github.sha }} ${{ 1 2 }}", true, At(4, 10));
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateNode(scalar, Context()));
        Assert.Equal(At(4, 10 + 24), e.Location);
        Assert.Contains("Unexpected symbol: '2'. Located at position 3 within expression: 1 2", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("wf.yml:4:34: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateNode_error_in_a_quoted_scalar_skips_the_quote()
    {
        var scalar = new TemplateScalar("${{ nope }}", false, At(2, 7));
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateNode(scalar, Context()));
        Assert.Equal(At(2, 7 + 1 + 4), e.Location);
    }

    [Fact]
    public void EvaluateNode_error_in_a_block_scalar_names_the_content_line()
    {
        var scalar = new TemplateScalar("echo one\necho ${{ nope }}\n", false, At(5, 12));
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateNode(scalar, Context()));
        Assert.Equal(7, e.Location!.Value.Line);
        Assert.Equal(10, e.Location!.Value.Column);
    }

    [Fact]
    public void EvaluateCondition_node_error_is_located()
    {
        var scalar = new TemplateScalar("github.sha == needs.x.result", true, At(9, 9));
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateCondition(scalar, Context(new StatusFunctions(true, false, false))));
        Assert.Equal(At(9, 9 + 14), e.Location);
    }

    [Fact]
    public void EvaluateNode_insert_merges_a_mapping_in_place_from_an_expression_or_a_literal()
    {
        var node = Mapping(
            ("first", Plain("1")),
            ("${{ insert }}", Plain("${{ fromJSON('{\"os\":\"linux\",\"arch\":[\"x64\"]}') }}")),
            ("last", Mapping(("${{ insert }}", Mapping(("node", Plain("${{ matrix.node }}")))))));
        var value = TemplateEvaluator.EvaluateNode(node, Context()).AsObject;
        Assert.Equal(["first", "os", "arch", "last"], value.Keys);
        Assert.Equal("linux", value["os"].AsString);
        Assert.Equal(20, value["last"].AsObject["node"].AsNumber);
    }

    [Theory]
    [InlineData("${{ fromJSON('[1]') }}", "but its value is an array")]
    [InlineData("${{ null }}", "but its value is null")]
    [InlineData("plain text", "but its value is 'plain text'")]
    public void EvaluateNode_insert_of_something_else_than_a_mapping_is_GitHubs_Expected_a_mapping(string value, string fragment)
    {
        var node = Mapping(("${{ insert }}", new TemplateScalar(value, true, At(6, 22))));
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateNode(node, Context()));
        Assert.StartsWith("Expected a mapping", e.Error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.Equal(At(6, 22), e.Location);
    }

    [Fact]
    public void EvaluateNode_a_name_given_twice_by_an_insert_or_a_key_expression_is_already_defined()
    {
        var inserted = Mapping(("OS", Plain("b")), ("${{ insert }}", Plain("${{ fromJSON('{\"os\":\"c\"}') }}")));
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateNode(inserted, Context()));
        Assert.Equal("'os' is already defined", e.Error.Message);

        var keyed = Mapping(("linux", Plain("a")), ("${{ matrix.os }}", Plain("b")));
        Assert.Equal("'linux' is already defined", Assert.Throws<ExpressionException>(() => TemplateEvaluator.EvaluateNode(keyed, Context())).Error.Message);
    }

    [Theory]
    [InlineData("a ${{ insert }}", "The directive 'insert' is not allowed in this context. Directives are not supported for expressions that are embedded within a string.")]
    [InlineData("${{ insert 'x' }}", "Exactly 0 parameter(s) were expected following the directive 'insert'. Actual parameter count: 1")]
    [InlineData("${{ insert }}", "The directive 'insert' is not allowed in this context")]
    public void Evaluate_insert_outside_a_mapping_key_is_an_error(string text, string message)
    {
        var e = Assert.Throws<ExpressionException>(() => TemplateEvaluator.Evaluate(text, Context()));
        Assert.StartsWith(message, e.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Insertion_and_INSERT_are_names_not_the_directive()
    {
        Assert.False(ParsedTemplate.Parse("${{ insertion }}").IsInsertDirective);
        Assert.False(ParsedTemplate.Parse("${{ INSERT }}").IsInsertDirective);
        Assert.True(ParsedTemplate.Parse("${{insert}}").IsInsertDirective);
        var context = Context();
        context["insertion"] = ExpressionValue.FromJson("\"named\"");
        Assert.Equal("named", TemplateEvaluator.Evaluate("${{ insertion }}", context).AsString);
    }

    private static TemplateScalar Plain(string value) => new(value, true, At(1, 1));

    private static TemplateScalar Quoted(string value) => new(value, false, At(1, 1));

    private static TemplateMapping Mapping(params (string Key, TemplateNode Value)[] entries) =>
        new([.. entries.Select(e => new KeyValuePair<TemplateScalar, TemplateNode>(Plain(e.Key), e.Value))], At(1, 1));
}
