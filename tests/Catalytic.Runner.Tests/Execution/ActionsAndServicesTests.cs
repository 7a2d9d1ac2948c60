using Catalytic.Runner.Services;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Execution;

namespace Catalytic.Runner.Tests.Execution;

public sealed class ActionsAndServicesTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An in-process action that records what the runner hands it; it stands in for any built-in action.</summary>
    private sealed class RecordingAction : IBuiltinAction
    {
        public List<string> Calls { get; } = [];

        public IReadOnlyList<string> Names => ["test/recorder"];

        public Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
        {
            var label = context.Inputs["label"];
            lock (Calls)
            {
                Calls.Add("main " + label);
            }

            context.Log("recorder says " + label);
            context.SetOutput("echo", label.ToUpperInvariant());
            context.ExportVariable("FROM_ACTION", label);
            context.SaveState("label", label);
            context.RegisterPost();
            return Task.FromResult(label == "fail" ? ActionResult.Fail("asked to fail") : ActionResult.Success);
        }

        public Task<ActionResult> PostAsync(ActionContext context, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add($"post {context.State["label"]} {context.JobStatus}");
            }

            return Task.FromResult(ActionResult.Success);
        }
    }

    [Fact]
    public async Task Run_BuiltinAction_GetsInputsSetsOutputsAndRunsPostInReverse()
    {
        var action = new RecordingAction();
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: one
                    uses: Test/Recorder@v1
                    with:
                      label: ${{ github.event_name }}
                  - uses: test/recorder@main
                    with:
                      label: second
                  - run: echo "${{ steps.one.outputs.echo }} $FROM_ACTION" > action.txt
            """, o => o with { Actions = [action] }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("PUSH second", File.ReadAllText(Path.Combine(_repo.Root, "action.txt")).Trim());
        Assert.Equal(["main push", "main second", "post second success", "post push success"], action.Calls);
        Assert.Contains("recorder says push", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_FailingBuiltinAction_FailsStepAndPostSeesFailure()
    {
        var action = new RecordingAction();
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: f
                    uses: test/recorder@v1
                    with:
                      label: fail
            """, o => o with { Actions = [action] }, cancellationToken: Ct);
        Assert.Equal("failure", r.Report.Result);
        Assert.Equal("asked to fail", r.Step("j", "f").Message);
        Assert.Contains("post fail failure", action.Calls);
    }

    [Fact]
    public async Task Run_LocalActionWithoutMetadata_FailsNamingIt()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: l
                    uses: ./my-action
            """, cancellationToken: Ct);
        Assert.Equal("failure", r.Report.Result);
        Assert.Contains("./my-action", r.Step("j", "l").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_JobServices_StartBeforeStepsAndStopAfterwards()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                services:
                  cache:
                    image: redis:7
                    ports:
                      - 6379
                steps:
                  - run: |
                      port="${{ job.services.cache.ports['6379'] }}"
                      echo "$port" > port.txt
                      redis-cli -p "$port" ping > ping.txt
            """, o => o with { Services = new HostJobServices(new JobServiceOptions { Time = o.Time }) }, cancellationToken: Ct);
        Assert.True(r.Report.Result == "success", r.Output);
        Assert.Equal("PONG", File.ReadAllText(Path.Combine(_repo.Root, "ping.txt")).Trim());
        var port = int.Parse(File.ReadAllText(Path.Combine(_repo.Root, "port.txt")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var client = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync("127.0.0.1", port, Ct).AsTask());
    }
}
