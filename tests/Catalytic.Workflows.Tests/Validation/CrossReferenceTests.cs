using Catalytic.Workflows.Model;
using Catalytic.Workflows.Tests.Parsing;

namespace Catalytic.Workflows.Tests.Validation;

/// <summary>
/// `needs.X`, `steps.X`, `matrix.X` and `jobs.X` that name nothing: GitHub runs such a workflow (the value is null) and its
/// editor flags "Context access might be invalid", so Catalytic warns at the property's line and column.
/// </summary>
public sealed class CrossReferenceTests
{
    private static List<string> Warnings(string yaml)
    {
        var result = Yaml.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics));
        return [.. result.Warnings.Select(w => $"{w.Location.Line}:{w.Location.Column}: {w.Message}")];
    }

    [Fact]
    public void Validate_NeedsOfAJobNotListed_WarnsAtTheName()
    {
        var warnings = Warnings("""
            on: push
            jobs:
              build:
                runs-on: x
                outputs:
                  v: ${{ steps.s.outputs.v }}
                steps:
                  - id: s
                    run: echo
              test:
                runs-on: x
                steps:
                  - run: echo
              deploy:
                needs: test
                if: needs.build.result == 'success'
                runs-on: x
                steps:
                  - run: echo ${{ needs.test.result }} ${{ needs.buld.outputs.v }}
            """);
        Assert.Equal(
        [
            "16:15: 'needs.build': job 'deploy' does not list 'build' in 'needs' (needs: test), so it evaluates to null",
            "19:54: 'needs.buld': job 'deploy' does not list 'buld' in 'needs' (needs: test), so it evaluates to null",
        ], warnings);
    }

    [Fact]
    public void Validate_StepsReferenceToALaterOrUnknownStep_Warns()
    {
        var warnings = Warnings("""
            on: push
            jobs:
              a:
                runs-on: x
                outputs:
                  later: ${{ steps.last.outputs.x }}
                  typo: ${{ steps.lats.outputs.x }}
                steps:
                  - id: first
                    run: echo ${{ steps.last.outputs.x }}
                  - if: steps.first.outcome == 'success' && steps.frist.outcome == 'success'
                    run: echo
                  - id: last
                    run: echo ${{ steps.first.outputs.x }}
            """);
        Assert.Equal(
        [
            "7:23: 'steps.lats': no step with id 'lats' in job 'a', so it evaluates to null; did you mean 'last'?",
            "10:29: 'steps.last': step 'last' has not run yet at this point of job 'a', so it evaluates to null",
            "11:55: 'steps.frist': no step with id 'frist' in job 'a' before this step, so it evaluates to null; did you mean 'first'?",
        ], warnings);
    }

    [Fact]
    public void Validate_MatrixKeyNotInTheStaticMatrix_Warns()
    {
        var warnings = Warnings("""
            on: push
            jobs:
              a:
                runs-on: ${{ matrix.os }}
                strategy:
                  matrix:
                    os: [linux]
                    include:
                      - os: linux
                        extra: 1
                steps:
                  - run: echo ${{ matrix.extra }} ${{ matrix.node }}
              b:
                runs-on: x
                steps:
                  - run: echo ${{ matrix.os }}
              dynamic:
                runs-on: x
                strategy:
                  matrix: ${{ fromJSON(vars.M) }}
                steps:
                  - run: echo ${{ matrix.anything }}
            """);
        Assert.Equal(
        [
            "12:50: 'matrix.node' is not a key of job 'a''s matrix (keys: os, extra), so it evaluates to null",
            "16:30: 'matrix.os': job 'b' has no matrix, so it evaluates to null",
        ], warnings);
    }

    [Fact]
    public void Validate_WorkflowCallOutputOfAnUnknownJob_Warns()
    {
        var warnings = Warnings("""
            on:
              workflow_call:
                outputs:
                  v:
                    value: ${{ jobs.build.outputs.v }}
                  w:
                    value: ${{ jobs.biuld.outputs.v }}
            jobs:
              build:
                runs-on: x
                outputs:
                  v: ${{ steps.s.outputs.v }}
                steps:
                  - id: s
                    run: echo
            """);
        Assert.Equal(["7:25: 'jobs.biuld' in on.workflow_call.outputs.w names no job of this workflow (jobs: build), so it evaluates to null; did you mean 'build'?"], warnings);
    }

    [Fact]
    public void Validate_RepositoryAndSampleWorkflows_HaveNoErrors()
    {
        // Real workflows of this repository (its CI, the sample service's pipeline) are valid: no false positives.
        var root = FindRepositoryRoot();
        foreach (var dir in new[] { Path.Combine(root, ".github", "workflows"), Path.Combine(root, "samples", "lattice", ".github", "workflows") })
        {
            var load = Catalytic.Workflows.Parsing.WorkflowParser.LoadPath(dir, root);
            Assert.True(load.Files.Length > 0, dir);
            Assert.True(load.AllDiagnostics.All(d => d.Severity == DiagnosticSeverity.Warning && !d.Message.Contains("evaluates to null", StringComparison.Ordinal)),
                string.Join("\n", load.AllDiagnostics));
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Catalytic.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }
}
