using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Runner.Tests.Execution;

public sealed class WorkflowRunnerTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private string Read(string file) => File.ReadAllText(Path.Combine(_repo.Root, file)).Trim();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_JobOutputs_FlowToDependentJob()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                outputs:
                  greeting: ${{ steps.s.outputs.text }}
                steps:
                  - id: s
                    run: echo "text=hello from a" >> "$GITHUB_OUTPUT"
              b:
                needs: a
                runs-on: ubuntu-latest
                steps:
                  - run: echo "${{ needs.a.outputs.greeting }}|${{ needs.a.result }}" > out.txt
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("hello from a|success", Read("out.txt"));
        Assert.Equal("hello from a", r.Job("a").Outputs["greeting"]);
    }

    [Fact]
    public async Task Run_Matrix_RunsEveryCombinationWithItsValues()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              m:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    os: [a, b]
                    n: [1, 2]
                    include:
                      - os: c
                        n: 9
                steps:
                  - run: echo "${{ strategy.job-total }}" > "m-${{ matrix.os }}-${{ matrix.n }}.txt"
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        foreach (var name in new[] { "m-a-1", "m-a-2", "m-b-1", "m-b-2", "m-c-9" })
        {
            Assert.Equal("5", Read(name + ".txt"));
        }

        Assert.Equal(5, r.Report.Workflows[0].Jobs.Count);
    }

    [Fact]
    public async Task Run_MatrixFromJsonOfNeedsOutput_ExpandsAtRunTime()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              plan:
                runs-on: ubuntu-latest
                outputs:
                  list: ${{ steps.p.outputs.list }}
                steps:
                  - id: p
                    run: echo 'list=["x","y","z"]' >> "$GITHUB_OUTPUT"
              build:
                needs: plan
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    item: ${{ fromJSON(needs.plan.outputs.list) }}
                steps:
                  - run: touch "built-${{ matrix.item }}"
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.True(File.Exists(Path.Combine(_repo.Root, "built-x")));
        Assert.True(File.Exists(Path.Combine(_repo.Root, "built-z")));
    }

    [Fact]
    public async Task Run_FailedStep_SkipsLaterStepsButRunsFailureAndAlways()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: bad
                    run: |
                      echo about to fail
                      exit 3
                  - id: next
                    run: touch next
                  - id: onfail
                    if: failure()
                    run: touch onfail
                  - id: always
                    if: always()
                    run: echo "${{ steps.bad.outcome }}" > always
            """, cancellationToken: Ct);
        Assert.Equal("failure", r.Report.Result);
        Assert.Equal(3, r.Step("j", "bad").ExitCode);
        Assert.Contains("about to fail", r.Step("j", "bad").Tail);
        Assert.Equal("skipped", r.Step("j", "next").Outcome);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "next")));
        Assert.True(File.Exists(Path.Combine(_repo.Root, "onfail")));
        Assert.Equal("failure", Read("always"));
    }

    [Fact]
    public async Task Run_ContinueOnError_KeepsOutcomeButConcludesSuccess()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: flaky
                    continue-on-error: true
                    run: exit 1
                  - run: echo "${{ steps.flaky.outcome }}/${{ steps.flaky.conclusion }}" > coe
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("failure/success", Read("coe"));
        Assert.Equal("failure", r.Step("j", "flaky").Outcome);
        Assert.Equal("success", r.Step("j", "flaky").Conclusion);
    }

    [Fact]
    public async Task Run_JobContinueOnError_DoesNotFailTheWorkflow()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                continue-on-error: true
                steps:
                  - run: exit 1
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("failure", r.Job("j").Outcome);
    }

    [Fact]
    public async Task Run_StepTimeout_KillsTheProcessTreeAndFailsTheStep()
    {
        // On a clock the test moves: the step's timeout passes only when the test says so, the grace after it too.
        var clock = new FakeTimeProvider();
        var run = _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: slow
                    timeout-minutes: 1
                    run: |
                      (trap '' INT; exec sleep 60) &
                      echo $! > grandchild.pid
                      wait
            """, o => o with { Time = clock }, cancellationToken: Ct);
        await Eventually.Until(() => File.Exists(Path.Combine(_repo.Root, "grandchild.pid")) && Read("grandchild.pid").Length > 0, "the step starts its grandchild");
        Assert.False(run.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Eventually.AdvanceUntil(clock, run, TimeSpan.FromMilliseconds(100));
        var r = await run;
        Assert.Equal("failure", r.Report.Result);
        Assert.Contains("timeout", r.Step("j", "slow").Message, StringComparison.Ordinal);
        var pid = int.Parse(Read("grandchild.pid"), System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.Until(() => !IsAlive(pid), "the grandchild ends with the step's timeout");
    }

    [Fact]
    public async Task Run_JobTimeout_EndsTheJobAsFailure()
    {
        var clock = new FakeTimeProvider();
        var run = _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                timeout-minutes: 1
                steps:
                  - run: touch started; sleep 30
                  - id: after
                    run: touch after
            """, o => o with { Time = clock }, cancellationToken: Ct);
        await Eventually.Until(() => File.Exists(Path.Combine(_repo.Root, "started")), "the job's first step starts");
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(run.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.AdvanceUntil(clock, run, TimeSpan.FromMilliseconds(100));
        var r = await run;
        Assert.Equal("failure", r.Job("j").Result);
        Assert.Contains("timeout", r.Job("j").Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "after")));
    }

    internal static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    [Fact]
    public async Task Run_Cancelled_InterruptsStepAndRunsAlwaysSteps()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: long
                    run: |
                      trap 'echo got SIGINT; exit 130' INT
                      sleep 30 &
                      touch long-started
                      wait
                  - id: normal
                    run: touch normal
                  - id: cleanup
                    if: always()
                    run: echo "${{ job.status }}" > cleanup
                  - if: cancelled()
                    run: touch on-cancel
              later:
                needs: j
                runs-on: ubuntu-latest
                steps:
                  - run: touch later
            """, cancellationToken: cts.Token);

        // Cancelled once the step runs (its trap is set), as Ctrl-C would.
        await Eventually.Until(() => File.Exists(Path.Combine(_repo.Root, "long-started")), "the long step starts");
        await cts.CancelAsync();
        var r = await run;
        Assert.Equal("cancelled", r.Report.Result);
        Assert.Equal("cancelled", r.Step("j", "long").Outcome);
        Assert.Contains("got SIGINT", r.Output, StringComparison.Ordinal);
        Assert.Equal("skipped", r.Step("j", "normal").Outcome);
        Assert.Equal("cancelled", Read("cleanup"));
        Assert.True(File.Exists(Path.Combine(_repo.Root, "on-cancel")));
        Assert.Equal("skipped", r.Job("later").Result);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "later")));
    }

    [Fact]
    public async Task Run_Secrets_AreMaskedInConsoleLogJsonAndSummary()
    {
        const string secret = "s3cr3t-Value-42";
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                outputs:
                  leaked: ${{ steps.s.outputs.v }}
                steps:
                  - id: s
                    run: |
                      echo "token is ${{ secrets.TOKEN }}"
                      echo "v=$TOKEN_ENV" >> "$GITHUB_OUTPUT"
                      echo "summary ${{ secrets.TOKEN }}" >> "$GITHUB_STEP_SUMMARY"
                      echo "::add-mask::dynamic-xyz-123"
                      echo "later dynamic-xyz-123"
                    env:
                      TOKEN_ENV: ${{ secrets.TOKEN }}
            """, o => o with { Secrets = new Dictionary<string, string> { ["TOKEN"] = secret } }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Contains("token is ***", r.Output, StringComparison.Ordinal);
        Assert.Contains("] later ***", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("] later dynamic-xyz-123", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, r.Json, StringComparison.Ordinal);
        var runDir = r.Report.RunDirectory;
        foreach (var file in Directory.EnumerateFiles(runDir, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(secret, File.ReadAllText(file), StringComparison.Ordinal);
        }

        var summary = Directory.EnumerateFiles(runDir, "*.summary.md", SearchOption.AllDirectories).Single();
        Assert.Contains("summary ***", File.ReadAllText(summary), StringComparison.Ordinal);
        var log = File.ReadAllText(r.Job("j").LogFile!);
        Assert.Contains("token is ***", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AddMaskOfAValueTooShortToMask_WarnsWithoutShowingIt()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo "::add-mask::xq"
                      echo "::add-mask::long-enough"
                      echo "short xq long-enough"
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Contains("warning: ::add-mask:: ignores a value shorter than 3 characters", r.Output, StringComparison.Ordinal);
        Assert.Contains("] short xq ***", r.Output, StringComparison.Ordinal);
        Assert.Single(r.Output.Split('\n'), l => l.Contains("ignores a value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_EnvAndPathFiles_WithHeredoc_ReachLaterSteps()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      {
                        echo "MULTI<<EOF"
                        echo "line one"
                        echo "line two"
                        echo "EOF"
                        echo "SINGLE=value=with=equals"
                      } >> "$GITHUB_ENV"
                      mkdir -p tools
                      printf '#!/bin/sh\necho tool-ran\n' > tools/mytool
                      chmod +x tools/mytool
                      echo "$PWD/tools" >> "$GITHUB_PATH"
                  - run: |
                      printf '%s\n' "$MULTI" > multi
                      echo "$SINGLE" > single
                      mytool > tool
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("line one\nline two", Read("multi"));
        Assert.Equal("value=with=equals", Read("single"));
        Assert.Equal("tool-ran", Read("tool"));
    }

    [Fact]
    public async Task Run_EnvPrecedence_StepOverJobOverWorkflow()
    {
        var r = await _repo.RunAsync("""
            on: push
            env:
              A: wf
              B: wf
              C: wf
            jobs:
              j:
                runs-on: ubuntu-latest
                env:
                  B: job
                  C: job
                steps:
                  - run: echo "$A $B $C ${{ env.C }}" > env.txt
                    env:
                      C: step
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("wf job step step", Read("env.txt"));
    }

    [Fact]
    public async Task Run_Shells_UseTheirInterpreters()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - shell: python
                    run: |
                      import sys
                      open("py.txt", "w").write("py" + str(sys.version_info[0]))
                  - shell: sh
                    run: echo "sh:$0" > sh.txt
                  - shell: bash
                    run: |
                      true | true
                      echo "$-" > bash.txt
                  - shell: node {0}
                    run: require('fs').writeFileSync('node.txt', 'node')
                  - shell: bash -c "cat {0} > custom.txt" {0}
                    run: echo custom
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("py3", Read("py.txt"));
        Assert.EndsWith(".sh", Read("sh.txt"), StringComparison.Ordinal);
        Assert.Contains("e", Read("bash.txt"), StringComparison.Ordinal);
        Assert.Equal("node", Read("node.txt"));
        Assert.Equal("echo custom", Read("custom.txt"));
    }

    [Fact]
    public async Task Run_BashShellExplicit_FailsOnPipelineError()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: pipe
                    shell: bash
                    run: false | true
            """, cancellationToken: Ct);
        Assert.Equal("failure", r.Step("j", "pipe").Outcome);
    }

    [Fact]
    public async Task Run_FailedNeed_PropagatesSkipsWithReasons()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: exit 1
              b:
                needs: a
                runs-on: ubuntu-latest
                steps:
                  - run: touch b
              c:
                needs: b
                runs-on: ubuntu-latest
                steps:
                  - run: touch c
              report:
                needs: [b]
                if: always()
                runs-on: ubuntu-latest
                steps:
                  - run: echo "${{ needs.b.result }}" > report
              onfail:
                needs: c
                if: failure()
                runs-on: ubuntu-latest
                steps:
                  - run: touch onfail
            """, cancellationToken: Ct);
        Assert.Equal("failure", r.Report.Result);
        Assert.Equal("skipped", r.Job("b").Result);
        Assert.Contains("'a'", r.Job("b").Reason, StringComparison.Ordinal);
        Assert.Equal("skipped", r.Job("c").Result);
        Assert.Equal("skipped", Read("report"));
        Assert.True(File.Exists(Path.Combine(_repo.Root, "onfail")), "failure() sees a failed ancestor through skipped jobs");
    }

    [Fact]
    public async Task Run_JobStartsWhenItsOwnNeedsAreDone_NotAtAStageBarrier()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              slow:
                runs-on: ubuntu-latest
                steps:
                  # Ends only once after-fast has run, so a stage barrier (after-fast waiting for slow too) fails it
                  # (after its bound, with a message) instead of a loaded machine's timing deciding the order.
                  - run: |
                      for i in $(seq 1200); do [ -f after-fast-ran ] && exit 0; sleep 0.05; done
                      echo "after-fast did not run while slow was running"; exit 1
              fast:
                runs-on: ubuntu-latest
                steps:
                  - run: true
              after-fast:
                needs: fast
                runs-on: ubuntu-latest
                steps:
                  - run: touch after-fast-ran
            """, o => o with { MaxParallel = 4 }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
    }

    [Fact]
    public async Task Run_FailFast_CancelsSiblingInstances()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              m:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    n: [1, 2]
                steps:
                  - run: |
                      if [ "${{ matrix.n }}" = 1 ]; then exit 1; fi
                      sleep 20
            """, o => o with { MaxParallel = 4, CancelGracePeriod = TimeSpan.FromMilliseconds(300) }, cancellationToken: Ct);
        Assert.Equal("failure", r.Report.Result);
        Assert.Contains(r.Report.Workflows[0].Jobs, j => j.Result == "cancelled");
    }

    [Fact]
    public async Task Run_WorkflowCommands_AnnotationsGroupsAndStopCommands()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: s
                    run: |
                      echo "::group::My group"
                      echo inside
                      echo "::endgroup::"
                      echo "::warning file=src/app.cs,line=3,col=5::Look here"
                      echo "::stop-commands::pause-token"
                      echo "::error::not an error while stopped"
                      echo "::pause-token::"
                      echo "::error title=Boom::real error"
            """, cancellationToken: Ct);
        var step = r.Step("j", "s");
        Assert.Contains("warning: src/app.cs:3:5: Look here", step.Annotations);
        Assert.Contains("error: Boom: real error", step.Annotations);
        Assert.Equal(2, step.Annotations.Count);
        Assert.Contains("::error::not an error while stopped", r.Output, StringComparison.Ordinal);
        Assert.Contains("inside", File.ReadAllText(r.Job("j").LogFile!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DefaultsRun_SetShellAndWorkingDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Root, "sub"));
        var r = await _repo.RunAsync("""
            on: push
            defaults:
              run:
                working-directory: sub
            jobs:
              j:
                runs-on: ubuntu-latest
                defaults:
                  run:
                    shell: sh
                steps:
                  - run: echo "$0" > where.txt
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.EndsWith(".sh", File.ReadAllText(Path.Combine(_repo.Root, "sub", "where.txt")).Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_GithubContext_ComesFromTheRepository()
    {
        var head = _repo.Git("rev-parse", "HEAD");
        var before = _repo.Git("rev-parse", "HEAD~1");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo "$GITHUB_SHA ${{ github.sha }} ${{ github.event.before }} ${{ github.ref }} $GITHUB_REF_NAME $CI $GITHUB_JOB ${{ github.actor }}" > ctx
                      test -d "$RUNNER_TEMP"
                      test "$GITHUB_WORKSPACE" = "$PWD"
                      git log --oneline | wc -l > commits
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal($"{head} {head} {before} refs/heads/main main true j Test User", Read("ctx"));
        Assert.Equal("2", Read("commits"));
    }

    [Fact]
    public async Task Run_UnknownAction_FailsTheJobBeforeItsStepsNamingIt()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: u
                    uses: someone/does-not-exist@v1
            """, cancellationToken: Ct);
        // As GitHub's "Set up job": an action that cannot be had fails the job before its first step.
        Assert.Equal("failure", r.Report.Result);
        Assert.Empty(r.Job("j").Steps);
        Assert.Contains("someone/does-not-exist", r.Job("j").Reason!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StepIfFalse_IsSkippedAndJobIfFalse_SkipsJob()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: no
                    if: github.event_name == 'pull_request'
                    run: touch no
                  - run: touch yes
              k:
                if: ${{ false }}
                runs-on: ubuntu-latest
                steps:
                  - run: touch k
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal("skipped", r.Step("j", "no").Outcome);
        Assert.True(File.Exists(Path.Combine(_repo.Root, "yes")));
        Assert.Equal("skipped", r.Job("k").Result);
        Assert.Contains("if:", r.Job("k").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OneSlot_GoesFirstToTheJobWithTheLongestChainAfterIt()
    {
        // a is declared first but nothing waits for it; b has c after it, so b starts first, then a (waiting longer
        // than c, which is as deep), then c.
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo a >> "$GITHUB_WORKSPACE/order"
              b:
                runs-on: ubuntu-latest
                steps:
                  - run: echo b >> "$GITHUB_WORKSPACE/order"
              c:
                runs-on: ubuntu-latest
                needs: b
                steps:
                  - run: echo c >> "$GITHUB_WORKSPACE/order"
            """, o => o with { MaxParallel = 1 }, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal(["b", "a", "c"], File.ReadAllLines(Path.Combine(_repo.Root, "order")));
    }

    [Fact]
    public async Task Run_JobsTempFolders_AreGoneWhenTheRunReturns()
    {
        // The folders are deleted in the background once their job ends; the run itself waits for that.
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "$RUNNER_TEMP" >> "$GITHUB_WORKSPACE/temps" && touch "$RUNNER_TEMP/left-behind"
              b:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    n: [1, 2, 3]
                steps:
                  - run: echo "$RUNNER_TEMP" >> "$GITHUB_WORKSPACE/temps" && echo "x=1" >> "$GITHUB_OUTPUT"
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        var temps = File.ReadAllLines(Path.Combine(_repo.Root, "temps"));
        Assert.Equal(4, temps.Distinct().Count());
        Assert.All(temps, t => Assert.False(Directory.Exists(t), $"{t} is still there"));
    }

    [Fact]
    public async Task Run_WritesLogPerJobAndReportUnderRunsFolder()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: echo hello-log
            """, cancellationToken: Ct);
        Assert.StartsWith(Path.Combine(_repo.State, "runs"), r.Report.RunDirectory, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(r.Report.RunDirectory, "report.json")));
        Assert.Contains("hello-log", File.ReadAllText(r.Job("j").LogFile!), StringComparison.Ordinal);
    }
}
