using System.Diagnostics;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Tests.Execution;
using Catalytic.Testing.Processes;

namespace Catalytic.Cli.Tests.Commands;

/// <summary>
/// The job as a value: the same workflow run with every job in this process, and with every job planned here, its
/// <c>JobSpec</c> written out and run by another process (<c>catalytic __run-job</c>) — the same results, outputs,
/// steps and log lines, and no secret value in any spec.
/// </summary>
public sealed partial class RunJobCommandTests : IDisposable
{
    private const string Secret = "s3cret-value";

    private const string Called = """
        on:
          workflow_call:
            inputs:
              who: { type: string, required: true }
            secrets:
              KEY: { required: true }
            outputs:
              said: { value: "${{ jobs.say.outputs.said }}" }
        jobs:
          say:
            runs-on: ubuntu-latest
            outputs:
              said: ${{ steps.s.outputs.said }}
            steps:
              - id: s
                run: |
                  echo "hello ${{ inputs.who }} key=${{ secrets.KEY }}"
                  echo "said=hi-${{ inputs.who }}" >> "$GITHUB_OUTPUT"
        """;

    private const string Workflow = """
        on: push
        env:
          WF: wf-${{ github.event_name }}
        jobs:
          build:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                n: [1, 2]
            outputs:
              value: ${{ steps.s.outputs.value }}
            steps:
              - id: s
                name: Produce ${{ matrix.n }}
                run: |
                  echo "n=${{ matrix.n }} $WF run-env=$RUNENV secret=${{ secrets.TOKEN }}"
                  echo "value=v${{ matrix.n }}" >> "$GITHUB_OUTPUT"
                  echo "EXPORTED=yes-${{ matrix.n }}" >> "$GITHUB_ENV"
                  echo "::warning file=a.txt,line=3::look at ${{ matrix.n }}"
              - run: echo "exported=$EXPORTED"
              - run: exit 3
                continue-on-error: true
          use:
            needs: build
            runs-on: ubuntu-latest
            steps:
              - run: echo "got ${{ needs.build.outputs.value }} var=${{ vars.V }}"
              - if: failure()
                run: echo never
          call:
            needs: use
            uses: ./.github/workflows/called.yml
            with:
              who: ${{ needs.use.result }}
            secrets:
              KEY: ${{ secrets.TOKEN }}-derived
          after:
            needs: call
            runs-on: ubuntu-latest
            steps:
              - run: echo "said ${{ needs.call.outputs.said }}"
        """;

    private readonly TempRepo _repo = new();
    private readonly string _specs = Directory.CreateTempSubdirectory("catalytic-specs-").FullName;

    public void Dispose()
    {
        _repo.Dispose();
        Directory.Delete(_specs, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<RunResult> RunAsync(IReadOnlyList<string> worker)
    {
        _repo.WriteWorkflow(Called, "called.yml");
        return _repo.RunAsync(Workflow, o => o with
        {
            Secrets = new Dictionary<string, string> { ["TOKEN"] = Secret },
            Vars = new Dictionary<string, string> { ["V"] = "vee" },
            Env = new Dictionary<string, string> { ["RUNENV"] = "from-env" },
            JobWorker = worker,
        }, cancellationToken: Ct);
    }

    [Fact]
    public async Task RunJob_EveryJobInAnotherProcess_GivesWhatTheSameRunGivesInProcess()
    {
        var here = await RunAsync([]);

        // The worker: the real CLI's hidden verb, behind a shell that keeps a copy of each spec it is handed (the last argument).
        var dll = Path.Combine(AppContext.BaseDirectory, "catalytic.dll");
        var keep = $"for a; do last=$a; done; cp \"$last\" '{_specs}/'; exec dotnet '{dll}' __run-job \"$@\"";
        var there = await RunAsync(["bash", "-c", keep, "worker"]);

        Assert.Equal("success", here.Report.Result);
        Assert.Equal(here.Report.Result, there.Report.Result);
        var jobsHere = here.Report.Workflows.Single().Jobs;
        var jobsThere = there.Report.Workflows.Single().Jobs;
        Assert.Equal(jobsHere.Select(Describe), jobsThere.Select(Describe));

        // Every line of every job, in each job's order (jobs interleave differently from run to run).
        Assert.Equal(ByJob(here.Lines), ByJob(there.Lines));
        Assert.Contains("[build (1)/Produce 1] n=1 wf-push run-env=from-env secret=***", here.Lines);
        Assert.Contains(there.Lines, l => l.StartsWith("[use/", StringComparison.Ordinal) && l.EndsWith("] got v2 var=vee", StringComparison.Ordinal));
        Assert.Contains(there.Lines, l => l.StartsWith("[call / say/", StringComparison.Ordinal) && l.EndsWith("] hello success key=***", StringComparison.Ordinal));
        Assert.Contains(there.Lines, l => l.StartsWith("[after/", StringComparison.Ordinal) && l.EndsWith("] said hi-success", StringComparison.Ordinal));
        Assert.DoesNotContain(there.Lines, l => l.Contains(Secret, StringComparison.Ordinal));

        // Five jobs were handed over (two legs, use, the called say, after), each spec naming its secrets, never their values.
        var specs = Directory.GetFiles(_specs).Select(File.ReadAllText).ToList();
        Assert.Equal(5, specs.Count);
        Assert.All(specs, s => Assert.DoesNotContain(Secret, s, StringComparison.Ordinal));
        Assert.Contains(specs, s => s.Contains("\"TOKEN\":\"TOKEN\"", StringComparison.Ordinal));
        Assert.Contains(specs, s => s.Contains("\"KEY\":\"call / say:KEY\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunJob_MalformedSpec_ExitsTwoNamingTheSpec()
    {
        var spec = Path.Combine(_specs, "bad.json");
        await File.WriteAllTextAsync(spec, "{ \"version\": 1, \"jobId\": ", Ct);
        var (code, output) = await RunCliAsync("__run-job", "--workspace", _repo.Root, spec);
        Assert.Equal(2, code);
        Assert.Contains("bad.json: not a job spec", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunJob_SpecOfAnUnknownVersion_ExitsTwo()
    {
        var spec = Path.Combine(_specs, "future.json");
        await File.WriteAllTextAsync(spec, "{ \"version\": 9 }", Ct);
        var (code, output) = await RunCliAsync("__run-job", spec);
        Assert.Equal(2, code);
        Assert.Contains("not a job spec", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_DoesNotListTheWorkersVerb()
    {
        var (code, help) = await RunCliAsync("--help");
        Assert.Equal(0, code);
        Assert.DoesNotContain("__run-job", help, StringComparison.Ordinal);
        Assert.Contains("validate", help, StringComparison.Ordinal);
        Assert.Contains("  notifications  Show", help, StringComparison.Ordinal); // the longest name still has its gap
    }

    private static string Describe(JobReport j) =>
        $"{j.Id}|{j.Name}|{j.Matrix}|{j.Result}|{j.Outcome}|{j.Reason}|{j.Uses}|{j.Workflow}|{string.Join(",", j.Outputs.Select(o => o.Key + "=" + o.Value))}|"
        + string.Join(";", j.Steps.Select(s => $"{s.Id}:{s.Name}:{s.Outcome}:{s.Conclusion}:{s.ExitCode}:{s.Message}:{string.Join(",", s.Outputs.Select(o => o.Key + "=" + o.Value))}:{string.Join(",", s.Annotations)}:{string.Join(",", s.Tail)}"));

    /// <summary>Each job's lines in order, jobs by name, with the steps' durations ("success in 3ms") left out.</summary>
    private static List<string> ByJob(IEnumerable<string> lines) =>
        [.. lines.Select(l => Duration().Replace(l, " in (time)")).Select((l, i) => (Job: l[..Math.Max(0, l.IndexOfAny(['/', ']']))], Line: l, Index: i))
            .OrderBy(x => x.Job, StringComparer.Ordinal).ThenBy(x => x.Index).Select(x => x.Line)];

    [System.Text.RegularExpressions.GeneratedRegex(@" in [0-9][0-9.]*(ms|s|m [0-9]+s)$")]
    private static partial System.Text.RegularExpressions.Regex Duration();

    private async Task<(int Code, string Output)> RunCliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = _repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "catalytic.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var r = await ProcessRun.RunAsync(psi);
        return (r.Code, r.Out + r.Err);
    }
}
