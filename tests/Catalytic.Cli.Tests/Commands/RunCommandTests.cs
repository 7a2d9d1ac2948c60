using System.Text.Json;
using Catalytic.Cli;
using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Cli.Tests.Commands;

/// <summary>Drives `catalytic run` through the real CLI entry point and checks the exit codes.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task Run_AllJobsSucceed_ExitsZeroAndWritesJson()
    {
        var wf = _repo.WriteWorkflow("on: push\njobs:\n  ok:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo fine\n");
        var json = Path.Combine(_repo.Root, "report.json");
        var code = await CommandLine.RunAsync(["run", "-W", wf, "--json", json]);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("success", doc.RootElement.GetProperty("result").GetString());
        Assert.Equal("ok", doc.RootElement.GetProperty("workflows")[0].GetProperty("jobs")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Run_FailingJob_ExitsOne()
    {
        var wf = _repo.WriteWorkflow("on: push\njobs:\n  bad:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 4\n");
        Assert.Equal(1, await CommandLine.RunAsync(["run", "-W", wf]));
    }

    [Fact]
    public async Task Run_InvalidWorkflow_ExitsTwoAndRunsNothing()
    {
        var wf = _repo.WriteWorkflow("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: missing\n    steps:\n      - run: touch ran\n");
        Assert.Equal(2, await CommandLine.RunAsync(["run", "-W", wf]));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public async Task Run_BadUsage_ExitsTwo()
    {
        var wf = _repo.WriteWorkflow("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n");
        Assert.Equal(2, await CommandLine.RunAsync(["run", "-W", wf, "--secret", "novalue"]));
        Assert.Equal(2, await CommandLine.RunAsync(["run", "-W", wf, "-j", "nosuchjob"]));
    }

    [Fact]
    public async Task Run_List_PrintsPlanAndRunsNothing()
    {
        var wf = _repo.WriteWorkflow("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: touch ran\n");
        Assert.Equal(0, await CommandLine.RunAsync(["run", "-W", wf, "--list"]));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public async Task Run_List_PrintsTheWorkflowPlanWithMatricesAndWhyOthersAreNotTriggered()
    {
        _repo.WriteWorkflow("""
            name: CI
            on: push
            jobs:
              deploy:
                needs: [build, plan]
                if: github.ref == 'refs/heads/main'
                runs-on: x
                steps:
                  - run: touch ran
              plan:
                runs-on: x
                outputs:
                  m: ${{ steps.p.outputs.m }}
                steps:
                  - id: p
                    run: echo 'm={"x":[1,2]}' >> "$GITHUB_OUTPUT"
              build:
                needs: plan
                strategy:
                  matrix: ${{ fromJSON(needs.plan.outputs.m) }}
                runs-on: x
                steps:
                  - run: echo ${{ matrix.x }}
              test:
                strategy:
                  matrix:
                    os: [linux, mac]
                    node: [20]
                    include:
                      - os: mac
                        experimental: true
                runs-on: x
                steps:
                  - run: echo
            """);
        _repo.WriteWorkflow("on: pull_request\njobs:\n  x:\n    runs-on: x\n    steps:\n      - run: touch ran\n", "pr.yml");
        using var cli = new CliProcess(_repo.Root, "run", "--list");
        Assert.Equal(0, await cli.ExitCodeAsync(Catalytic.Testing.Waiting.Eventually.DefaultDeadline));
        var lines = cli.Output.Split('\n');
        Assert.Contains(".github/workflows/ci.yml: CI — triggered: on.push matches 'refs/heads/main'", lines);
        Assert.Contains(".github/workflows/pr.yml: .github/workflows/pr.yml — not triggered: the workflow does not listen to 'push' (on: pull_request)", lines);

        // Jobs in dependency order, each with its needs; a static matrix expanded, a dynamic one named. The workflow the
        // event does not trigger is planned too (its job x), as `run --list` does since it checks what another event would run.
        var jobs = lines.Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("   ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.Equal(["plan", "test", "build  needs: plan", "deploy  needs: build, plan  if: github.ref == 'refs/heads/main'", "x"], jobs);
        Assert.Contains("    matrix: 2 combinations", lines);
        Assert.Contains("      test (linux, 20)  os=linux, node=20", lines);
        Assert.Contains("      test (mac, 20, true)  os=mac, node=20, experimental=true", lines);
        Assert.Contains("    matrix: expanded at run time from ${{ fromJSON(needs.plan.outputs.m) }}", lines);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public async Task Run_WorkflowDispatch_TypesInputsAndChecksRequired()
    {
        var wf = _repo.WriteWorkflow("""
            on:
              workflow_dispatch:
                inputs:
                  flag:
                    type: boolean
                    default: false
                  name:
                    required: true
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "${{ inputs.flag == true }} ${{ github.event.inputs.flag }} ${{ inputs.name }}" > inputs.txt
            """);
        Assert.Equal(2, await CommandLine.RunAsync(["run", "workflow_dispatch", "-W", wf]));
        Assert.Equal(0, await CommandLine.RunAsync(["run", "workflow_dispatch", "-W", wf, "--input", "flag=true", "--input", "name=x"]));
        Assert.Equal("true true x", File.ReadAllText(Path.Combine(_repo.Root, "inputs.txt")).Trim());
    }

    [Fact]
    public async Task Run_EventNotListenedTo_DoesNotRunAndExitsZero()
    {
        var wf = _repo.WriteWorkflow("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: touch ran\n");
        Assert.Equal(0, await CommandLine.RunAsync(["run", "push", "-W", wf]));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public void ReadDotenv_QuotesCommentsAndExport_AreUnderstood()
    {
        var f = Path.Combine(_repo.Root, ".secrets");
        File.WriteAllText(f, "# comment\nexport A=1\nB=\"two\\nlines\"\nC='x y'\nD=plain # note\n");
        var d = Catalytic.Cli.Commands.RunCommand.ReadDotenv(f);
        Assert.Equal("1", d["A"]);
        Assert.Equal("two\nlines", d["B"]);
        Assert.Equal("x y", d["C"]);
        Assert.Equal("plain", d["D"]);
    }
}

/// <summary>`catalytic run` started as a background command of a script, as CI systems and scripts do.</summary>
public sealed class RunCommandSignalTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static ulong SigIgn(string file) =>
        ulong.Parse(File.ReadAllText(file).Split('\t', StringSplitOptions.TrimEntries)[1], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Run_StartedWithInterruptIgnored_StepsStillGetSigintAndSigquitAtTheirDefault()
    {
        // A shell without job control starts `cmd &` with SIGINT and SIGQUIT ignored (POSIX). The runner cancels steps
        // with SIGINT first, so a step must not inherit that: it gets both at their default (a bash step can trap them).
        var wf = _repo.WriteWorkflow("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      grep SigIgn /proc/$PPID/status > runner.txt
                      grep SigIgn /proc/self/status > step.txt
            """);
        var dll = Path.Combine(AppContext.BaseDirectory, "catalytic.dll");
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { WorkingDirectory = _repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"dotnet '{dll}' run -W '{wf}' & wait $!");
        var bash = await Catalytic.Testing.Processes.ProcessRun.RunAsync(psi);
        var output = bash.Out + bash.Err;
        Assert.True(bash.Code == 0, output);

        const ulong interruptAndQuit = (1UL << 1) | (1UL << 2);
        Assert.Equal(interruptAndQuit, SigIgn(Path.Combine(_repo.Root, "runner.txt")) & interruptAndQuit); // the situation: the runner ignores both
        Assert.Equal(0UL, SigIgn(Path.Combine(_repo.Root, "step.txt")) & interruptAndQuit);
    }
}
