using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;
using Catalytic.Workflows.Reusable;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic validate`: checks workflow files without running anything; every problem as file:line:column.</summary>
internal sealed class ValidateCommand(TextWriter? output = null) : ICommand
{
    private readonly TextWriter? _output = output;

    public CommandSpec Spec { get; } = new(
        "validate",
        "validate [-W PATH]",
        "Check workflow files without running anything. Prints every error and warning as file:line:column; exit 0 when valid, 2 when not.",
        [new OptionSpec("workflows", "W", "A workflow file or a folder of them (default: .github/workflows)", "PATH")]);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var output = _output ?? Console.Out;
        var path = args.Get("workflows") ?? Path.Combine(".github", "workflows");
        var result = WorkflowParser.LoadPath(path);

        // Calls to reusable workflows are checked against the called files, read from the repository (the current folder).
        var calls = WorkflowCallResolver.Resolve(result.Files.Select(f => f.Workflow ?? f.Draft).OfType<Workflow>(), Directory.GetCurrentDirectory(), result.Files);
        var all = result.AllDiagnostics.Concat(calls.Diagnostics).Distinct().ToList();
        foreach (var diagnostic in all)
        {
            output.WriteLine(diagnostic.ToString());
        }

        if (result.Files.IsEmpty)
        {
            if (result.Diagnostics.IsEmpty)
            {
                output.WriteLine($"no workflow files (*.yml, *.yaml) in '{path}'");
            }

            return Task.FromResult(ExitCodes.Invalid);
        }

        var errors = all.Count(d => d.Severity == DiagnosticSeverity.Error);
        var warnings = all.Count(d => d.Severity == DiagnosticSeverity.Warning);
        var warningText = warnings == 0 ? "" : $", {Plural(warnings, "warning")}";
        if (errors == 0)
        {
            output.WriteLine($"{Plural(result.Files.Length, "workflow")} valid{warningText}");
            return Task.FromResult(ExitCodes.Success);
        }

        var badFiles = all.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Location.File).Distinct().Count();
        output.WriteLine($"{Plural(errors, "error")} in {Plural(badFiles, "file")}{warningText}");
        return Task.FromResult(ExitCodes.Invalid);
    }

    private static string Plural(int n, string word) => $"{n} {word}{(n == 1 ? "" : "s")}";
}
