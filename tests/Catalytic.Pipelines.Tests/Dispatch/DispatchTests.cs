using System.Text.Json.Nodes;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Tests.Support;

namespace Catalytic.Pipelines.Tests.Dispatch;

public sealed class DispatchTests
{
    private const string Deploy = """
        on:
          workflow_dispatch:
            inputs:
              target:
                type: choice
                options: [staging, production]
                required: true
              dry-run:
                type: boolean
                default: true
              replicas:
                type: number
        jobs:
          d:
            runs-on: ubuntu-latest
            steps:
              - run: echo deploy
        """;

    private const string OnDispatch = "on:\n  repository_dispatch:\n    types: [rebuild]\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo r\n";

    [Fact]
    public async Task WorkflowDispatch_TypesInputsAsRunDoes_AndQueuesWithGithubsPayload()
    {
        using var repo = new TestRepository();
        var sha = repo.Commit("init", (".github/workflows/deploy.yml", Deploy));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }]);

        var outcome = await h.Triggers.Dispatches.WorkflowDispatchAsync("app", "deploy.yml", null, new Dictionary<string, string> { ["target"] = "staging", ["replicas"] = "3" }, "ada", default);
        Assert.Equal(202, outcome.Status);
        var run = Assert.Single(h.Queue.Runs);
        Assert.Equal(("workflow_dispatch", "refs/heads/main", sha, "ada"), (run.EventName, run.Ref, run.Sha, run.Actor));
        Assert.Equal("staging", run.Payload["inputs"]!["target"]!.GetValue<string>());
        Assert.Equal("true", run.Payload["inputs"]!["dry-run"]!.GetValue<string>());
        Assert.Equal("3", run.Payload["inputs"]!["replicas"]!.GetValue<string>());
        Assert.Equal(".github/workflows/deploy.yml", run.Payload["workflow"]!.GetValue<string>());
        Assert.Equal("3", run.Inputs["replicas"]);
    }

    [Theory]
    [InlineData("target", "qa", "input 'target' must be one of staging, production; got 'qa'")]
    [InlineData("dry-run", "maybe", "input 'dry-run' is a boolean")]
    [InlineData("replicas", "three", "input 'replicas' is a number")]
    [InlineData("colour", "red", "workflow_dispatch has no input 'colour'")]
    public async Task BadInput_IsAnErrorNamingTheInput_AndQueuesNothing(string name, string value, string error)
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/deploy.yml", Deploy));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }]);
        var inputs = new Dictionary<string, string> { ["target"] = "staging", [name] = value };

        var outcome = await h.Triggers.Dispatches.WorkflowDispatchAsync("app", "deploy.yml", "main", inputs, "ada", default);
        Assert.Equal(400, outcome.Status);
        Assert.Contains(outcome.Errors, e => e.Contains(error, StringComparison.Ordinal));
        Assert.Empty(h.Queue.Submitted);
    }

    [Fact]
    public async Task MissingRequiredInput_UnknownWorkflowOrRef_AndNoDispatchTrigger_QueueNothing()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/deploy.yml", Deploy), (".github/workflows/r.yml", OnDispatch));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }]);
        var d = h.Triggers.Dispatches;
        var missing = await d.WorkflowDispatchAsync("app", "deploy.yml", null, new Dictionary<string, string>(), "ada", default);
        Assert.Equal(400, missing.Status);
        Assert.Contains(missing.Errors, e => e.Contains("input 'target' is required", StringComparison.Ordinal));
        Assert.Equal(404, (await d.WorkflowDispatchAsync("app", "nope.yml", null, new Dictionary<string, string>(), "ada", default)).Status);
        Assert.Equal(404, (await d.WorkflowDispatchAsync("app", "deploy.yml", "no-branch", new Dictionary<string, string>(), "ada", default)).Status);
        Assert.Equal(422, (await d.WorkflowDispatchAsync("app", "r.yml", null, new Dictionary<string, string>(), "ada", default)).Status);
        Assert.Equal(404, (await d.WorkflowDispatchAsync("nope", "deploy.yml", null, new Dictionary<string, string>(), "ada", default)).Status);
        Assert.Empty(h.Queue.Submitted);
    }

    [Fact]
    public async Task RepositoryDispatch_RunsTheWorkflowsWhoseTypesAccept_WithTheClientPayload()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/r.yml", OnDispatch), (".github/workflows/deploy.yml", Deploy));
        await using var h = await Harness.StartAsync(repo.State, [new RepositoryDefinition { Name = "app", Path = repo.Path }]);

        var other = await h.Triggers.Dispatches.RepositoryDispatchAsync("app", "other", null, "bot", default);
        Assert.Equal(202, other.Status);
        Assert.Empty(h.Queue.Runs);

        var outcome = await h.Triggers.Dispatches.RepositoryDispatchAsync("app", "rebuild", new JsonObject { ["why"] = "cache" }, "bot", default);
        Assert.Equal(202, outcome.Status);
        var run = Assert.Single(h.Queue.Runs);
        Assert.Equal(("repository_dispatch", ".github/workflows/r.yml"), (run.EventName, run.WorkflowPath));
        Assert.Equal("rebuild", run.Payload["action"]!.GetValue<string>());
        Assert.Equal("cache", run.Payload["client_payload"]!["why"]!.GetValue<string>());

        var tooMany = new JsonObject();
        for (var i = 0; i < 11; i++)
        {
            tooMany["k" + i] = i;
        }

        Assert.Equal(400, (await h.Triggers.Dispatches.RepositoryDispatchAsync("app", "rebuild", tooMany, "bot", default)).Status);
        Assert.Equal(400, (await h.Triggers.Dispatches.RepositoryDispatchAsync("app", new string('x', 101), null, "bot", default)).Status);
        Assert.Single(h.Queue.Runs);
    }
}
