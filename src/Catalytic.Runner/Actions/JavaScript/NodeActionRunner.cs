using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Steps;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Actions.JavaScript;

/// <summary>
/// A JavaScript action (<c>runs.using: node*</c>) run with a node of the major version it declares when there is one
/// (<see cref="NodeRuntimes"/>), else the host's with a warning: its <c>pre</c> part before the job's first step
/// (mapped and fetched actions only, as on GitHub), its <c>main</c> as the step, its <c>post</c> registered to run
/// after the job's steps; each phase is a process with INPUT_* and STATE_* variables.
/// </summary>
internal sealed class NodeActionRunner : IStepRunner
{
    public bool Accepts(StepCall call) => call.Action?.Runs is NodeRuns;

    public async Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken)
    {
        var job = call.Job;
        var runs = (NodeRuns)call.Action!.Runs;
        var inputs = LocalActionCalls.ResolveInputs(call, call.Action);
        var isLocal = ActionRegistry.IsLocal(call.Uses!);
        if (runs.Pre is not null && isLocal)
        {
            job.Emit(call.LogName, $"##[warning]`pre` execution is not supported for local action from '{call.Uses}'", LineKind.Runner);
        }

        // A nested action in a composite has no pre of its own here; a job step's mapped action ran it at job start.
        var state = call.Frame is null && !isLocal ? job.State.PreState.GetValueOrDefault(call.Step) ?? [] : new Dictionary<string, string>(StringComparer.Ordinal);
        if (runs.Post is not null)
        {
            ActionPhases.RegisterPost(call, runs.PostIf, postName => RunPhaseAsync(call, runs, runs.Post, "post", postName, inputs, state, CancellationToken.None));
        }

        return await RunPhaseAsync(call, runs, runs.Main, "main", call.LogName, inputs, state, cancellationToken);
    }

    /// <summary>
    /// Before the first step: the <c>pre</c> part of every job step whose mapped or fetched JavaScript action has one,
    /// in step order and shown as "Pre &lt;step name&gt;". (<c>./path</c> actions get no pre on GitHub either.)
    /// </summary>
    public Task RunPreStepsAsync(JobRun job, CancellationToken cancellationToken) => ActionPhases.RunPreStepsAsync(
        job,
        runs => runs is NodeRuns { Pre: not null } node ? (true, node.PreIf) : (false, null),
        (call, inputs, state, ct) =>
        {
            var runs = (NodeRuns)call.Action!.Runs;
            return RunPhaseAsync(call, runs, runs.Pre!, "pre", call.Name, inputs, state, ct);
        },
        cancellationToken);

    /// <summary>Runs one phase (pre, main, post) of a JavaScript action with the host's node.</summary>
    private static async Task<StepOutcome> RunPhaseAsync(
        StepCall call,
        NodeRuns runs,
        string script,
        string phase,
        string logName,
        IReadOnlyDictionary<string, string> inputs,
        Dictionary<string, string> state,
        CancellationToken cancellationToken)
    {
        var job = call.Job;
        var directory = call.ActionDirectory!;
        var target = Path.GetFullPath(Path.Combine(directory, script));
        if (!File.Exists(target))
        {
            return StepOutcome.Fail($"{call.Uses}: runs.{phase} '{script}' does not exist ({target})");
        }

        var processEnv = job.ProcessEnvironment(call.Env, call.StepId);
        foreach (var (k, v) in inputs)
        {
            // GitHub's mangling: spaces become '_', then upper case (dashes stay: INPUT_MY-INPUT).
            processEnv["INPUT_" + k.Replace(' ', '_').ToUpperInvariant()] = v;
        }

        foreach (var (k, v) in state)
        {
            processEnv["STATE_" + k] = v;
        }

        LocalActionCalls.AddActionVariables(processEnv, directory, call.Uses!);
        processEnv.Remove("NODE_ICU_DATA");
        var choice = await job.Session.NodeRuntimes.ChooseAsync(runs.Using, processEnv.GetValueOrDefault("PATH"), job.ToolCache, cancellationToken);
        if (choice.Executable is null)
        {
            return StepOutcome.Fail($"{call.Uses} is a JavaScript action (runs.using: {runs.Using}) and needs node; none was found on PATH or in the tool cache ({job.ToolCache}/node)");
        }

        // Say which node ran, and warn when it is not the major the action was written for.
        job.Emit(logName, choice.Warning is { } warning ? "##[warning]" + warning : choice.Description, LineKind.Runner);

        var node = choice.Executable;

        var spec = new ProcessSpec(node, [target], job.Workspace, processEnv);
        return await ProcessStep.RunAsync(job, spec, logName, processEnv, null, cancellationToken, state);
    }
}
