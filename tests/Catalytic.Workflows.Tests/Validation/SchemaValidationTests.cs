using Catalytic.Workflows.Model;
using Catalytic.Workflows.Tests.Parsing;

namespace Catalytic.Workflows.Tests.Validation;

/// <summary>Each case: a small workflow with one mistake, and where and how it is reported.</summary>
public sealed class SchemaValidationTests
{
    private const string Job = "jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n";

    [Fact]
    public void Unknown_top_level_key_suggests_the_close_one()
    {
        Yaml.HasError("on: push\nenvv:\n  A: 1\n" + Job, 2, 1, "unknown key 'envv' in the workflow", "did you mean 'env'?");
    }

    [Fact]
    public void Unknown_event_suggests_the_close_one()
    {
        Yaml.HasError("on: [push, pull_reqest]\n" + Job, 1, 12, "unknown event 'pull_reqest'", "did you mean 'pull_request'?");
    }

    [Fact]
    public void On_key_is_read_as_the_string_on()
    {
        var w = Yaml.Valid("\"on\":\n  push:\n  workflow_dispatch:\n" + Job);
        Assert.Equal(["push", "workflow_dispatch"], w.On.Select(t => t.Event));
    }

    [Fact]
    public void Unknown_filter_under_an_event_is_an_error()
    {
        Yaml.HasError("on:\n  push:\n    branch: [main]\n" + Job, 3, 5, "unknown key 'branch' in 'on.push'", "did you mean 'branches'?");
    }

    [Fact]
    public void Pull_request_does_not_accept_tags()
    {
        Yaml.HasError("on:\n  pull_request:\n    tags: [v1]\n" + Job, 3, 5, "unknown key 'tags' in 'on.pull_request'");
    }

    [Fact]
    public void Branches_and_branches_ignore_together_is_an_error()
    {
        Yaml.HasError("on:\n  push:\n    branches: [main]\n    branches-ignore: [dev]\n" + Job, 4, 5, "cannot use both 'branches' and 'branches-ignore'");
    }

    [Fact]
    public void Only_negated_branch_patterns_is_an_error()
    {
        Yaml.HasError("on:\n  push:\n    branches: ['!main']\n" + Job, 3, 15, "only negated");
    }

    [Fact]
    public void Invalid_filter_pattern_is_an_error()
    {
        Yaml.HasError("on:\n  push:\n    branches: ['release/[0-']\n" + Job, 3, 16, "invalid pattern 'release/[0-'");
    }

    [Fact]
    public void Unknown_activity_type_is_an_error_with_the_allowed_list()
    {
        Yaml.HasError("on:\n  pull_request:\n    types: [opend]\n" + Job, 3, 13, "unknown activity type 'opend'", "did you mean 'opened'?");
    }

    [Fact]
    public void Event_without_configuration_rejects_a_mapping()
    {
        Yaml.HasError("on:\n  create:\n    branches: [x]\n" + Job, 3, 5, "event 'create' takes no configuration");
    }

    [Theory]
    [InlineData("'61 * * * *'", "minute field '61'")]
    [InlineData("'* * *'", "expected 5 fields")]
    [InlineData("'@daily'", "'@daily' is not supported")]
    [InlineData("'0 0 * JANU *'", "month field 'JANU'")]
    public void Invalid_cron_is_an_error(string cron, string fragment)
    {
        Yaml.HasError($"on:\n  schedule:\n    - cron: {cron}\n" + Job, 3, 13, "invalid cron", fragment);
    }

    [Fact]
    public void Valid_cron_with_names_and_steps_is_accepted()
    {
        var w = Yaml.Valid("on:\n  schedule:\n    - cron: '*/15 8-18 * JAN-DEC MON-FRI'\n    - cron: '0 0 1,15 * 0'\n" + Job);
        Assert.Equal(["*/15 8-18 * JAN-DEC MON-FRI", "0 0 1,15 * 0"], w.On[0].Cron!.Value);
    }

    [Fact]
    public void Cron_every_minute_is_a_warning_not_an_error()
    {
        var r = Yaml.Parse("on:\n  schedule:\n    - cron: '* * * * *'\n" + Job);
        Assert.NotNull(r.Workflow);
        Assert.Contains("every 5 minutes", Assert.Single(r.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Workflow_dispatch_inputs_are_typed()
    {
        var w = Yaml.Valid("""
            on:
              workflow_dispatch:
                inputs:
                  env:
                    type: choice
                    options: [staging, production]
                    default: staging
                    required: true
                  dry:
                    type: boolean
                    default: false
                  name:
                    description: who
            """ + "\n" + Job);
        Assert.Equal([InputType.Choice, InputType.Boolean, InputType.String], w.DispatchInputs.Select(i => i.Type));
        Assert.True(w.DispatchInputs[0].Required);
        Assert.Equal(["staging", "production"], w.DispatchInputs[0].Options);
        Assert.Equal("who", w.DispatchInputs[2].Description);
    }

    [Fact]
    public void Dispatch_input_errors_are_reported()
    {
        var yaml = """
            on:
              workflow_dispatch:
                inputs:
                  env:
                    type: choise
                  flag:
                    type: boolean
                    default: maybe
                  pick:
                    type: choice
                    options: [a, b]
                    default: c
            """ + "\n" + Job;
        Yaml.HasError(yaml, 5, 15, "unknown input type 'choise'", "did you mean 'choice'?");
        Yaml.HasError(yaml, 8, 18, "default of boolean input 'flag' must be true or false");
        Yaml.HasError(yaml, 12, 18, "default 'c' of choice input 'pick' is not one of its options");
    }

    [Fact]
    public void Workflow_call_reads_inputs_outputs_and_secrets()
    {
        var w = Yaml.Valid("""
            on:
              workflow_call:
                inputs:
                  version:
                    type: string
                    required: true
                outputs:
                  image:
                    description: the image
                    value: ${{ jobs.a.outputs.image }}
                secrets:
                  token:
                    required: true
                  optional:
            """ + "\n" + Job);
        Assert.NotNull(w.Call);
        Assert.Equal("version", Assert.Single(w.Call!.Inputs).Name);
        Assert.Equal("image", Assert.Single(w.Call.Outputs).Name);
        Assert.Equal([("token", true), ("optional", false)], w.Call.Secrets.Select(s => (s.Name, s.Required)));
    }

    [Fact]
    public void Workflow_call_input_without_type_and_output_without_value_are_errors()
    {
        var yaml = "on:\n  workflow_call:\n    inputs:\n      v:\n        required: true\n    outputs:\n      o:\n        description: x\n" + Job;
        Yaml.HasError(yaml, 5, 9, "missing the required key 'type'");
        Yaml.HasError(yaml, 8, 9, "missing the required key 'value'");
    }

    [Fact]
    public void Invalid_job_id_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  1build:\n    runs-on: x\n    steps:\n      - run: echo\n", 3, 3, "invalid job id '1build'", "start with a letter or '_'");
    }

    [Fact]
    public void Job_without_runs_on_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    steps:\n      - run: echo\n", 3, 3, "missing 'runs-on'");
    }

    [Fact]
    public void Steps_not_a_list_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      run: echo\n", 6, 7, "'jobs.a.steps' must be a sequence");
    }

    [Theory]
    [InlineData("timeout-minutes: ten", 4, 22, "'jobs.a.timeout-minutes' must be a number or an expression")]
    [InlineData("continue-on-error: yes", 4, 24, "must be a boolean")]
    [InlineData("needs: {b: 1}", 4, 12, "must be a string or a sequence of strings")]
    [InlineData("strategy:\n      fail-fast: 1", 5, 18, "must be a boolean")]
    [InlineData("strategy:\n      max-parallel: 0", 5, 21, "must be at least 1")]
    [InlineData("env: [A]", 4, 10, "'jobs.a.env' must be a mapping")]
    [InlineData("permissions:\n      contents: admin", 5, 17, "permission 'contents' must be one of read, write, none")]
    [InlineData("permissions:\n      content: read", 5, 7, "unknown permission scope 'content'", "did you mean 'contents'?")]
    [InlineData("permissions: all", 4, 18, "'read-all', 'write-all'")]
    [InlineData("concurrency:\n      cancel-in-progress: true", 5, 7, "missing the required key 'group'")]
    [InlineData("container:\n      ports: [80]", 5, 7, "missing the required key 'image'")]
    [InlineData("services:\n      db:\n        imag: postgres", 6, 9, "unknown key 'imag'", "did you mean 'image'?")]
    [InlineData("environment:\n      url: http://x", 5, 7, "missing the required key 'name'")]
    [InlineData("defaults:\n      run:\n        shel: bash", 6, 9, "unknown key 'shel'", "did you mean 'shell'?")]
    [InlineData("runs-on: []", 4, 14, "at least one runner label")]
    public void Wrong_job_value_types_are_errors(string line, int errLine, int errColumn, params string[] fragments)
    {
        var yaml = "on: push\njobs:\n  a:\n    " + line + "\n    runs-on: x\n    steps:\n      - run: echo\n";
        if (line.StartsWith("runs-on", StringComparison.Ordinal))
        {
            yaml = "on: push\njobs:\n  a:\n    " + line + "\n    steps:\n      - run: echo\n";
        }

        Yaml.HasError(yaml, errLine, errColumn, fragments);
    }

    [Fact]
    public void Timeout_and_continue_on_error_accept_expressions()
    {
        var w = Yaml.Valid("on: push\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: ${{ matrix.t }}\n    continue-on-error: ${{ matrix.exp }}\n    strategy:\n      matrix:\n        t: [1]\n        exp: [true]\n    steps:\n      - run: echo\n");
        Assert.Equal("${{ matrix.t }}", w.Jobs[0].TimeoutMinutes!.Value);
    }

    [Fact]
    public void Call_job_accepts_only_its_subset_of_keys()
    {
        var yaml = "on: push\njobs:\n  call:\n    uses: ./.github/workflows/deploy.yml\n    runs-on: x\n    with:\n      env: prod\n    secrets: inherit\n";
        Yaml.HasError(yaml, 5, 5, "'runs-on' is not allowed in job 'call', which calls a reusable workflow with 'uses'");
        Yaml.HasError(yaml.Replace("runs-on: x", "runz: x", StringComparison.Ordinal), 5, 5, "unknown key 'runz' in job 'call' (a job calling a reusable workflow");
    }

    [Fact]
    public void Call_job_is_read_with_uses_with_and_secrets()
    {
        var w = Yaml.Valid("on: push\njobs:\n  call:\n    uses: octo/repo/.github/workflows/deploy.yml@v1\n    with:\n      env: prod\n    secrets: inherit\n");
        var job = w.Jobs[0];
        Assert.Equal("octo/repo/.github/workflows/deploy.yml@v1", job.Uses);
        Assert.Equal("inherit", ((TemplateScalar)job.Secrets!).Value);
        Assert.Empty(job.Steps);
    }

    [Fact]
    public void Call_job_with_bad_reference_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  call:\n    uses: octo/repo@v1\n", 4, 11, "must be './.github/workflows/<file>.yml'");
    }

    [Fact]
    public void Step_with_neither_run_nor_uses_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - name: nothing\n", 6, 9, "step 1 of job 'a' has neither 'run' nor 'uses'");
    }

    [Fact]
    public void Step_with_both_run_and_uses_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n        uses: a/b@v1\n", 7, 9, "Unexpected value 'uses'", "both 'run' and 'uses'");
    }

    [Fact]
    public void Duplicate_step_ids_are_errors_at_the_second()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - id: build\n        run: a\n      - id: Build\n        run: b\n", 8, 13, "duplicate step id 'Build' in job 'a' (first used at line 6)");
    }

    [Fact]
    public void Invalid_step_id_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - id: my step\n        run: a\n", 6, 13, "invalid step id 'my step'");
    }

    [Theory]
    [InlineData("shell: zsh", 7, 16, "invalid shell 'zsh'")]
    [InlineData("shell: ''", 7, 16, "must not be empty")]
    [InlineData("with:\n          a: 1", 7, 9, "'with' is only valid on a step with 'uses'")]
    [InlineData("timeout-minutes: soon", 7, 26, "must be a number or an expression")]
    [InlineData("runs: x", 7, 9, "unknown key 'runs' in step 1 of job 'a'", "did you mean 'run'?")]
    [InlineData("background: true", 7, 9, "not supported by Catalytic")]
    public void Step_errors_are_reported_at_the_offending_node(string line, int errLine, int errColumn, string fragment, string? more = null)
    {
        var yaml = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n        " + line + "\n";
        Yaml.HasError(yaml, errLine, errColumn, more is null ? [fragment] : [fragment, more]);
    }

    [Fact]
    public void Custom_shell_with_placeholder_is_accepted()
    {
        var w = Yaml.Valid("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: print 1\n        shell: perl {0}\n");
        Assert.Equal("perl {0}", w.Jobs[0].Steps[0].Shell!.Value);
    }

    [Theory]
    [InlineData("uses: actions/checkout", "invalid action reference")]
    [InlineData("uses: actions/checkout@", "Expected format {org}/{repo}[/path]@ref. Actual 'actions/checkout@'")]
    [InlineData("uses: actions@v4", "Expected format {org}/{repo}[/path]@ref. Actual 'actions@v4'")]
    [InlineData("uses: a/b@v1@v2", "Expected format {org}/{repo}[/path]@ref. Actual 'a/b@v1@v2'")]
    [InlineData("uses: actions/checkout@${{ github.sha }}", "expressions are not allowed in 'jobs.a.steps[0].uses'")]
    [InlineData("shell: bash\n        uses: a/b@v1", "'shell' is only valid on a step with 'run'")]
    public void Uses_step_errors(string line, string fragment)
    {
        var yaml = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - " + line + "\n";
        Assert.Contains(Yaml.Errors(yaml), e => e.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void Action_references_in_every_form_are_accepted()
    {
        Yaml.Valid("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: octo/repo/path/to@main\n      - uses: ./local/action\n      - uses: docker://alpine:3\n");
    }

    /// <summary>Regression: `uses: ./` (the action at the repository root) was refused; GitHub's rule takes any `./` or `.\` path.</summary>
    [Theory]
    [InlineData("./")]
    [InlineData(".\\\\tools\\\\action")]
    [InlineData("owner//repo@v1")]
    [InlineData("owner/repo/@v1")]
    public void Action_references_GitHub_takes_are_accepted(string uses)
    {
        Yaml.Valid($"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: \"{uses}\"\n");
    }

    [Fact]
    public void Matrix_errors_are_reported()
    {
        var yaml = """
            on: push
            jobs:
              a:
                runs-on: x
                strategy:
                  matrix:
                    os: ubuntu
                    node: []
                    include: {a: 1}
                    exclude:
                      - nodee: 1
                steps:
                  - run: echo
            """;
        Yaml.HasError(yaml, 7, 13, "matrix vector 'os' must be a sequence of values");
        Yaml.HasError(yaml, 8, 15, "matrix vector 'node' has no values");
        Yaml.HasError(yaml, 9, 18, "'jobs.a.strategy.matrix.include' must be a sequence of mappings");
        Yaml.HasError(yaml, 11, 13, "matrix exclude names 'nodee'", "did you mean 'node'?");
    }

    [Fact]
    public void Matrix_from_an_expression_is_kept_as_a_scalar()
    {
        var w = Yaml.Valid("on: push\njobs:\n  setup:\n    runs-on: x\n    steps:\n      - run: echo\n  a:\n    needs: setup\n    runs-on: x\n    strategy:\n      matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}\n    steps:\n      - run: echo\n");
        Assert.IsType<TemplateScalar>(w.Jobs[1].Strategy!.Matrix);
    }

    [Fact]
    public void Matrix_written_as_plain_text_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix: linux\n    steps:\n      - run: echo\n", 6, 15, "must be a mapping of vectors or an expression");
    }

    [Fact]
    public void Duplicate_keys_differing_only_in_case_are_errors()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      FOO: 1\n      foo: 2\n    steps:\n      - run: echo\n", 7, 7, "duplicate key 'foo'");
    }

    [Fact]
    public void Second_yaml_document_is_an_error()
    {
        Assert.Contains(Yaml.Errors("on: push\n" + Job + "---\non: push\n"), e => e.Message.Contains("exactly one YAML document", StringComparison.Ordinal));
    }
}
