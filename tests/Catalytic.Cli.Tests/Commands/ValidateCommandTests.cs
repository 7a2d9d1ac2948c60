using System.Diagnostics;
using Catalytic.Cli;
using Catalytic.Cli.Commands;
using Catalytic.Testing.Inputs;
using Catalytic.Testing.Processes;

namespace Catalytic.Cli.Tests.Commands;

public sealed class ValidateCommandTests : IDisposable
{
    private const string Good = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("catalytic-validate-");

    public void Dispose() => _dir.Delete(recursive: true);

    private async Task<(int Code, string[] Lines)> Run(params string[] args)
    {
        var writer = new StringWriter();
        var command = new ValidateCommand(writer);
        var code = await command.ExecuteAsync(CliArgs.Parse(args, command.Spec, new Microsoft.Extensions.Time.Testing.FakeTimeProvider()), TestContext.Current.CancellationToken);
        return (code, writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Runs the built catalytic (catalytic.dll next to the tests) in the temporary folder.</summary>
    private async Task<(int Code, string Stdout, string Stderr)> RunProcess(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir.FullName };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "catalytic.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var r = await ProcessRun.RunAsync(psi);
        return (r.Code, r.Out, r.Err);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Validate_valid_folder_exits_0_and_counts_workflows()
    {
        Write("a.yml", Good);
        Write("b.yaml", Good);
        var (code, lines) = await Run("-W", _dir.FullName);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("2 workflows valid", lines[^1]);
    }

    [Fact]
    public async Task Validate_invalid_file_prints_each_error_with_position_and_exits_2()
    {
        Write("a.yml", Good);
        var bad = Write("bad.yml", "on: push\njobs:\n  a:\n    runs_on: x\n    steps:\n      - run: echo\n        shell: zsh\n");
        var (code, lines) = await Run("--workflows", _dir.FullName);
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains(lines, l => l.StartsWith(bad + ":4:5: error: unknown key 'runs_on'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(bad + ":7:16: error: invalid shell 'zsh'", StringComparison.Ordinal));
        Assert.Equal("3 errors in 1 file", lines[^1]);
    }

    [Fact]
    public async Task Validate_missing_path_exits_2_with_message()
    {
        var (code, lines) = await Run("-W", Path.Combine(_dir.FullName, "nope"));
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("no workflow file or folder", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_is_registered_as_a_verb()
    {
        Assert.Contains(CommandLine.Commands, c => c.Spec.Name == "validate");
        Write("a.yml", Good);
        Assert.Equal(ExitCodes.Success, await CommandLine.RunAsync(["validate", "-W", _dir.FullName]));
    }

    [Fact]
    public async Task Validate_as_a_real_process_prints_diagnostics_and_exit_code()
    {
        Write("bad.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    needs: b\n    steps:\n      - run: echo\n  b:\n    runs-on: x\n    needs: a\n    steps:\n      - run: echo\n");
        var (code, stdout, _) = await RunProcess("validate", "-W", "bad.yml");
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("bad.yml:5:12: error: Job 'a' depends on job 'b' which creates a cycle in the dependency graph (a → b → a)", stdout, StringComparison.Ordinal);
        Assert.Contains("bad.yml:10:12: error: Job 'b' depends on job 'a' which creates a cycle in the dependency graph (a → b → a)", stdout, StringComparison.Ordinal);
        Assert.EndsWith("2 errors in 1 file", stdout.TrimEnd(), StringComparison.Ordinal);
    }

    // Issue 15: a typo made YamlDotNet's scanner throw InvalidOperationException, which escaped validate as exit -6
    // and a stack trace. Now it is one error with its position, from the real executable.
    [Fact]
    public async Task Validate_file_the_yaml_scanner_fails_on_is_an_error_with_position_not_a_crash()
    {
        Write("bad.yml", "on: push\njobs:\n  build: [''\nruns-on: ubuntu-latest\n");
        var (code, stdout, stderr) = await RunProcess("validate", "-W", "bad.yml");
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("bad.yml:4:1: error: YAML syntax error: the YAML cannot be read from here", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Validate_folder_of_mutated_repository_workflows_exits_0_or_2_and_never_throws()
    {
        var seeds = YamlMutations.Seeds(".github/workflows", "tests/conformance");
        var i = 0;
        foreach (var text in YamlMutations.Mutants(seeds, 300, seed: 6))
        {
            Write($"m{i++:D3}.yml", text);
        }

        var (code, lines) = await Run("-W", _dir.FullName);
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Matches(@"^\d+ errors? in \d+ files?", lines[^1]);
    }
}
