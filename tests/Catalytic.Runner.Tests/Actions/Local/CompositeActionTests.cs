using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Runner.Tests.Actions.Local;

/// <summary>`uses: ./path` composite actions run by the real runner, with real shell processes.</summary>
public sealed class CompositeActionTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private string Read(string file) => File.ReadAllText(Path.Combine(_repo.Root, file)).Trim();

    private void WriteAction(string folder, string yaml, string file = "action.yml")
    {
        var dir = Path.Combine(_repo.Root, folder);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, file), yaml);
    }

    [Fact]
    public async Task Composite_InputsDefaultsAndOutputs_ReachTheCallersStepsContext()
    {
        WriteAction(".github/actions/greet", """
            name: greet
            description: says hello
            inputs:
              who:
                description: whom to greet
                required: true
              greeting:
                description: the word
                default: Hello
              token:
                description: a secret passed in
                default: ""
            outputs:
              message:
                description: what was said
                value: ${{ steps.say.outputs.msg }}
            runs:
              using: composite
              steps:
                - id: say
                  shell: bash
                  run: |
                    echo "msg=${{ inputs.greeting }}, ${{ inputs.who }}" >> "$GITHUB_OUTPUT"
                    echo "said ${{ inputs.greeting }}, ${{ inputs.who }} [$INPUT_WHO] token=${{ inputs.token }}"
                    echo "$GITHUB_ACTION_PATH|${{ github.action_path }}" > paths.txt
                - shell: bash
                  working-directory: sub
                  run: pwd > ../wd.txt
                - shell: bash
                  if: inputs.greeting == 'Nope'
                  run: touch should-not-exist
            """);
        Directory.CreateDirectory(Path.Combine(_repo.Root, "sub"));
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: g
                    name: Greet
                    uses: ./.github/actions/greet
                    with:
                      who: World
                      token: ${{ secrets.TOKEN }}
                  - run: echo "${{ steps.g.outputs.message }}" > out.txt
            """, o => o with { Secrets = new Dictionary<string, string> { ["TOKEN"] = "s3cr3t-value" } }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Equal("Hello, World", Read("out.txt"));
        Assert.Equal("Hello, World", r.Step("j", "g").Outputs["message"]);

        // Composite actions get no INPUT_* (GitHub: use the inputs context); lines carry the calling step's name.
        Assert.Contains("[j/Greet] said Hello, World [] token=***", r.Lines);
        Assert.DoesNotContain("s3cr3t-value", r.Output, StringComparison.Ordinal);
        var actionDir = Path.Combine(_repo.Root, ".github", "actions", "greet");
        Assert.Equal(actionDir + "|" + actionDir, Read("paths.txt"));
        Assert.Equal(Path.Combine(_repo.Root, "sub"), Read("wd.txt"));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "should-not-exist")));
    }

    [Fact]
    public async Task Composite_MissingRequiredInputAndUnexpectedInput_WarnLikeGitHubAndStillRun()
    {
        WriteAction("act", """
            name: a
            description: d
            inputs:
              needed:
                description: n
                required: true
            runs:
              using: composite
              steps:
                - run: echo "needed=[${{ inputs.needed }}]"
                  shell: sh
            """, "action.yaml");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - uses: ./act
                    with:
                      extra: 1
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Contains(r.Lines, l => l.Contains("##[warning]Unexpected input(s) 'extra', valid inputs are ['needed']", StringComparison.Ordinal));
        Assert.Contains(r.Lines, l => l.Contains("##[warning]Input required and not supplied: needed", StringComparison.Ordinal));
        Assert.Contains(r.Lines, l => l.EndsWith("needed=[]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Composite_EnvScoping_StepEnvStaysInsideButGithubEnvAndPathReachLaterJobSteps()
    {
        WriteAction("scoped", """
            name: scoped
            description: env scoping
            runs:
              using: composite
              steps:
                - shell: bash
                  env:
                    INNER: inner-only
                  run: |
                    echo "EXPORTED=from-composite" >> "$GITHUB_ENV"
                    mkdir -p "$GITHUB_WORKSPACE/bin" && printf '#!/bin/sh\necho tool-ran\n' > "$GITHUB_WORKSPACE/bin/mytool" && chmod +x "$GITHUB_WORKSPACE/bin/mytool"
                    echo "$GITHUB_WORKSPACE/bin" >> "$GITHUB_PATH"
                    echo "first: OUTER=$OUTER INNER=$INNER"
                - shell: bash
                  run: |
                    echo "second: OUTER=$OUTER INNER=[$INNER] EXPORTED=$EXPORTED ${{ env.EXPORTED }}"
            """);
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - name: Scoped
                    uses: ./scoped
                    env:
                      OUTER: outer-step
                  - name: After
                    run: |
                      echo "after: OUTER=[$OUTER] INNER=[$INNER] EXPORTED=$EXPORTED $(mytool)"
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Contains("[j/Scoped] first: OUTER=outer-step INNER=inner-only", r.Lines);
        Assert.Contains("[j/Scoped] second: OUTER=outer-step INNER=[] EXPORTED=from-composite from-composite", r.Lines);
        Assert.Contains("[j/After] after: OUTER=[] INNER=[] EXPORTED=from-composite tool-ran", r.Lines);
    }

    [Fact]
    public async Task Composite_FailingInnerStep_FailsTheOuterStepAndRunsOnlyFailureAndAlwaysSteps()
    {
        WriteAction("flaky", """
            name: flaky
            description: fails inside
            outputs:
              seen:
                description: set before the failure
                value: ${{ steps.early.outputs.v }}
            runs:
              using: composite
              steps:
                - shell: bash
                  continue-on-error: true
                  run: exit 7
                - id: early
                  shell: bash
                  run: echo "v=early" >> "$GITHUB_OUTPUT"
                - name: Breaks
                  shell: bash
                  run: |
                    echo "about to break"
                    exit 3
                - shell: bash
                  run: touch skipped-after-failure
                - shell: bash
                  if: failure()
                  run: touch ran-on-failure
                - shell: bash
                  if: always()
                  run: touch ran-always
            """);
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: f
                    name: Flaky
                    uses: ./flaky
                  - run: touch next-job-step
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("failure", r.Job("j").Result);
        var step = r.Step("j", "f");
        Assert.Equal("failure", step.Outcome);
        Assert.Contains("step 'Breaks' failed", step.Message, StringComparison.Ordinal);
        Assert.Contains("about to break", step.Tail);
        Assert.Equal("early", step.Outputs["seen"]);
        Assert.False(File.Exists(Path.Combine(_repo.Root, "skipped-after-failure")));
        Assert.True(File.Exists(Path.Combine(_repo.Root, "ran-on-failure")));
        Assert.True(File.Exists(Path.Combine(_repo.Root, "ran-always")));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "next-job-step")));
    }

    [Fact]
    public async Task Composite_NestedCompositeAndJavaScriptAction_PassOutputsUpAndRunTheNestedPostAtJobEnd()
    {
        WriteAction("outer", """
            name: outer
            description: calls another composite and a js action
            inputs:
              value:
                description: v
                default: x
            outputs:
              doubled:
                description: from the inner composite
                value: ${{ steps.inner.outputs.twice }}
            runs:
              using: composite
              steps:
                - id: inner
                  uses: ./inner
                  with:
                    text: ${{ inputs.value }}
                - name: Node inside
                  uses: ./jsact
                  with:
                    Greeting Word: hi
            """);
        WriteAction("inner", """
            name: inner
            description: doubles text
            inputs:
              text:
                description: t
            outputs:
              twice:
                description: t t
                value: ${{ steps.d.outputs.r }}
            runs:
              using: composite
              steps:
                - id: d
                  shell: bash
                  run: echo "r=${{ inputs.text }}${{ inputs.text }}" >> "$GITHUB_OUTPUT"
            """);
        WriteAction("jsact", """
            name: js
            description: js with pre and post
            inputs:
              other-one:
                description: keeps its dash
                default: dflt
            runs:
              using: node20
              pre: pre.js
              main: main.js
              post: post.js
            """);
        File.WriteAllText(Path.Combine(_repo.Root, "jsact", "pre.js"), "require('fs').appendFileSync('order.txt', 'pre\\n');\n");
        File.WriteAllText(Path.Combine(_repo.Root, "jsact", "main.js"), "require('fs').appendFileSync('order.txt', 'main ' + process.env['INPUT_GREETING_WORD'] + ' ' + process.env['INPUT_OTHER-ONE'] + '\\n');\n");
        File.WriteAllText(Path.Combine(_repo.Root, "jsact", "post.js"), "require('fs').appendFileSync('order.txt', 'post\\n');\n");
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: o
                    uses: ./outer
                    with:
                      value: ab
                  - run: echo last >> order.txt
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.Equal("abab", r.Step("j", "o").Outputs["doubled"]);

        // A ./path action gets no pre (GitHub warns); its post runs after the job's steps.
        Assert.Equal(["main hi dflt", "last", "post"], File.ReadAllLines(Path.Combine(_repo.Root, "order.txt")));
        Assert.Contains(r.Lines, l => l.Contains("`pre` execution is not supported for local action from './jsact'", StringComparison.Ordinal));
        Assert.Contains(r.Job("j").Steps, s => s.Name == "Post Node inside" && s.Outcome == "success");
    }

    [Fact]
    public async Task Composite_CallingItself_StopsAtGitHubsDepthLimit()
    {
        WriteAction("loop", """
            name: loop
            description: calls itself
            runs:
              using: composite
              steps:
                - uses: ./loop
            """);
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: l
                    uses: ./loop
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("failure", r.Job("j").Result);
        Assert.Contains("nest deeper than 10 levels", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Composite_BadMetadata_FailsTheStepWithFileLineAndColumn()
    {
        WriteAction("bad", """
            name: bad
            description: broken
            runs:
              using: composite
              stpes: []
            """);
        WriteAction("noshell", """
            name: noshell
            runs:
              using: composite
              steps:
                - run: echo hi
            """);
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: bad
                    uses: ./bad
                    continue-on-error: true
                  - id: noshell
                    uses: ./noshell
                    continue-on-error: true
                  - id: missing
                    uses: ./nowhere
            """, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("bad/action.yml:5:3: unknown key 'stpes' in 'runs' of a composite action; did you mean 'steps'?", r.Output, StringComparison.Ordinal);
        Assert.Contains("2 errors in the metadata of ./bad (above); the first: bad/action.yml:4:3: a composite action needs 'runs.steps'", r.Step("j", "bad").Message, StringComparison.Ordinal);
        Assert.Contains("noshell/action.yml:5:7: step 1 of the composite action runs a command but has no 'shell'", r.Step("j", "noshell").Message, StringComparison.Ordinal);
        Assert.Contains("Can't find 'action.yml' or 'action.yaml' under './nowhere'", r.Step("j", "missing").Message, StringComparison.Ordinal);
        Assert.Equal("failure", r.Job("j").Result);
    }
}
