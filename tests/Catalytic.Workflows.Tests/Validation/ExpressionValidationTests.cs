using Catalytic.Workflows.Tests.Parsing;

namespace Catalytic.Workflows.Tests.Validation;

public sealed class ExpressionValidationTests
{
    private const string Job = "jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n";

    [Fact]
    public void Matrix_in_workflow_env_is_an_unavailable_context()
    {
        Yaml.HasError("on: push\nenv:\n  OS: ${{ matrix.os }}\n" + Job, 3, 11, "Unrecognized named-value: 'matrix'", "contexts available in 'env'");
    }

    [Fact]
    public void Secrets_in_step_if_is_an_unavailable_context()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n        if: secrets.TOKEN != ''\n", 7, 13, "Unrecognized named-value: 'secrets'");
    }

    [Fact]
    public void Syntax_error_in_run_points_at_the_offending_character()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha == }}\n", 6, 34, "Unexpected end of expression", "Located at position 12");
    }

    [Fact]
    public void Unclosed_expression_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha\n", 6, 19, "not closed");
    }

    [Fact]
    public void Unknown_function_is_an_error_with_suggestion()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ startswith2('a', 'b') }}\n", 6, 23, "Unrecognized function: 'startswith2'", "did you mean 'startsWith'?");
    }

    [Fact]
    public void Status_function_outside_if_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ failure() }}\n", 6, 23, "Unrecognized function: 'failure'", "only in 'if' conditions");
    }

    [Fact]
    public void HashFiles_in_job_level_key_is_an_error()
    {
        Yaml.HasError("on: push\njobs:\n  a:\n    runs-on: ${{ hashFiles('x') }}\n    steps:\n      - run: echo\n", 4, 18, "Unrecognized function: 'hashFiles'");
    }

    [Fact]
    public void Expressions_valid_at_their_place_are_accepted()
    {
        Yaml.Valid("""
            on: push
            run-name: Deploy ${{ github.ref_name }}
            env:
              TOKEN: ${{ secrets.TOKEN }}
            jobs:
              a:
                if: github.event_name == 'push' && !cancelled()
                runs-on: ${{ matrix.os }}
                strategy:
                  matrix:
                    os: [linux]
                outputs:
                  sha: ${{ steps.s.outputs.sha }}
                steps:
                  - id: s
                    if: ${{ success() && hashFiles('**/*.cs') != '' }}
                    run: echo "sha=${{ github.sha }}" >> "$GITHUB_OUTPUT"
                    env:
                      X: ${{ format('{0}-{1}', matrix.os, env.HOME) }}
                  - run: echo '${{ '}}' }}'
            """);
    }

    [Fact]
    public void Condition_mixing_template_and_text_is_a_warning()
    {
        var r = Yaml.Parse("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n        if: ${{ false }} && true\n");
        Assert.NotNull(r.Workflow);
        Assert.Contains("always true", Assert.Single(r.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expression_in_workflow_name_is_not_allowed()
    {
        Yaml.HasError("name: Build ${{ github.ref }}\non: push\n" + Job, 1, 7, "expressions are not allowed in 'name'");
    }
}
