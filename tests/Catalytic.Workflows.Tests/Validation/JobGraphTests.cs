using Catalytic.Workflows.Tests.Parsing;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Tests.Validation;

public sealed class JobGraphTests
{
    private static string Jobs(params (string Id, string? Needs)[] jobs) =>
        "on: push\njobs:\n" + string.Concat(jobs.Select(j =>
            $"  {j.Id}:\n    runs-on: x\n" + (j.Needs is null ? "" : $"    needs: {j.Needs}\n") + "    steps:\n      - run: echo\n"));

    [Fact]
    public void Unknown_need_is_GitHubs_error_at_the_need_with_a_suggestion()
    {
        Yaml.HasError(Jobs(("build", null), ("test", "biuld")), 9, 12, "Job 'test' depends on unknown job 'biuld'; did you mean 'build'?");
        Yaml.HasError(Jobs(("build", null), ("test", "[build, zzz]")), 9, 20, "Job 'test' depends on unknown job 'zzz'.");
    }

    [Fact]
    public void Every_need_that_never_becomes_ready_is_GitHubs_cycle_error_naming_the_cycle()
    {
        // GitHub reports each need of a job that can never start, at the need: the three edges of the cycle and d's need of a.
        var errors = Yaml.Errors(Jobs(("a", "c"), ("b", "a"), ("c", "b"), ("d", "a")));
        Assert.Equal(
            [
                "5:12 Job 'a' depends on job 'c' which creates a cycle in the dependency graph (a → c → b → a)",
                "10:12 Job 'b' depends on job 'a' which creates a cycle in the dependency graph (a → c → b → a)",
                "15:12 Job 'c' depends on job 'b' which creates a cycle in the dependency graph (a → c → b → a)",
                "20:12 Job 'd' depends on job 'a' which creates a cycle in the dependency graph (a → c → b → a)",
            ],
            errors.Select(e => $"{e.Location.Line}:{e.Location.Column} {e.Message}"));
    }

    [Fact]
    public void Two_separate_cycles_are_both_reported()
    {
        var errors = Yaml.Errors(Jobs(("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")));
        Assert.Equal(
            [
                "Job 'a' depends on job 'b' which creates a cycle in the dependency graph (a → b → a)",
                "Job 'b' depends on job 'a' which creates a cycle in the dependency graph (a → b → a)",
                "Job 'c' depends on job 'd' which creates a cycle in the dependency graph (c → d → c)",
                "Job 'd' depends on job 'c' which creates a cycle in the dependency graph (c → d → c)",
            ],
            errors.Select(e => e.Message));
    }

    [Fact]
    public void Self_need_is_an_error()
    {
        Yaml.HasError(Jobs(("a", "a")), 5, 12, "Job 'a' depends on job 'a' which creates a cycle in the dependency graph: job 'a' needs itself");
    }

    [Fact]
    public void TopologicalOrder_puts_needs_first_and_is_null_on_cycles()
    {
        var w = Yaml.Valid(Jobs(("deploy", "[build, test]"), ("test", "build"), ("build", null)));
        Assert.Equal(["build", "test", "deploy"], JobGraph.TopologicalOrder(w.Jobs)!.Value);
        var cyclic = w.Jobs.Select(j => j.Id == "build" ? j with { Needs = ["deploy"] } : j);
        Assert.Null(JobGraph.TopologicalOrder(cyclic));
    }
}
