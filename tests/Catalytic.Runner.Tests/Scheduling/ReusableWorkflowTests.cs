using System.Text.Json;
using Catalytic.Cli;
using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Runner.Tests.Scheduling;

/// <summary>Jobs that call local reusable workflows, run for real: the called jobs are processes in the same run.</summary>
public sealed class ReusableWorkflowTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Read(string file) => File.ReadAllText(Path.Combine(_repo.Root, file)).Trim();

    [Fact]
    public async Task Call_InputsWithDefaultsAndTypes_ReachTheCalleeTyped()
    {
        _repo.WriteWorkflow("""
            on:
              workflow_call:
                inputs:
                  name: { type: string, required: true }
                  count: { type: number, default: 3 }
                  flag: { type: boolean, default: true }
                  unset-number: { type: number }
                  unset-bool: { type: boolean }
            jobs:
              show:
                runs-on: ubuntu-latest
                steps:
                  - run: echo '${{ toJSON(inputs) }}' > inputs.json
                  - run: echo '${{ inputs.count == 41 }} ${{ inputs.flag && 'yes' }} ${{ github.event_name }}' > derived.txt
            """, "callee.yml");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              call:
                uses: ./.github/workflows/callee.yml
                with:
                  name: n1
                  count: ${{ fromJSON('41') }}
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        using var inputs = JsonDocument.Parse(Read("inputs.json"));
        var root = inputs.RootElement;
        Assert.Equal("n1", root.GetProperty("name").GetString());
        Assert.Equal(41, root.GetProperty("count").GetDouble());
        Assert.True(root.GetProperty("flag").GetBoolean());
        Assert.Equal(0, root.GetProperty("unset-number").GetDouble());
        Assert.False(root.GetProperty("unset-bool").GetBoolean());
        Assert.Equal("true yes push", Read("derived.txt"));
        Assert.Equal(["call", "call / show"], r.Report.Workflows[0].Jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task Call_InputOfTheWrongTypeFromAnExpression_FailsTheCallerNamingTheInput()
    {
        _repo.WriteWorkflow("""
            on:
              workflow_call:
                inputs:
                  n: { type: number }
            jobs:
              show:
                runs-on: ubuntu-latest
                steps:
                  - run: touch ran
            """, "callee.yml");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              call:
                uses: ./.github/workflows/callee.yml
                with:
                  n: ${{ 'lots' }}
            """, cancellationToken: Ct);
        Assert.Equal("failure", r.Report.Result);
        Assert.Contains("ci.yml:6:10: input 'n' of './.github/workflows/callee.yml' is a number, but 'lots' was given", r.Job("call").Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public async Task Call_SecretsMappedOrInherited_CalleeSeesOnlyWhatIsPassedAndOutputIsMasked()
    {
        _repo.WriteWorkflow("""
            on:
              workflow_call:
                secrets:
                  token: { required: true }
            jobs:
              show:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo "token=${{ secrets.token }} other=${{ secrets.OTHER }} gh=${{ secrets.GITHUB_TOKEN != '' }}"
                      echo "${{ secrets.token }}|${{ secrets.OTHER }}" > "secrets-${{ github.job }}-$RANDOM.txt"
            """, "mapped.yml");
        _repo.WriteWorkflow("""
            on: workflow_call
            jobs:
              all:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo "token=${{ secrets.TOKEN }} other=${{ secrets.OTHER }}"
                      echo "${{ secrets.TOKEN }}|${{ secrets.OTHER }}" > inherited.txt
            """, "inherit.yml");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              mapped:
                uses: ./.github/workflows/mapped.yml
                secrets:
                  token: ${{ secrets.TOKEN }}-derived
              inherited:
                uses: ./.github/workflows/inherit.yml
                secrets: inherit
            """, o => o with { Secrets = new Dictionary<string, string> { ["TOKEN"] = "s3cr3t-value", ["OTHER"] = "0ther-value", ["GITHUB_TOKEN"] = "ghs_token" } }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        var mappedFile = Directory.GetFiles(_repo.Root, "secrets-show-*.txt").Single();
        Assert.Equal("s3cr3t-value-derived|", File.ReadAllText(mappedFile).Trim());
        Assert.Equal("s3cr3t-value|0ther-value", Read("inherited.txt"));
        Assert.Contains("token=*** other= gh=true", r.Output, StringComparison.Ordinal);
        Assert.Contains("token=*** other=***", r.Output, StringComparison.Ordinal);
        foreach (var text in new[] { r.Output, r.Json, string.Concat(Directory.GetFiles(_repo.State, "*.log", SearchOption.AllDirectories).Select(File.ReadAllText)) })
        {
            Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
            Assert.DoesNotContain("0ther", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Call_Outputs_ReachALaterCallerJobThroughNeeds()
    {
        _repo.WriteWorkflow("""
            on:
              workflow_call:
                outputs:
                  version:
                    value: ${{ jobs.build.outputs.v }}-${{ jobs.build.result }}
            jobs:
              build:
                runs-on: ubuntu-latest
                outputs:
                  v: ${{ steps.s.outputs.v }}
                steps:
                  - id: s
                    run: echo "v=1.4.2" >> "$GITHUB_OUTPUT"
            """, "build.yml");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              build:
                uses: ./.github/workflows/build.yml
              deploy:
                needs: build
                runs-on: ubuntu-latest
                steps:
                  - run: echo "${{ needs.build.outputs.version }} ${{ needs.build.result }}" > deploy.txt
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("1.4.2-success success", Read("deploy.txt"));
        Assert.Equal("1.4.2-success", r.Job("build").Outputs["version"]);
        Assert.Equal("./.github/workflows/build.yml", r.Job("build").Uses);
        Assert.Equal(".github/workflows/build.yml", r.Job("build / build").Workflow);
        Assert.True(File.Exists(Path.Combine(r.Report.RunDirectory, "ci", "build", "build.log")));
    }

    [Fact]
    public async Task Call_MatrixCaller_RunsTheWorkflowPerLegWithinOneJobSlot()
    {
        _repo.WriteWorkflow("""
            on:
              workflow_call:
                inputs:
                  target: { type: string, required: true }
                outputs:
                  seen:
                    value: ${{ jobs.one.outputs.t }}
            jobs:
              one:
                runs-on: ubuntu-latest
                outputs:
                  t: ${{ inputs.target }}
                steps:
                  - run: echo "${{ strategy.job-total }}" > "one-${{ inputs.target }}.txt"
              two:
                needs: one
                runs-on: ubuntu-latest
                steps:
                  - run: touch "two-${{ inputs.target }}.txt"
            """, "deploy.yml");

        // One slot for the whole run: the caller legs must not hold it while their called jobs wait for it.
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              deploy:
                strategy:
                  matrix:
                    target: [dev, prod]
                uses: ./.github/workflows/deploy.yml
                with:
                  target: ${{ matrix.target }}
            """, o => o with { MaxParallel = 1 }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        foreach (var t in new[] { "dev", "prod" })
        {
            Assert.Equal("1", Read($"one-{t}.txt"));
            Assert.True(File.Exists(Path.Combine(_repo.Root, $"two-{t}.txt")));
        }

        Assert.Equal(
            ["deploy (dev)", "deploy (dev) / one", "deploy (dev) / two", "deploy (prod)", "deploy (prod) / one", "deploy (prod) / two"],
            r.Report.Workflows[0].Jobs.Select(j => j.Name));
        Assert.Contains("[deploy (prod) / two] success", r.Lines);
        Assert.True(File.Exists(Path.Combine(r.Report.RunDirectory, "ci", "deploy-2", "two.log")));
    }

    [Fact]
    public async Task Call_Nested_RunsTheInnerWorkflowWithItsOwnInputsAndNames()
    {
        _repo.WriteWorkflow("""
            on:
              workflow_call:
                inputs:
                  who: { type: string, default: inner-default }
            jobs:
              leaf:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "${{ inputs.who }} ${{ github.workflow }}" > leaf.txt
            """, "inner.yml");
        _repo.WriteWorkflow("""
            on:
              workflow_call:
                inputs:
                  who: { type: string, required: true }
                outputs:
                  o: { value: "${{ jobs.mid.result }}" }
            jobs:
              mid:
                uses: ./.github/workflows/inner.yml
                with:
                  who: via-${{ inputs.who }}
            """, "outer.yml");
        var r = await _repo.RunAsync("""
            name: Top
            on: push
            jobs:
              top:
                uses: ./.github/workflows/outer.yml
                with:
                  who: caller
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("via-caller Top", Read("leaf.txt"));
        Assert.Equal(["top", "top / mid", "top / mid / leaf"], r.Report.Workflows[0].Jobs.Select(j => j.Id));
        Assert.Equal("success", r.Job("top").Outputs["o"]);
        Assert.True(File.Exists(Path.Combine(r.Report.RunDirectory, "ci", "top", "mid", "leaf.log")));
    }

    [Fact]
    public async Task Call_FailingCalleeJob_FailsTheCallerAndSkipsItsDependents()
    {
        _repo.WriteWorkflow("""
            on: workflow_call
            jobs:
              bad:
                runs-on: ubuntu-latest
                steps:
                  - run: exit 3
              after-bad:
                needs: bad
                runs-on: ubuntu-latest
                steps:
                  - run: touch after-bad
            """, "broken.yml");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              call:
                uses: ./.github/workflows/broken.yml
              next:
                needs: call
                runs-on: ubuntu-latest
                steps:
                  - run: touch next
              cleanup:
                needs: call
                if: failure() && needs.call.result == 'failure'
                runs-on: ubuntu-latest
                steps:
                  - run: touch cleanup
            """, cancellationToken: Ct);
        Assert.Equal("failure", r.Report.Result);
        Assert.Equal("failure", r.Job("call").Result);
        Assert.Equal("job 'call / bad' failed", r.Job("call").Reason);
        Assert.Equal("skipped", r.Job("call / after-bad").Result);
        Assert.Equal("skipped", r.Job("next").Result);
        Assert.True(File.Exists(Path.Combine(_repo.Root, "cleanup")));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "next")));
    }

    [Fact]
    public async Task RunCommand_FailingCallee_ExitsOne_AndAnInvalidCall_ExitsTwoRunningNothing()
    {
        _repo.WriteWorkflow("on: workflow_call\njobs:\n  bad:\n    runs-on: x\n    steps:\n      - run: exit 1\n", "broken.yml");
        _repo.WriteWorkflow("on:\n  workflow_call:\n    inputs:\n      n: { type: number, required: true }\njobs:\n  ok:\n    runs-on: x\n    steps:\n      - run: touch ran\n", "typed.yml");
        var failing = _repo.WriteWorkflow("on: push\njobs:\n  call:\n    uses: ./.github/workflows/broken.yml\n");
        Assert.Equal(1, await CommandLine.RunAsync(["run", "-W", failing]));

        var invalid = _repo.WriteWorkflow("on: push\njobs:\n  first:\n    runs-on: x\n    steps:\n      - run: touch first\n  call:\n    uses: ./.github/workflows/typed.yml\n    with:\n      n: many\n");
        Assert.Equal(2, await CommandLine.RunAsync(["run", "-W", invalid]));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "first")));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public async Task Call_RemoteWorkflow_FailsTheJobSayingOnlyLocalOnesRun()
    {
        var r = await _repo.RunAsync("on: push\njobs:\n  r:\n    uses: octo/repo/.github/workflows/x.yml@v1\n", cancellationToken: Ct);
        Assert.Equal("failure", r.Job("r").Result);
        Assert.Contains("'octo/repo/.github/workflows/x.yml@v1' is a reusable workflow in another repository; Catalytic runs only local reusable workflows", r.Job("r").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_CalleeJoiningTheCallersConcurrencyGroup_IsCancelledAsADeadlockInsteadOfWaitingForever()
    {
        // github.workflow is the caller's name in both files, so both evaluate to the same group.
        _repo.WriteWorkflow("""
            on: workflow_call
            concurrency: group-${{ github.workflow }}
            jobs:
              inner:
                runs-on: ubuntu-latest
                steps:
                  - run: touch inner-ran
            """, "callee.yml");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60), Catalytic.Testing.Waiting.RealTime.Clock);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct, timeout.Token);
        var r = await _repo.RunAsync("""
            name: Main
            on: push
            concurrency: group-${{ github.workflow }}
            jobs:
              call:
                uses: ./.github/workflows/callee.yml
            """, cancellationToken: limit.Token);
        Assert.False(limit.IsCancellationRequested, "the run waited for its own concurrency group");
        Assert.Equal("cancelled", r.Job("call").Result);
        Assert.Contains("deadlock for concurrency group 'group-Main'", r.Job("call / inner").Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "inner-ran")));
    }
}
