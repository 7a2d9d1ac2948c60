using System.Collections.Immutable;

namespace Catalytic.Workflows.Model;

/// <summary>A parsed, validated workflow file. Immutable; produced only by the parser.</summary>
public sealed record Workflow
{
    /// <summary>The path the workflow was read from, relative to the repository root where possible.</summary>
    public required string File { get; init; }

    /// <summary>`name:`, or the file path when absent (GitHub's rule).</summary>
    public required string Name { get; init; }

    public string? RunName { get; init; }

    public required ImmutableArray<Trigger> On { get; init; }

    /// <summary>`on.workflow_call` when the workflow is reusable; null otherwise.</summary>
    public WorkflowCall? Call { get; init; }

    /// <summary>`on.workflow_dispatch.inputs` (empty when absent).</summary>
    public ImmutableArray<InputDefinition> DispatchInputs { get; init; } = [];

    public TemplateMapping? Env { get; init; }

    /// <summary>
    /// `env` evaluated as a whole at run time (then <see cref="Env"/> is null): one `${{ … }}`, or a mapping with `${{ }}`
    /// keys or `${{ insert }}`.
    /// </summary>
    public TemplateNode? EnvExpression { get; init; }

    public Defaults? Defaults { get; init; }

    public Concurrency? Concurrency { get; init; }

    public TemplateNode? Permissions { get; init; }

    /// <summary>Jobs in file order.</summary>
    public required ImmutableArray<Job> Jobs { get; init; }

    public SourceSpan Span { get; init; }
}

/// <summary>One event the workflow listens to, with its filters. Filter lists are null when not given.</summary>
public sealed record Trigger(string Event, SourceSpan Span)
{
    public ImmutableArray<string>? Branches { get; init; }
    public ImmutableArray<string>? BranchesIgnore { get; init; }
    public ImmutableArray<string>? Tags { get; init; }
    public ImmutableArray<string>? TagsIgnore { get; init; }
    public ImmutableArray<string>? Paths { get; init; }
    public ImmutableArray<string>? PathsIgnore { get; init; }
    public ImmutableArray<string>? Types { get; init; }

    /// <summary>`schedule` crons; `workflows` for workflow_run.</summary>
    public ImmutableArray<string>? Cron { get; init; }
    public ImmutableArray<string>? Workflows { get; init; }
}

/// <summary>The kind of an input of workflow_dispatch or workflow_call.</summary>
public enum InputType
{
    String,
    Boolean,
    Number,
    Choice,
    Environment,
}

public sealed record InputDefinition(string Name, InputType Type, SourceSpan Span)
{
    public string? Description { get; init; }
    public bool Required { get; init; }

    /// <summary>The default as written (may contain an expression for workflow_call).</summary>
    public TemplateScalar? Default { get; init; }

    public ImmutableArray<string> Options { get; init; } = [];
}

public sealed record WorkflowCall(SourceSpan Span)
{
    public ImmutableArray<InputDefinition> Inputs { get; init; } = [];

    /// <summary>Outputs: name → value expression (`value:`).</summary>
    public ImmutableArray<WorkflowCallOutput> Outputs { get; init; } = [];

    public ImmutableArray<WorkflowCallSecret> Secrets { get; init; } = [];
}

public sealed record WorkflowCallOutput(string Name, TemplateScalar Value, string? Description);

public sealed record WorkflowCallSecret(string Name, bool Required, string? Description);

/// <summary>`defaults.run` as written; <see cref="Shell"/> and <see cref="WorkingDirectory"/> may hold `${{ }}` at job level.</summary>
public sealed record Defaults(string? Shell, string? WorkingDirectory)
{
    /// <summary>Job-level `defaults.run: ${{ … }}`: shell and working-directory from one expression, evaluated at run time.</summary>
    public TemplateScalar? RunExpression { get; init; }

    /// <summary>
    /// Job-level `defaults.run` whose `shell` or `working-directory` holds `${{ }}` (GitHub gives it the contexts github,
    /// needs, strategy, matrix, env, vars, inputs): the mapping as written, evaluated when the job starts. Null otherwise.
    /// </summary>
    public TemplateMapping? RunTemplate { get; init; }
}

public sealed record Concurrency(TemplateScalar Group, TemplateScalar? CancelInProgress);
