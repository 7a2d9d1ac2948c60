using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Workflows.Tests.Parsing;

/// <summary>Small helpers for YAML-driven tests: parse text, list errors as "line:column: message".</summary>
internal static class Yaml
{
    public static ParseResult Parse(string yaml) => WorkflowParser.Parse("w.yml", yaml.ReplaceLineEndings("\n"));

    public static Workflow Valid(string yaml)
    {
        var result = Parse(yaml);
        Assert.True(result.Workflow is not null, "expected a valid workflow, got:\n" + string.Join("\n", result.Diagnostics));
        return result.Workflow!;
    }

    public static List<Diagnostic> Errors(string yaml) => [.. Parse(yaml).Errors];

    /// <summary>Asserts one error at <paramref name="line"/>:<paramref name="column"/> whose message contains every fragment.</summary>
    public static void HasError(string yaml, int line, int column, params string[] fragments)
    {
        var errors = Errors(yaml);
        var match = errors.FirstOrDefault(e => e.Location.Line == line && e.Location.Column == column && fragments.All(f => e.Message.Contains(f, StringComparison.Ordinal)));
        Assert.True(match is not null, $"expected an error at {line}:{column} containing [{string.Join(" | ", fragments)}]; got:\n" + string.Join("\n", errors));
    }
}
