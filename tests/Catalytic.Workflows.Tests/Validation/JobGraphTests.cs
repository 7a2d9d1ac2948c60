using Catalytic.Workflows.Tests.Parsing;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Tests.Validation;

public sealed class JobGraphTests
{
    private static string Jobs(params (string Id, string? Needs)[] jobs) =>
        "on: push\njobs:\n" + string.Concat(jobs.Select(j =>
            $"  {j.Id}:\n    runs-on: x\n" + (j.Needs is null ? "" : $"    needs: {j.Needs}\n") + "    steps:\n      - run: echo\n"));

    [Fact]
    public void Unknown_need_is_an_error_at_the_job_with_a_suggestion()
    {
        Yaml.HasError(Jobs(("build", null), ("test", "biuld")), 7, 3, "job 'test' needs 'biuld', which is not a job of this workflow", "did you mean 'build'?");
    }

    [Fact]
    public void Cycle_names_every_job_in_it()
    {
        var errors = Yaml.Errors(Jobs(("a", "c"), ("b", "a"), ("c", "b"), ("d", "a")));
        var cycle = Assert.Single(errors);
        Assert.Equal("jobs a → c → b → a form a cycle in 'needs'", cycle.Message);
        Assert.Equal(3, cycle.Location.Line);
    }

    [Fact]
    public void Two_separate_cycles_are_both_reported()
    {
        var errors = Yaml.Errors(Jobs(("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")));
        Assert.Equal(["jobs a → b → a form a cycle in 'needs'", "jobs c → d → c form a cycle in 'needs'"], errors.Select(e => e.Message));
    }

    [Fact]
    public void Self_need_is_an_error()
    {
        Yaml.HasError(Jobs(("a", "a")), 3, 3, "job 'a' needs itself");
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
