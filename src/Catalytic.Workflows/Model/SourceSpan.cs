namespace Catalytic.Workflows.Model;

/// <summary>Where something stands in a source file: 1-based line and column.</summary>
public readonly record struct SourceSpan(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One problem found in a file. Validators collect all of them rather than stopping at the first.</summary>
public sealed record Diagnostic(SourceSpan Location, string Message, DiagnosticSeverity Severity = DiagnosticSeverity.Error)
{
    public override string ToString() => $"{Location}: {(Severity == DiagnosticSeverity.Error ? "error" : "warning")}: {Message}";
}

public enum DiagnosticSeverity
{
    Error,
    Warning,
}
