using Catalytic.Workflows.Expressions.Checking;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Tests.Expressions;

public sealed class ExpressionCheckerTests
{
    [Fact]
    public void CheckTemplate_reports_each_bad_expression_with_its_offset_in_the_string()
    {
        var scope = ContextAvailability.For(ContextAvailability.StepRun);
        var errors = ExpressionChecker.CheckTemplate("echo ${{ github.sha }} ${{ 1 2 }} ${{ secrets.X }} ${{ nosuch.y }} ${{ success() }}", scope);
        Assert.Equal(3, errors.Count);
        Assert.Equal(29, errors[0].Offset);
        Assert.Contains("Unexpected symbol: '2'", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("Unrecognized named-value: 'nosuch'", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("Unrecognized function: 'success'", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckCondition_allows_status_functions_in_if_but_not_secrets_in_step_if()
    {
        var scope = ContextAvailability.For(ContextAvailability.StepIf);
        Assert.Empty(ExpressionChecker.CheckCondition("always() && hashFiles('x') != ''", scope));
        var errors = ExpressionChecker.CheckCondition("${{ secrets.TOKEN != '' }}", scope);
        var error = Assert.Single(errors);
        Assert.Equal(4, error.Offset);
        Assert.Contains("Unrecognized named-value: 'secrets'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckExpression_reports_wrong_argument_counts_and_unknown_functions()
    {
        var scope = ContextAvailability.For(ContextAvailability.JobIf);
        Assert.Contains("Too many parameters supplied: 'toJSON'", Assert.Single(ExpressionChecker.CheckExpression("toJson(1, 2)", scope)).Message, StringComparison.Ordinal);
        Assert.Contains("Unrecognized function: 'hashFiles'", Assert.Single(ExpressionChecker.CheckExpression("hashFiles('a')", scope)).Message, StringComparison.Ordinal);
        Assert.Contains("Unrecognized function: 'lower'", Assert.Single(ExpressionChecker.CheckExpression("lower('A')", scope)).Message, StringComparison.Ordinal);
        Assert.Contains("Unrecognized named-value: 'steps'", Assert.Single(ExpressionChecker.CheckExpression("steps.a.outputs.b", scope)).Message, StringComparison.Ordinal);
        Assert.Empty(ExpressionChecker.CheckExpression("needs.build.result == 'success' && github.ref == inputs.ref", scope));
    }

    [Fact]
    public void CheckNode_locates_errors_in_the_file()
    {
        var node = new TemplateMapping(
            [new(new TemplateScalar("NAME", true, new SourceSpan("w.yml", 3, 7)), new TemplateScalar("${{ steps.x.outputs.y }}", true, new SourceSpan("w.yml", 3, 13)))],
            new SourceSpan("w.yml", 3, 7));
        var diagnostic = Assert.Single(ExpressionChecker.CheckNode(node, ContextAvailability.For(ContextAvailability.JobEnv)));
        Assert.Equal(new SourceSpan("w.yml", 3, 17), diagnostic.Location);
        Assert.StartsWith("Unrecognized named-value: 'steps'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextAvailability_table_matches_GitHub_documentation_samples()
    {
        Assert.Equal(34, ContextAvailability.Table.Count);
        var jobIf = ContextAvailability.For("jobs.<job_id>.if");
        Assert.True(jobIf.IsContextAvailable("NEEDS"));
        Assert.False(jobIf.IsContextAvailable("matrix"));
        Assert.True(jobIf.AllowsStatusFunctions);
        Assert.True(ContextAvailability.For("jobs.<job_id>.outputs.<output_id>").IsContextAvailable("steps"));
        Assert.False(ContextAvailability.For("run-name").IsContextAvailable("env"));
        Assert.False(ContextAvailability.TryGet("jobs.<job_id>.nope", out _));
        Assert.Throws<KeyNotFoundException>(() => ContextAvailability.For("nope"));
    }
}
