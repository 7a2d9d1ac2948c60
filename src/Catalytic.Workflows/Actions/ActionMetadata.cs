using System.Collections.Immutable;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Actions;

/// <summary>An action's <c>action.yml</c> as written: its inputs, outputs and how it runs.</summary>
public sealed record ActionMetadata
{
    /// <summary>The metadata file (as given to the parser), for messages.</summary>
    public required string File { get; init; }

    public string? Name { get; init; }

    public ImmutableArray<ActionInput> Inputs { get; init; } = [];

    public ImmutableArray<ActionOutput> Outputs { get; init; } = [];

    public required ActionRuns Runs { get; init; }
}

/// <summary>
/// One input. GitHub does not fail a step when a <see cref="Required"/> input is missing (the action's own code
/// decides); <see cref="Default"/> may hold expressions (<c>${{ github.token }}</c>).
/// </summary>
public sealed record ActionInput(string Name, TemplateScalar? Default, bool Required, string? DeprecationMessage, SourceSpan Span);

/// <summary>One output; <see cref="Value"/> is set for composite actions (<c>${{ steps.x.outputs.y }}</c>).</summary>
public sealed record ActionOutput(string Name, TemplateScalar? Value, SourceSpan Span);

/// <summary>The <c>runs:</c> section; one subtype per kind of action.</summary>
public abstract record ActionRuns(string Using, SourceSpan Span);

/// <summary><c>using: composite</c>: the steps run in the caller's job.</summary>
public sealed record CompositeRuns(ImmutableArray<Step> Steps, SourceSpan Span) : ActionRuns("composite", Span);

/// <summary><c>using: node12|node16|node20|node24</c>: scripts run by node; pre/post default to <c>always()</c>.</summary>
public sealed record NodeRuns(string Using, string Main, string? Pre, TemplateScalar? PreIf, string? Post, TemplateScalar? PostIf, SourceSpan Span) : ActionRuns(Using, Span);

/// <summary>
/// <c>using: docker</c>: <see cref="Image"/> is <c>Dockerfile</c> (a path in the action's folder) or <c>docker://image</c>;
/// <see cref="Args"/> and <see cref="Env"/> values may hold expressions (<c>${{ inputs.x }}</c>), evaluated when the step
/// runs; the pre and post entrypoints run in the same image before the job's first step and after its last.
/// </summary>
public sealed record DockerRuns(string Image, SourceSpan Span) : ActionRuns("docker", Span)
{
    public string? Entrypoint { get; init; }

    public ImmutableArray<TemplateScalar> Args { get; init; } = [];

    public TemplateMapping? Env { get; init; }

    public string? PreEntrypoint { get; init; }

    public TemplateScalar? PreIf { get; init; }

    public string? PostEntrypoint { get; init; }

    public TemplateScalar? PostIf { get; init; }
}

/// <summary>The outcome of reading an <c>action.yml</c>: the metadata when it has no errors, and every diagnostic.</summary>
public sealed record ActionMetadataResult(ActionMetadata? Action, ImmutableArray<Diagnostic> Diagnostics)
{
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
}
