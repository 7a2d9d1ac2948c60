using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;
using Catalytic.Workflows.Reusable;
using Catalytic.Workflows.Tests.Parsing;

namespace Catalytic.Workflows.Tests.Reusable;

/// <summary>Calls to reusable workflows checked against the called files in a real folder, before anything runs.</summary>
public sealed class WorkflowCallResolverTests : IDisposable
{
    private const string Callee = """
        on:
          workflow_call:
            inputs:
              target: { type: string, required: true }
              count: { type: number, default: 2 }
              fast: { type: boolean }
            secrets:
              token: { required: true }
              extra: {}
            outputs:
              out:
                value: ${{ jobs.build.outputs.x }}
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("catalytic-calls-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string name, string yaml)
    {
        var dir = Path.Combine(_root, ".github", "workflows");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name), yaml.ReplaceLineEndings("\n"));
    }

    private CalledWorkflows Resolve(string callerYaml)
    {
        Write("ci.yml", callerYaml);
        var load = WorkflowParser.LoadDirectory(Path.Combine(_root, ".github", "workflows"), _root);
        Assert.True(load.IsValid, string.Join("\n", load.AllDiagnostics));
        return WorkflowCallResolver.Resolve(load.Workflows.Where(w => w.File.EndsWith("ci.yml", StringComparison.Ordinal)), _root, load.Files);
    }

    private static Diagnostic At(CalledWorkflows calls, int line, int column, params string[] fragments)
    {
        var match = calls.Diagnostics.FirstOrDefault(d =>
            d.Location.Line == line && d.Location.Column == column && fragments.All(f => d.Message.Contains(f, StringComparison.Ordinal)));
        Assert.True(match is not null, $"expected a diagnostic at {line}:{column} with [{string.Join(" | ", fragments)}]; got:\n" + string.Join("\n", calls.Diagnostics));
        return match!;
    }

    [Fact]
    public void Resolve_ValidCall_FindsTheCalleeWithoutDiagnostics()
    {
        Write("build.yml", Callee);
        var calls = Resolve("""
            on: push
            jobs:
              call:
                uses: ./.github/workflows/build.yml
                with:
                  target: prod
                  count: 3
                  fast: true
                secrets:
                  token: ${{ secrets.T }}
            """);
        Assert.Empty(calls.Diagnostics);
        Assert.Equal(".github/workflows/build.yml", calls.Find("./.github/workflows/build.yml")!.File);
    }

    [Fact]
    public void Resolve_BadInputsAndSecrets_ReportsEveryErrorAtItsLineAndColumn()
    {
        Write("build.yml", Callee);
        var calls = Resolve("""
            on: push
            jobs:
              call:
                uses: ./.github/workflows/build.yml
                with:
                  targte: prod
                  count: many
                  fast: "yes"
                secrets:
                  tokn: x
            """);
        Assert.False(calls.IsValid);
        At(calls, 6, 7, "input 'targte' is not defined by './.github/workflows/build.yml'", "did you mean 'target'?");
        At(calls, 7, 14, "input 'count' is a number, but a string ('many') is given");
        At(calls, 8, 13, "input 'fast' is a boolean");
        At(calls, 10, 7, "secret 'tokn' is not defined", "did you mean 'token'?");
        At(calls, 4, 11, "does not pass input 'target', which './.github/workflows/build.yml' requires");
        At(calls, 4, 11, "does not pass secret 'token'");
        Assert.Equal(6, calls.Diagnostics.Length);
    }

    [Fact]
    public void Resolve_SecretsInherit_SatisfiesRequiredSecrets()
    {
        Write("build.yml", Callee);
        var calls = Resolve("""
            on: push
            jobs:
              call:
                uses: ./.github/workflows/build.yml
                with: { target: x }
                secrets: inherit
            """);
        Assert.True(calls.IsValid, string.Join("\n", calls.Diagnostics));
    }

    [Fact]
    public void Resolve_MissingFileOrNoWorkflowCall_IsAnErrorAtUses()
    {
        Write("plain.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n");
        var calls = Resolve("""
            on: push
            jobs:
              one:
                uses: ./.github/workflows/nope.yml
              two:
                uses: ./.github/workflows/plain.yml
              three:
                uses: ./ci/other.yml
            """);
        At(calls, 4, 11, "there is no such file");
        At(calls, 6, 11, "is not a reusable workflow: its 'on' does not list 'workflow_call'");
        At(calls, 8, 11, "must lie directly in .github/workflows");
    }

    [Fact]
    public void Resolve_CycleOfCalls_NamesTheChain()
    {
        Write("a.yml", "on: workflow_call\njobs:\n  to-b:\n    uses: ./.github/workflows/b.yml\n");
        Write("b.yml", "on: workflow_call\njobs:\n  to-a:\n    uses: ./.github/workflows/a.yml\n");
        var calls = Resolve("on: push\njobs:\n  start:\n    uses: ./.github/workflows/a.yml\n");
        var d = At(calls, 4, 11, "the calls form a cycle");
        Assert.Contains(".github/workflows/ci.yml → .github/workflows/a.yml → .github/workflows/b.yml → .github/workflows/a.yml", d.Message, StringComparison.Ordinal);
        Assert.Equal(".github/workflows/b.yml", d.Location.File);
    }

    [Fact]
    public void Resolve_MoreThanTenLevels_IsAnError()
    {
        for (var i = 1; i <= 10; i++)
        {
            Write($"w{i}.yml", i < 10
                ? $"on: workflow_call\njobs:\n  next:\n    uses: ./.github/workflows/w{i + 1}.yml\n"
                : "on: workflow_call\njobs:\n  leaf:\n    runs-on: x\n    steps:\n      - run: echo\n");
        }

        var calls = Resolve("on: push\njobs:\n  start:\n    uses: ./.github/workflows/w1.yml\n");
        var d = Assert.Single(calls.Diagnostics);
        Assert.Contains("at level 11", d.Message, StringComparison.Ordinal);
        Assert.Contains("at most 10 levels", d.Message, StringComparison.Ordinal);
        Assert.Equal(".github/workflows/w9.yml", d.Location.File);

        // Nine nested reusable workflows under the caller is within the limit.
        File.Delete(Path.Combine(_root, ".github", "workflows", "w10.yml"));
        Write("w9.yml", "on: workflow_call\njobs:\n  leaf:\n    runs-on: x\n    steps:\n      - run: echo\n");
        Assert.True(Resolve("on: push\njobs:\n  start:\n    uses: ./.github/workflows/w1.yml\n").IsValid);
    }

    [Fact]
    public void Resolve_RemoteCall_IsAWarningSayingOnlyLocalOnesRun()
    {
        var calls = Resolve("on: push\njobs:\n  r:\n    uses: octo/repo/.github/workflows/x.yml@v1\n");
        Assert.True(calls.IsValid);
        var d = Assert.Single(calls.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("'octo/repo/.github/workflows/x.yml@v1' is a reusable workflow in another repository; Catalytic runs only local reusable workflows", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_OutputReadingAnUnknownJob_IsAnErrorInTheCallee()
    {
        Write("build.yml", "on:\n  workflow_call:\n    outputs:\n      o:\n        value: ${{ jobs.biuld.outputs.x }}\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: echo\n");
        var calls = Resolve("on: push\njobs:\n  c:\n    uses: ./.github/workflows/build.yml\n");
        var d = At(calls, 5, 16, "output 'o' reads 'jobs.biuld'", "did you mean 'build'?");
        Assert.Equal(".github/workflows/build.yml", d.Location.File);
    }

    [Fact]
    public void Parse_CallerJobWithStepsOrRunsOn_NamesTheKeysAllowedWithUses()
    {
        var yaml = "on: push\njobs:\n  c:\n    uses: ./.github/workflows/b.yml\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
        Yaml.HasError(yaml, 5, 5, "'runs-on' is not allowed in job 'c', which calls a reusable workflow", "name, uses, with, secrets, needs, if, permissions, concurrency, strategy");
        Yaml.HasError(yaml, 6, 5, "'steps' is not allowed in job 'c'");
    }
}
