using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Tests.Actions;

public sealed class ActionMetadataParserTests
{
    [Fact]
    public void Parse_CompositeAction_ReadsInputsOutputsAndSteps()
    {
        var r = ActionMetadataParser.Parse("action.yml", """
            name: greet
            author: someone
            branding: { icon: award, color: green }
            inputs:
              who:
                description: whom
                required: true
              greeting:
                description: word
                default: Hello
                deprecationMessage: use salutation
            outputs:
              message:
                description: said
                value: ${{ steps.say.outputs.msg }}
            runs:
              using: composite
              steps:
                - id: say
                  name: Say
                  if: inputs.who != ''
                  shell: bash
                  working-directory: sub
                  continue-on-error: true
                  env: { A: b }
                  run: echo hi
                - uses: ./other
                  with: { x: 1 }
            """);

        Assert.Empty(r.Diagnostics);
        var action = r.Action!;
        Assert.Equal("greet", action.Name);
        Assert.True(action.Inputs[0].Required);
        Assert.Equal("Hello", action.Inputs[1].Default!.Value);
        Assert.Equal("use salutation", action.Inputs[1].DeprecationMessage);
        Assert.Equal("${{ steps.say.outputs.msg }}", action.Outputs[0].Value!.Value);
        var runs = Assert.IsType<CompositeRuns>(action.Runs);
        Assert.Equal("say", runs.Steps[0].Id);
        Assert.Equal("bash", runs.Steps[0].Shell!.Value);
        Assert.Equal("./other", runs.Steps[1].Uses);
    }

    [Fact]
    public void Parse_NodeAction_ReadsPhasesAndConditions()
    {
        var r = ActionMetadataParser.Parse("action.yml", "name: js\ndescription: d\nruns:\n  using: node24\n  pre: a.js\n  main: b.js\n  post: c.js\n  post-if: success()\n");
        var runs = Assert.IsType<NodeRuns>(r.Action!.Runs);
        Assert.Equal(("node24", "a.js", "b.js", "c.js", "success()"), (runs.Using, runs.Pre, runs.Main, runs.Post, runs.PostIf!.Value));
        Assert.Null(runs.PreIf);
    }

    [Fact]
    public void Parse_DockerAction_ReadsImageEntrypointsArgsAndEnv()
    {
        var r = ActionMetadataParser.Parse("action.yml", "name: d\nruns:\n  using: docker\n  image: Dockerfile\n  entrypoint: /main.sh\n  pre-entrypoint: /pre.sh\n  pre-if: always()\n  post-entrypoint: /post.sh\n  args:\n    - ${{ inputs.who }}\n    - two words\n  env:\n    GREETING: hi-${{ inputs.who }}\n");
        var runs = Assert.IsType<DockerRuns>(r.Action!.Runs);
        Assert.Equal(("Dockerfile", "/main.sh", "/pre.sh", "always()", "/post.sh"), (runs.Image, runs.Entrypoint, runs.PreEntrypoint, runs.PreIf!.Value, runs.PostEntrypoint));
        Assert.Equal(["${{ inputs.who }}", "two words"], runs.Args.Select(a => a.Value));
        Assert.Equal("hi-${{ inputs.who }}", ((TemplateScalar)runs.Env!["GREETING"]!).Value);
        Assert.Null(runs.PostIf);
    }

    [Theory]
    [InlineData("runs:\n  using: docker\n", "x.yml:2:3: a docker action needs 'runs.image'")]
    [InlineData("runs:\n  using: docker\n  image: Dockerfile\n  args: one two\n", "x.yml:4:9: runs.args must be a sequence of strings, found a scalar")]
    [InlineData("runs:\n  using: docker\n  image: Dockerfile\n  args:\n    - {a: b}\n", "x.yml:5:7: each of runs.args must be a string, found a mapping")]
    [InlineData("runs:\n  using: docker\n  image: Dockerfile\n  env: [A]\n", "x.yml:4:8: 'env' must be a mapping, found a sequence")]
    [InlineData("runs:\n  using: docker\n  image: Dockerfile\n  cmd: x\n", "x.yml:4:3: unknown key 'cmd' in 'runs' of a docker action")]
    [InlineData("name: x\n", "x.yml:1:1: missing required key 'runs'")]
    [InlineData("runs:\n  main: a.js\n", "x.yml:2:3: 'runs' is missing 'using'")]
    [InlineData("runs:\n  using: node20\n  main: a.js\n  cleanup: b.js\n", "x.yml:4:3: unknown key 'cleanup' in 'runs' of a node20 action")]
    [InlineData("runs:\n  using: node20\n", "x.yml:2:3: a node20 action needs 'runs.main'")]
    [InlineData("runs:\n  using: python\n", "x.yml:2:10: runs.using 'python' is not supported")]
    [InlineData("runs:\n  using: composite\n  steps:\n    - run: echo\n", "x.yml:4:7: step 1 of the composite action runs a command but has no 'shell'")]
    [InlineData("runs:\n  using: composite\n  steps:\n    - uses: ./a\n      shell: bash\n", "x.yml:5:7: unknown key 'shell' in step 1 of the composite action (a 'uses' step)")]
    [InlineData("runs:\n  using: composite\n  steps:\n    - uses: ./a\n      run: echo\n", "x.yml:4:7: step 1 of the composite action has both 'run' and 'uses'")]
    [InlineData("outputs:\n  o:\n    description: d\nruns:\n  using: composite\n  steps: []\n", "x.yml:2:3: output 'o' of a composite action needs 'value'")]
    [InlineData("inputs:\n  bad name:\n    description: d\nruns:\n  using: composite\n  steps: []\n", "x.yml:2:3: invalid input id 'bad name'")]
    [InlineData("runs:\n  using: composite\n  steps:\n    - id: a\n      run: x\n      shell: sh\n    - id: A\n      run: y\n      shell: sh\n", "x.yml:7:11: duplicate step id 'A'")]
    public void Parse_BadMetadata_ReportsFileLineAndColumn(string yaml, string expected)
    {
        var r = ActionMetadataParser.Parse("x.yml", yaml);
        Assert.Null(r.Action);
        var found = r.Errors.Select(d => $"{d.Location}: {d.Message}").ToList();
        Assert.Contains(found, f => f.StartsWith(expected, StringComparison.Ordinal));
    }
}
