using System.Collections.Immutable;

namespace Catalytic.Workflows.Model;

/// <summary>A job as written. Matrix expansion happens in planning/running, not here.</summary>
public sealed record Job
{
    public required string Id { get; init; }

    /// <summary>`name:` as written (may contain matrix expressions); null when absent.</summary>
    public TemplateScalar? Name { get; init; }

    public ImmutableArray<string> Needs { get; init; } = [];

    /// <summary>Where each of <see cref="Needs"/> is written (same order); empty for a job built in code.</summary>
    public ImmutableArray<SourceSpan> NeedSpans { get; init; } = [];

    /// <summary>`if:` as written, without `${{ }}` stripped; null means the implicit `success()`.</summary>
    public TemplateScalar? If { get; init; }

    public TemplateNode? RunsOn { get; init; }

    public TemplateNode? Environment { get; init; }

    public TemplateMapping? Outputs { get; init; }

    public TemplateMapping? Env { get; init; }

    /// <summary>`env` evaluated as a whole (then <see cref="Env"/> is null): one `${{ … }}`, or a mapping with `${{ }}` keys or `${{ insert }}`.</summary>
    public TemplateNode? EnvExpression { get; init; }

    public Defaults? Defaults { get; init; }

    public Strategy? Strategy { get; init; }

    /// <summary>`continue-on-error` as written (bool or expression).</summary>
    public TemplateScalar? ContinueOnError { get; init; }

    public TemplateScalar? TimeoutMinutes { get; init; }

    public Concurrency? Concurrency { get; init; }

    public TemplateNode? Permissions { get; init; }

    /// <summary>`services:`: id → definition as written.</summary>
    public TemplateMapping? Services { get; init; }

    /// <summary>`services: ${{ … }}`: every service from one expression (then <see cref="Services"/> is null).</summary>
    public TemplateScalar? ServicesExpression { get; init; }

    public TemplateNode? Container { get; init; }

    public ImmutableArray<Step> Steps { get; init; } = [];

    /// <summary>For a job that calls a reusable workflow: `uses`, `with`, `secrets` (a mapping or the scalar `inherit`).</summary>
    public string? Uses { get; init; }

    /// <summary>Where the `uses:` value stands (errors about the called workflow point here).</summary>
    public SourceSpan UsesSpan { get; init; }

    public TemplateMapping? With { get; init; }
    public TemplateNode? Secrets { get; init; }

    public SourceSpan Span { get; init; }
}

/// <summary>`strategy:`; <see cref="Matrix"/> is a mapping or a single `${{ }}` scalar.</summary>
public sealed record Strategy(TemplateNode? Matrix, TemplateScalar? FailFast, TemplateScalar? MaxParallel, SourceSpan Span)
{
    /// <summary>Set when the whole `strategy:` is one `${{ }}` expression (then the other members are null).</summary>
    public TemplateScalar? Expression { get; init; }
}
