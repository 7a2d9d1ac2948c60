using Catalytic.Runner.Actions.Composite;
using Catalytic.Runner.Execution;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Steps;

/// <summary>
/// One step about to run: the step, its evaluated name and env, the scope its expressions see, its timeout, and the
/// composite action it belongs to (null for a job step). For a <c>uses:</c> step also its evaluated <c>with</c> and,
/// for a local or mapped action, its folder and metadata.
/// </summary>
internal sealed record StepCall(
    JobRun Job,
    Step Step,
    string StepId,
    string Name,
    Dictionary<string, string> Env,
    ExpressionScope Scope,
    TimeSpan? Timeout,
    CompositeFrame? Frame)
{
    /// <summary>The name every line of the step is tagged with: inside a composite action, the job step that called it.</summary>
    public string LogName => Frame?.LogName ?? Name;

    /// <summary>The trimmed <c>uses:</c>; null for a <c>run:</c> step.</summary>
    public string? Uses { get; init; }

    /// <summary>The evaluated <c>with:</c> of a <c>uses:</c> step, keyed case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();

    /// <summary>The folder of a <c>./path</c> or mapped action; null for other steps.</summary>
    public string? ActionDirectory { get; init; }

    /// <summary>The metadata (action.yml) of the action in <see cref="ActionDirectory"/>, once read.</summary>
    public ActionMetadata? Action { get; init; }
}
