using Catalytic.Workflows.Model;
using Catalytic.Workflows.Tests.Parsing;

namespace Catalytic.Workflows.Tests.Validation;

/// <summary>
/// One `${{ }}` standing for a whole mapping where GitHub's workflow schema gives the key contexts (workflow/job/step
/// `env`, step `with`, `strategy`, `strategy.matrix`, `services`, `container`, job `defaults.run`), and not elsewhere.
/// </summary>
public sealed class WholeValueExpressionTests
{
    [Fact]
    public void Parse_EnvWithServicesDefaultsAsOneExpression_AreAcceptedAndKept()
    {
        var w = Yaml.Valid("""
            on: push
            env: ${{ fromJSON(vars.WORKFLOW_ENV) }}
            jobs:
              a:
                runs-on: x
                env: ${{ fromJSON(vars.JOB_ENV) }}
                defaults:
                  run: ${{ fromJSON(vars.DEFAULTS) }}
                services: ${{ fromJSON(vars.SERVICES) }}
                container: ${{ fromJSON(vars.CONTAINER) }}
                strategy:
                  matrix: ${{ fromJSON(vars.MATRIX) }}
                steps:
                  - uses: actions/checkout@v4
                    with: ${{ fromJSON(vars.WITH) }}
                    env: ${{ fromJSON(vars.STEP_ENV) }}
                  - run: echo
            """);
        Assert.Equal("${{ fromJSON(vars.WORKFLOW_ENV) }}", Assert.IsType<TemplateScalar>(w.EnvExpression).Value);
        Assert.Null(w.Env);
        var job = w.Jobs[0];
        Assert.Equal("${{ fromJSON(vars.JOB_ENV) }}", Assert.IsType<TemplateScalar>(job.EnvExpression).Value);
        Assert.Equal("${{ fromJSON(vars.DEFAULTS) }}", job.Defaults!.RunExpression!.Value);
        Assert.Equal("${{ fromJSON(vars.SERVICES) }}", job.ServicesExpression!.Value);
        Assert.Null(job.Services);
        Assert.IsType<TemplateScalar>(job.Strategy!.Matrix);
        Assert.Equal("${{ fromJSON(vars.WITH) }}", Assert.IsType<TemplateScalar>(job.Steps[0].WithExpression).Value);
        Assert.Equal("${{ fromJSON(vars.STEP_ENV) }}", Assert.IsType<TemplateScalar>(job.Steps[0].EnvExpression).Value);
    }

    [Fact]
    public void Parse_WholeValueExpression_IsCheckedAgainstTheContextsOfItsPlace()
    {
        // Workflow env has no `matrix`; job env has no `steps`.
        Yaml.HasError("on: push\nenv: ${{ matrix.x }}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n", 2, 10, "Unrecognized named-value: 'matrix'");
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    env: ${{ steps.a.outputs }}\n    steps:\n      - run: echo\n", 5, 14, "Unrecognized named-value: 'steps'");
    }

    [Fact]
    public void Parse_CallJobWithAsOneExpression_IsAnErrorAsOnGitHub()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    uses: ./.github/workflows/b.yml\n    with: ${{ fromJSON(vars.X) }}\n", 5, 11, "not one expression for the whole mapping");
    }

    [Fact]
    public void Parse_PlainScalarWhereAMappingBelongs_IsStillAnError()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    env: not-a-mapping\n    steps:\n      - run: echo\n", 5, 10, "'jobs.a.env' must be a mapping");
    }
}
