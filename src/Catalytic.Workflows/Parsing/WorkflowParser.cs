using System.Collections.Immutable;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>The outcome of reading one workflow file: the workflow when it has no errors, and every diagnostic.</summary>
public sealed record ParseResult(string File, Workflow? Workflow, ImmutableArray<Diagnostic> Diagnostics)
{
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);

    /// <summary>True when the file has no errors (warnings allowed); <see cref="Workflow"/> is then set.</summary>
    public bool IsValid => Workflow is not null;

    /// <summary>
    /// The workflow as far as it could be read, even with errors (parts in error are left out): lets later checks
    /// (calls to reusable workflows) report their problems in the same pass. Never run it.
    /// </summary>
    public Workflow? Draft { get; init; }
}

/// <summary>The outcome of reading a file or a folder of workflow files.</summary>
public sealed record LoadResult(ImmutableArray<ParseResult> Files, ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>Valid workflows in file-name order.</summary>
    public ImmutableArray<Workflow> Workflows => [.. Files.Where(f => f.Workflow is not null).Select(f => f.Workflow!)];

    /// <summary>Every diagnostic: the load's own (missing path) and each file's, in file order.</summary>
    public IEnumerable<Diagnostic> AllDiagnostics => Diagnostics.Concat(Files.SelectMany(f => f.Diagnostics));

    public int ErrorCount => AllDiagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);

    public bool IsValid => ErrorCount == 0;
}

/// <summary>
/// Reads GitHub Actions workflow files into the immutable model, reporting every problem of a file with
/// file:line:column. Never throws on bad input.
/// </summary>
public static class WorkflowParser
{
    /// <summary>Parses one workflow from <paramref name="text"/>; <paramref name="path"/> is used in the model and in diagnostics.</summary>
    public static ParseResult Parse(string path, string text)
    {
        var diagnostics = new List<Diagnostic>();
        var root = YamlTreeReader.Read(path, text, diagnostics);
        Workflow? workflow = null;
        if (!diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) || root is not null)
        {
            var reader = new WorkflowReader(path, diagnostics);
            workflow = reader.Read(root);
            ExpressionValidation.Check(reader.Expressions, diagnostics);
            if (workflow is not null)
            {
                CrossReferences.Check(workflow, diagnostics);
            }
        }

        var ordered = diagnostics
            .Select((d, i) => (d, i))
            .OrderBy(x => x.d.Location.Line).ThenBy(x => x.d.Location.Column).ThenBy(x => x.i)
            .Select(x => x.d)
            .Distinct()
            .ToImmutableArray();
        var valid = !ordered.Any(d => d.Severity == DiagnosticSeverity.Error);
        return new ParseResult(path, valid ? workflow : null, ordered) { Draft = workflow };
    }

    /// <summary>
    /// Loads <paramref name="pathOrDirectory"/>: a single workflow file, or every `*.yml`/`*.yaml` directly inside a folder
    /// (GitHub does not look into subfolders). Paths in the model and diagnostics are relative to
    /// <paramref name="baseDirectory"/> (default: the current directory) when the file lies under it.
    /// </summary>
    public static LoadResult LoadPath(string pathOrDirectory, string? baseDirectory = null)
    {
        var baseDir = Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory());
        var full = Path.GetFullPath(pathOrDirectory, baseDir);
        if (Directory.Exists(full))
        {
            return LoadDirectory(full, baseDir);
        }

        if (File.Exists(full))
        {
            return new LoadResult([ParseFile(full, baseDir)], []);
        }

        return new LoadResult([], [new Diagnostic(new SourceSpan(pathOrDirectory, 1, 1), $"no workflow file or folder at '{pathOrDirectory}'")]);
    }

    /// <summary>Loads every `*.yml`/`*.yaml` file directly inside <paramref name="directory"/>, in ordinal name order.</summary>
    public static LoadResult LoadDirectory(string directory, string? baseDirectory = null)
    {
        var baseDir = Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory());
        var full = Path.GetFullPath(directory, baseDir);
        if (!Directory.Exists(full))
        {
            return new LoadResult([], [new Diagnostic(new SourceSpan(directory, 1, 1), $"no workflow folder at '{directory}'")]);
        }

        var files = Directory.EnumerateFiles(full)
            .Where(f => f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(f => ParseFile(f, baseDir))
            .ToImmutableArray();
        return new LoadResult(files, []);
    }

    private static ParseResult ParseFile(string fullPath, string baseDir)
    {
        var display = Display(fullPath, baseDir);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ParseResult(display, null, [new Diagnostic(new SourceSpan(display, 1, 1), "cannot read the file: " + e.Message)]);
        }

        return Parse(display, text);
    }

    private static string Display(string fullPath, string baseDir)
    {
        var relative = Path.GetRelativePath(baseDir, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? fullPath : relative.Replace('\\', '/');
    }
}
