using System.Collections.Immutable;

namespace Catalytic.Workflows.Model;

/// <summary>A step as written: either <see cref="Run"/> or <see cref="Uses"/> is set.</summary>
public sealed record Step
{
    /// <summary>`id:`; null when absent (the runner names it `__N` like GitHub's `__run_N`).</summary>
    public string? Id { get; init; }

    public TemplateScalar? Name { get; init; }

    public TemplateScalar? If { get; init; }

    public TemplateScalar? Run { get; init; }

    public string? Uses { get; init; }

    public TemplateMapping? With { get; init; }

    /// <summary>
    /// `with` evaluated as a whole at run time (then <see cref="With"/> is null): one `${{ … }}` for every input, or a mapping
    /// with `${{ }}` keys or `${{ insert }}`.
    /// </summary>
    public TemplateNode? WithExpression { get; init; }

    public TemplateMapping? Env { get; init; }

    /// <summary>`env` evaluated as a whole (then <see cref="Env"/> is null): one `${{ … }}`, or a mapping with `${{ }}` keys or `${{ insert }}`.</summary>
    public TemplateNode? EnvExpression { get; init; }

    public TemplateScalar? Shell { get; init; }

    public TemplateScalar? WorkingDirectory { get; init; }

    public TemplateScalar? ContinueOnError { get; init; }

    public TemplateScalar? TimeoutMinutes { get; init; }

    /// <summary>0-based position in the job.</summary>
    public int Index { get; init; }

    public SourceSpan Span { get; init; }
}
