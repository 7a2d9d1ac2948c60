using Catalytic.Workflows.Model;
using Catalytic.Workflows.Tests.Parsing;

namespace Catalytic.Workflows.Tests.Validation;

/// <summary>
/// Mapping keys written as `${{ }}` — the `${{ insert }}` directive and key expressions — as GitHub's template reader takes
/// them: accepted where the mapping has contexts (env, with, matrix, a job's defaults.run), checked against those contexts,
/// refused elsewhere; and a job's defaults.run with expressions in its values.
/// Positions and wording are those GitHub's parser gives for the same files.
/// </summary>
public sealed class ExpressionKeyTests
{
    [Fact]
    public void Insert_in_matrix_env_and_with_is_accepted_and_evaluated_as_a_whole()
    {
        var w = Yaml.Valid("""
            on: push
            env:
              ${{ insert }}: ${{ fromJSON(vars.WORKFLOW_ENV) }}
            jobs:
              a:
                runs-on: x
                strategy:
                  matrix:
                    os: [linux]
                    ${{ insert }}: ${{ fromJSON(vars.MORE) }}
                    include:
                      - ${{ insert }}: {arch: x64}
                        ${{ format('k{0}', 1) }}: v
                env:
                  A: 1
                  ${{ insert }}: ${{ fromJSON(vars.JOB_ENV) }}
                steps:
                  - uses: actions/checkout@v4
                    with:
                      ${{ insert }}: ${{ fromJSON(vars.WITH) }}
                    env:
                      ${{ matrix.os }}: yes
            """);
        Assert.Null(w.Env);
        Assert.IsType<TemplateMapping>(w.EnvExpression);
        var job = w.Jobs[0];
        Assert.Null(job.Env);
        Assert.Equal(2, Assert.IsType<TemplateMapping>(job.EnvExpression).Entries.Length);
        Assert.Null(job.Steps[0].With);
        Assert.IsType<TemplateMapping>(job.Steps[0].WithExpression);
        Assert.IsType<TemplateMapping>(job.Steps[0].EnvExpression);
        Assert.IsType<TemplateMapping>(job.Strategy!.Matrix);
    }

    [Fact]
    public void A_key_expression_is_checked_against_the_contexts_of_its_mapping()
    {
        // Workflow env has no matrix; GitHub: "Unrecognized named-value: 'matrix'" (at the key's `${{`; here at the name).
        Yaml.HasError("""
            on: push
            env:
              ${{ matrix.os }}: x
            jobs:
              a: {runs-on: x, steps: [run: echo]}
            """, 3, 7, "Unrecognized named-value: 'matrix'");
    }

    [Theory]
    [InlineData("outputs", "jobs.a.outputs")]
    [InlineData("permissions", "jobs.a.permissions")]
    public void A_key_expression_where_the_mapping_has_no_contexts_is_refused(string key, string what)
    {
        var errors = Yaml.Errors($$$"""
            on: push
            jobs:
              a:
                runs-on: x
                {{{key}}}:
                  ${{ insert }}: ${{ fromJSON('{}') }}
                steps: [run: echo]
            """);
        Assert.Contains(errors, e => e.Location.Line == 6 && e.Location.Column == 7 && e.Message.StartsWith("A template expression is not allowed in this context", StringComparison.Ordinal));
        _ = what;
    }

    [Fact]
    public void Insert_value_in_env_must_be_a_string_or_expression_as_GitHub_reads_it()
    {
        // GitHub: "A mapping was not expected" — env values are strings, the insert's too.
        Yaml.HasError("""
            on: push
            jobs:
              a:
                runs-on: x
                env:
                  ${{ insert }}:
                    A: b
                steps: [run: echo]
            """, 7, 9, "must be a string, number or boolean, found a mapping");
    }

    [Theory]
    [InlineData("NAME: a ${{ insert }}", 6, 13, "The directive 'insert' is not allowed in this context. Directives are not supported for expressions that are embedded within a string.")]
    [InlineData("${{ insert 1 }}: x", 6, 7, "Exactly 0 parameter(s) were expected following the directive 'insert'. Actual parameter count: 1")]
    [InlineData("NAME: ${{ insert }}", 6, 13, "Unexpected value '${{ insert }}'")]
    public void A_misplaced_insert_is_GitHubs_error(string entry, int line, int column, string message)
    {
        Yaml.HasError($$"""
            on: push
            jobs:
              a:
                runs-on: x
                env:
                  {{entry}}
                steps: [run: echo]
            """, line, column, message);
    }

    [Fact]
    public void Job_defaults_run_takes_expressions_with_its_contexts()
    {
        var w = Yaml.Valid("""
            on: push
            jobs:
              a:
                runs-on: x
                strategy: {matrix: {dir: [a]}}
                defaults:
                  run:
                    shell: ${{ env.MY_SHELL }}
                    working-directory: ${{ matrix.dir }}/${{ needs.x.outputs.y || inputs.z || vars.w || github.ref || strategy.job-index }}
                steps: [run: echo]
            """);
        var defaults = w.Jobs[0].Defaults!;
        Assert.Equal("${{ env.MY_SHELL }}", defaults.Shell);
        Assert.NotNull(defaults.RunTemplate);
    }

    [Fact]
    public void Job_defaults_run_refuses_contexts_it_does_not_have()
    {
        Yaml.HasError("""
            on: push
            jobs:
              a:
                runs-on: x
                defaults:
                  run:
                    shell: ${{ steps.a.outputs.s }}
                steps: [run: echo]
            """, 7, 20, "Unrecognized named-value: 'steps'");
    }

    [Fact]
    public void Workflow_defaults_run_takes_no_expressions()
    {
        Yaml.HasError("""
            on: push
            defaults:
              run:
                shell: ${{ env.X }}
            jobs:
              a: {runs-on: x, steps: [run: echo]}
            """, 4, 12, "expressions are not allowed in 'defaults.run.shell'");
    }

    [Fact]
    public void A_literal_shell_stays_without_a_run_template()
    {
        var w = Yaml.Valid("""
            on: push
            jobs:
              a:
                runs-on: x
                defaults: {run: {shell: bash, working-directory: src}}
                steps: [run: echo]
            """);
        Assert.Equal(new Defaults("bash", "src"), w.Jobs[0].Defaults);
    }
}
