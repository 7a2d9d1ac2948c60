using Catalytic.Runner.Actions.BuiltIn.PathsFilter;
using Catalytic.Testing.Inputs;

namespace Catalytic.Runner.Tests.Actions.PathsFilter;

/// <summary>The rules' YAML read through the shared layer: every failure is a FormatException naming line and column.</summary>
public sealed class FilterRulesTests
{
    [Fact]
    public void Parse_DuplicateFilterName_IsAnErrorAtTheSecond()
    {
        var e = Assert.Throws<FormatException>(() => FilterRules.Parse("docs: ['**/*.md']\ndocs: ['*.txt']\n", every: false));
        Assert.Equal("Invalid filter YAML at line 2, column 1: duplicate key 'docs': it is already defined in this mapping", e.Message);
    }

    [Fact]
    public void Parse_SeveralProblems_AreAllReported()
    {
        var e = Assert.Throws<FormatException>(() => FilterRules.Parse("a: x\na: y\nb: z\nb: w\n", every: false));
        Assert.Equal(2, e.Message.Split('\n').Length);
    }

    // Each of these escaped as another exception than FormatException (YamlDotNet's InvalidOperationException and
    // ArgumentException, a cast of a non-scalar key, the glob compiler's RegexParseException).
    [Theory]
    [InlineData("a: [\nb\n", "line 2, column 1")]
    [InlineData(" : t", "line 1, column 3")]
    [InlineData("[a]: x\n", "line 1, column 1")]
    [InlineData("src:\n  - 'a'\n  - '[z-a]'\n", "line 3, column 5")]
    [InlineData("src:\n  - added: '[z-a]'\n", "line 2, column 12")]
    public void Parse_InputThatEscapedAsAnotherException_IsAFormatExceptionWithPosition(string yaml, string position)
    {
        var e = Assert.Throws<FormatException>(() => FilterRules.Parse(yaml, every: false));
        Assert.Contains(position, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MutatedRules_FailOnlyWithFormatException()
    {
        string[] seeds =
        [
            "backend:\n  - 'src/api/**'\n  - 'shared/**'\ndocs:\n  - '**/*.md'\ncode_not_tests:\n  - 'src/**'\n  - '!src/**/*.test.js'\n",
            "shared: &shared\n  - 'lib/**'\napi:\n  - *shared\n  - 'api/**'\nadded_docs:\n  - added|modified: 'docs/**'\n",
        ];
        var failures = 0;
        foreach (var yaml in YamlMutations.Mutants(seeds, 3000, seed: 42))
        {
            foreach (var every in new[] { false, true })
            {
                try
                {
                    FilterRules.Parse(yaml, every);
                }
                catch (FormatException)
                {
                    failures++;
                }
            }
        }

        Assert.InRange(failures, 1, 5999);
    }
}
