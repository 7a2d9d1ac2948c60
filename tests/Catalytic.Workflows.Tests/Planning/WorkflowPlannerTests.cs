using Catalytic.Workflows.Planning;
using Catalytic.Workflows.Tests.Parsing;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Workflows.Tests.Planning;

public sealed class WorkflowPlannerTests
{
    private const string Workflow = """
        on:
          push:
            branches: [main]
        jobs:
          deploy:
            needs: [build, test]
            runs-on: x
            steps:
              - run: echo
          test:
            needs: build
            name: Test on ${{ matrix.os }}
            runs-on: ${{ matrix.os }}
            strategy:
              matrix:
                os: [linux, mac]
            steps:
              - run: echo
          build:
            runs-on: x
            strategy:
              matrix:
                cfg: [debug, release]
                arch: [x64]
            steps:
              - run: echo
          dynamic:
            needs: build
            runs-on: x
            strategy:
              matrix: ${{ fromJSON(needs.build.outputs.m) }}
            steps:
              - run: echo
        """;

    [Fact]
    public void Plan_orders_jobs_by_needs_with_levels()
    {
        var plan = WorkflowPlanner.Plan(Yaml.Valid(Workflow), new TriggerEvent("push") { Ref = "refs/heads/main" });
        Assert.True(plan.Triggered);
        Assert.True(plan.IsValid);
        Assert.Equal(["build", "test", "dynamic", "deploy"], plan.Jobs.Select(j => j.Id));
        Assert.Equal([0, 1, 1, 2], plan.Jobs.Select(j => j.Level));
    }

    [Fact]
    public void Plan_expands_static_matrices_with_display_names()
    {
        var plan = WorkflowPlanner.Plan(Yaml.Valid(Workflow));
        var byId = plan.Jobs.ToDictionary(j => j.Id);
        Assert.Equal(["build (debug, x64)", "build (release, x64)"], byId["build"].Instances.Select(i => i.DisplayName));
        Assert.Equal(["Test on linux", "Test on mac"], byId["test"].Instances.Select(i => i.DisplayName));
        Assert.Equal(["deploy"], byId["deploy"].Instances.Select(i => i.DisplayName));
        Assert.True(byId["dynamic"].MatrixIsDynamic);
        Assert.Empty(byId["dynamic"].Instances);
    }

    [Fact]
    public void Plan_reports_why_a_workflow_is_not_triggered()
    {
        var plan = WorkflowPlanner.Plan(Yaml.Valid(Workflow), new TriggerEvent("push") { Ref = "refs/heads/dev" });
        Assert.False(plan.Triggered);
        Assert.Equal("on.push.branches [main] does not match 'dev'", plan.Trigger.Reason);
        Assert.Equal(4, plan.Jobs.Length);
    }

    [Fact]
    public void Plan_matrix_over_the_limit_is_a_plan_error_at_the_matrix()
    {
        var values = string.Join(", ", Enumerable.Range(0, 17));
        var w = Yaml.Valid($"on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        a: [{values}]\n        b: [{values}]\n    steps:\n      - run: echo\n");
        var plan = WorkflowPlanner.Plan(w);
        Assert.False(plan.IsValid);
        var error = Assert.Single(plan.Diagnostics);
        Assert.Equal(7, error.Location.Line);
        Assert.Contains("289 combinations", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_strategy_given_as_an_expression_is_dynamic()
    {
        var w = Yaml.Valid("on: push\njobs:\n  a:\n    runs-on: x\n    strategy: ${{ fromJSON(vars.STRATEGY) }}\n    steps:\n      - run: echo\n");
        Assert.True(WorkflowPlanner.Plan(w).Jobs[0].MatrixIsDynamic);
    }

    [Fact]
    public void Plan_matrix_keeps_yaml_types()
    {
        var w = Yaml.Valid("on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        n: [1, '1']\n        b: [true]\n    steps:\n      - run: echo\n");
        var instances = WorkflowPlanner.Plan(w).Jobs[0].Instances;
        Assert.Equal(Catalytic.Workflows.Expressions.ExpressionValueKind.Number, instances[0].Matrix["n"].Kind);
        Assert.Equal(Catalytic.Workflows.Expressions.ExpressionValueKind.String, instances[1].Matrix["n"].Kind);
        Assert.Equal(Catalytic.Workflows.Expressions.ExpressionValueKind.Boolean, instances[0].Matrix["b"].Kind);
    }
}
