using Catalytic.Testing.Inputs;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Workflows.Tests.Parsing;

/// <summary>
/// Issue 15: `catalytic validate` crashed on about 1 in 150 mutated workflow files. Each class of crash found by
/// mutating this repository's files is pinned here through the real entry points; every failure is a positioned
/// diagnostic, never an exception, a stack overflow or a hang.
/// </summary>
public sealed class ParserRobustnessTests
{
    // YamlDotNet's scanner throws InvalidOperationException (not YamlException) on an unclosed flow collection followed
    // by a plain scalar on the next line; only YamlException was caught (exit -6 and a stack trace).
    [Theory]
    [InlineData(": [\ne", 2, 1)]
    [InlineData("on: push\njobs:\n  build: [''\nruns-on: ubuntu-latest\n", 4, 1)]
    public void Parse_ScannerInvalidOperation_IsAYamlSyntaxErrorWithPosition(string text, int line, int column)
    {
        foreach (var diagnostics in new[] { WorkflowParser.Parse("w.yml", text).Diagnostics, ActionMetadataParser.Parse("action.yml", text).Diagnostics })
        {
            var error = Assert.Single(diagnostics);
            Assert.StartsWith("YAML syntax error: the YAML cannot be read from here", error.Message, StringComparison.Ordinal);
            Assert.Equal((line, column), (error.Location.Line, error.Location.Column));
        }
    }

    // Two more of YamlDotNet's escapes, found by the edge helper's fuzzer (fuzz/regressions/workflow-yaml): an
    // ArgumentException for a malformed tag, and "The scanner should contain no more tokens" after a document end.
    [Theory]
    [InlineData("[!!!!]\n", "Global tags must be valid URIs")]
    [InlineData("...\0\u0080..................", "no more tokens")]
    public void Parse_OtherParserExceptions_AreYamlSyntaxErrors(string text, string cause)
    {
        var error = Assert.Single(WorkflowParser.Parse("w.yml", text).Errors);
        Assert.StartsWith("YAML syntax error: the YAML cannot be read from here", error.Message, StringComparison.Ordinal);
        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
    }

    // The recursive reader overflowed the stack on deep nesting: a crash no handler catches.
    [Fact]
    public void Parse_DeepNesting_IsAnErrorNotAStackOverflow()
    {
        var result = WorkflowParser.Parse("w.yml", "on: push\njobs: " + new string('[', 200_000));
        var error = Assert.Single(result.Errors);
        Assert.Equal("w.yml:2:106: error: YAML syntax error: the document nests deeper than 100 levels", error.ToString());
    }

    // Aliases shared one node, and the workflow reader walked it once per reference: 4^29 visits never ended.
    [Fact]
    public void Parse_AliasBomb_IsRefusedInsteadOfHanging()
    {
        var lines = new List<string> { "on: push", "x0: &a0 \"${{ github.sha }}\"" };
        for (var i = 1; i < 30; i++)
        {
            lines.Add($"x{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]");
        }

        lines.AddRange(["jobs:", "  a:", "    runs-on: ubuntu-latest", "    strategy:", "      matrix:", "        x: *a29", "    steps:", "      - run: echo"]);
        var error = Assert.Single(WorkflowParser.Parse("w.yml", string.Join('\n', lines)).Errors);
        Assert.Contains("aliases expand the document past 1,000,000 nodes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyYamlDotNetLosesTheValueOf_IsReportedNotDropped()
    {
        // " : t" is a mapping whose key is empty and whose value YamlDotNet's parser drops without a word.
        var error = Assert.Single(WorkflowParser.Parse("w.yml", " : t").Errors, e => e.Message.Contains("no value", StringComparison.Ordinal));
        Assert.Equal((1, 3), (error.Location.Line, error.Location.Column));
    }

    [Fact]
    public void Parse_MutatedRepositoryWorkflowsAndActions_NeverThrow()
    {
        var seeds = YamlMutations.Seeds(".github", "tests/conformance");
        var parsed = 0;
        foreach (var text in YamlMutations.Mutants(seeds, 1500, seed: 150))
        {
            var diagnostics = WorkflowParser.Parse("w.yml", text).Diagnostics.Concat(ActionMetadataParser.Parse("action.yml", text).Diagnostics);
            Assert.All(diagnostics, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1, d.ToString()));
            parsed++;
        }

        Assert.Equal(1500, parsed);
    }
}
