using Catalytic.Runner.Actions;

namespace Catalytic.Runner.Tests.Execution;

/// <summary>`env`, `with`, `defaults.run` and `strategy` given as one `${{ }}` are evaluated at run time; a non-mapping result fails clearly.</summary>
public sealed class WholeValueExpressionTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Read(string file) => File.ReadAllText(Path.Combine(_repo.Root, file)).Trim();

    /// <summary>Writes its inputs, sorted, to the file named by its `file` input.</summary>
    private sealed class InputsAction : IBuiltinAction
    {
        public IReadOnlyList<string> Names => ["test/inputs"];

        public Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
        {
            var lines = context.Inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}");
            File.WriteAllLines(Path.Combine(context.Workspace, context.Inputs["file"]), lines);
            return Task.FromResult(ActionResult.Success);
        }
    }

    [Fact]
    public async Task Run_EnvWithAndDefaultsAsOneExpression_AreEvaluatedFromRunTimeValues()
    {
        var r = await _repo.RunAsync("""
            on: push
            env: ${{ fromJSON('{"WF":"workflow","SHARED":"from-workflow"}') }}
            jobs:
              plan:
                runs-on: x
                outputs:
                  env: ${{ steps.p.outputs.env }}
                steps:
                  - id: p
                    run: |
                      mkdir -p sub
                      echo 'env={"JOB":"job","SHARED":"from-job"}' >> "$GITHUB_OUTPUT"
              use:
                needs: plan
                runs-on: x
                env: ${{ fromJSON(needs.plan.outputs.env) }}
                defaults:
                  run: ${{ fromJSON('{"working-directory":"sub"}') }}
                steps:
                  - env: ${{ fromJSON(format('{{"STEP":"{0}"}}', github.event_name)) }}
                    run: echo "$WF $JOB $SHARED $STEP $(basename "$PWD")" > ../env.txt
                  - uses: test/inputs@v1
                    with: ${{ fromJSON('{"file":"with.txt","count":3,"flag":true}') }}
            """, o => o with { Actions = [new InputsAction()] }, cancellationToken: Ct);
        Assert.True(r.Report.Result == "success", r.Output);
        Assert.Equal("workflow job from-job push sub", Read("env.txt"));
        Assert.Equal("count=3\nfile=with.txt\nflag=true", Read("with.txt"));
    }

    [Fact]
    public async Task Run_WholeEnvThatIsNotAMapping_FailsTheJobAtTheExpression()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: x
                env: ${{ fromJSON('["A", "B"]') }}
                steps:
                  - run: touch ran
            """, cancellationToken: Ct);
        Assert.Equal("failure", r.Job("a").Result);
        Assert.Equal("ci.yml:5:10: 'env' must evaluate to a mapping, but ${{ fromJSON('[\"A\", \"B\"]') }} gave a sequence", r.Job("a").Reason?.Replace(".github/workflows/", "", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "ran")));
    }

    [Fact]
    public async Task Run_StrategyAsOneExpression_ExpandsItsMatrix()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: x
                strategy: ${{ fromJSON('{"matrix":{"n":[1,2]},"max-parallel":1}') }}
                steps:
                  - run: echo "${{ matrix.n }}/${{ strategy.max-parallel }}" >> n.txt
            """, cancellationToken: Ct);
        Assert.Equal("success", r.Report.Result);
        Assert.Equal(["1/1", "2/1"], File.ReadAllLines(Path.Combine(_repo.Root, "n.txt")).Order(StringComparer.Ordinal));
        Assert.Equal(["a (1)", "a (2)"], r.Report.Workflows[0].Jobs.Select(j => j.Name).Order(StringComparer.Ordinal));
    }
}
