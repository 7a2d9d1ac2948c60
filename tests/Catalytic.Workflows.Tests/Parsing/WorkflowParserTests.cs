using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Workflows.Tests.Parsing;

public sealed class WorkflowParserTests
{
    [Fact]
    public void Parse_minimal_workflow_builds_model_with_spans()
    {
        var w = Yaml.Valid("""
            name: CI
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - name: Test
                    id: test
                    run: dotnet test
            """);
        Assert.Equal("CI", w.Name);
        Assert.Equal("push", Assert.Single(w.On).Event);
        var job = Assert.Single(w.Jobs);
        Assert.Equal("build", job.Id);
        Assert.Equal(new SourceSpan("w.yml", 4, 3), job.Span);
        Assert.Equal(2, job.Steps.Length);
        Assert.Equal("actions/checkout@v4", job.Steps[0].Uses);
        Assert.Equal("dotnet test", job.Steps[1].Run!.Value);
        Assert.Equal("test", job.Steps[1].Id);
        Assert.Equal(1, job.Steps[1].Index);
        Assert.Equal(8, job.Steps[1].Span.Line);
    }

    [Fact]
    public void Parse_without_name_uses_file_path_as_name()
    {
        var w = Yaml.Valid("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n");
        Assert.Equal("w.yml", w.Name);
    }

    [Fact]
    public void Parse_yaml_syntax_error_is_reported_with_line_and_column()
    {
        var r = Yaml.Parse("on: push\njobs:\n  a: [\n");
        Assert.Null(r.Workflow);
        var e = Assert.Single(r.Errors);
        Assert.Contains("YAML syntax error", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, e.Location.Line);
    }

    [Fact]
    public void Parse_duplicate_key_is_an_error_at_the_second_key()
    {
        Yaml.HasError("""
            on: push
            jobs:
              a:
                runs-on: x
                steps:
                  - run: echo
                runs-on: y
            """, 7, 5, "duplicate key 'runs-on'");
    }

    [Fact]
    public void Parse_reports_all_errors_of_a_file_at_once()
    {
        var errors = Yaml.Errors("""
            on: pushh
            jobs:
              build:
                runs_on: x
                steps:
                  - run: a
                    uses: b@v1
              test:
                runs-on: x
                needs: nope
                steps: {}
            """);
        Assert.True(errors.Count >= 5, string.Join("\n", errors));
        Assert.Contains(errors, e => e.Location.Line == 1 && e.Message.Contains("did you mean 'push'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Location.Line == 4 && e.Message.Contains("did you mean 'runs-on'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Location.Line == 7 && e.Message.Contains("both 'run' and 'uses'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Location.Line == 10 && e.Message.Contains("depends on unknown job 'nope'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Location.Line == 11 && e.Message.Contains("must be a sequence", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_empty_file_is_an_error()
    {
        var e = Assert.Single(Yaml.Errors(""));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_non_mapping_root_is_an_error()
    {
        Yaml.HasError("- a\n- b\n", 1, 1, "mapping");
    }

    [Fact]
    public void Parse_missing_on_and_jobs_are_errors()
    {
        var errors = Yaml.Errors("name: x\n");
        Assert.Contains(errors, e => e.Message.Contains("'on'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("'jobs'", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_anchor_and_alias_are_resolved()
    {
        var w = Yaml.Valid("""
            on: push
            jobs:
              a:
                runs-on: x
                env: &common
                  A: "1"
                steps:
                  - run: echo
              b:
                runs-on: x
                env: *common
                steps:
                  - run: echo
            """);
        Assert.Equal("1", ((TemplateScalar)w.Jobs[1].Env!["A"]!).Value);
    }

    [Fact]
    public void Parse_keeps_scalar_style_for_late_conversion()
    {
        var w = Yaml.Valid("""
            on: push
            jobs:
              a:
                runs-on: x
                steps:
                  - uses: a/b@v1
                    with:
                      plain: true
                      quoted: "true"
            """);
        var with = w.Jobs[0].Steps[0].With!;
        Assert.True(((TemplateScalar)with["plain"]!).IsPlain);
        Assert.False(((TemplateScalar)with["quoted"]!).IsPlain);
    }

    [Fact]
    public void LoadPath_reads_every_yml_and_yaml_file_of_a_folder_in_name_order()
    {
        var dir = Directory.CreateTempSubdirectory("catalytic-load-");
        try
        {
            var wf = Path.Combine(dir.FullName, ".github", "workflows");
            Directory.CreateDirectory(wf);
            File.WriteAllText(Path.Combine(wf, "b.yaml"), "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n");
            File.WriteAllText(Path.Combine(wf, "a.yml"), "on: push\njobs: {}\n");
            File.WriteAllText(Path.Combine(wf, "notes.txt"), "not yaml");

            var result = WorkflowParser.LoadPath(".github/workflows", dir.FullName);
            Assert.Equal([".github/workflows/a.yml", ".github/workflows/b.yaml"], result.Files.Select(f => f.File));
            Assert.False(result.IsValid);
            Assert.Equal(".github/workflows/b.yaml", Assert.Single(result.Workflows).File);
            Assert.All(result.Files[0].Diagnostics, d => Assert.Equal(".github/workflows/a.yml", d.Location.File));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void LoadPath_missing_path_is_an_error_not_an_exception()
    {
        var result = WorkflowParser.LoadPath("/nonexistent/catalytic/workflows");
        Assert.False(result.IsValid);
        Assert.Contains("no workflow file or folder", Assert.Single(result.AllDiagnostics).Message, StringComparison.Ordinal);
    }
}
