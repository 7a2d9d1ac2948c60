using System.Text.Json.Nodes;
using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Execution;
using Catalytic.Runner.FileCommands;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Services;
using Catalytic.Runner.Steps;
using Catalytic.Workflows.Actions;

namespace Catalytic.Runner.Actions.Container;

/// <summary>
/// A container action through podman, as GitHub's runner runs it with docker: a <c>uses: docker://IMAGE</c> step
/// (its <c>with:</c> as INPUT_*, <c>with.entrypoint</c> and <c>with.args</c> in place of the image's) or an action
/// with <c>runs.using: docker</c> (<c>image:</c> a Dockerfile, built by <see cref="ContainerActionImage"/>, or
/// docker://IMAGE; <c>entrypoint</c>, <c>args</c> and <c>env</c> evaluated with the <c>inputs</c> context;
/// <c>pre-entrypoint</c> before the job's steps and <c>post-entrypoint</c> after them, in the same image).
/// Each phase is one <c>podman run --rm</c> (<see cref="ContainerActionInvocation"/>); its exit code is the step's.
/// </summary>
internal sealed class ContainerActionRunner : IStepRunner
{
    public bool Accepts(StepCall call) =>
        call.Action?.Runs is DockerRuns || (call.Action is null && call.Uses?.StartsWith("docker://", StringComparison.Ordinal) == true);

    public async Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken)
    {
        var job = call.Job;
        if (call.Action is not { Runs: DockerRuns runs } action)
        {
            // `uses: docker://IMAGE`: no metadata; GitHub reads the entrypoint and the arguments from `with:`.
            var inputs = new Dictionary<string, string>(call.Inputs, StringComparer.OrdinalIgnoreCase);
            var entrypoint = inputs.GetValueOrDefault("entrypoint") is { Length: > 0 } e ? e : null;
            var args = inputs.GetValueOrDefault("args") is { Length: > 0 } a ? ServiceOptions.Tokenize(a) : [];
            return await RunPhaseAsync(call, call.Uses!, entrypoint, args, new Dictionary<string, string>(), inputs, call.LogName, null, cancellationToken);
        }

        var resolved = LocalActionCalls.ResolveInputs(call, action);
        var isLocal = ActionRegistry.IsLocal(call.Uses!);
        if (runs.PreEntrypoint is not null && isLocal)
        {
            job.Emit(call.LogName, $"##[warning]`pre` execution is not supported for local action from '{call.Uses}'", LineKind.Runner);
        }

        var state = call.Frame is null && !isLocal ? job.State.PreState.GetValueOrDefault(call.Step) ?? [] : new Dictionary<string, string>(StringComparer.Ordinal);
        if (runs.PostEntrypoint is not null)
        {
            ActionPhases.RegisterPost(call, runs.PostIf, postName => RunActionPhaseAsync(call, runs, runs.PostEntrypoint, resolved, postName, state, CancellationToken.None));
        }

        return await RunActionPhaseAsync(call, runs, runs.Entrypoint, resolved, call.LogName, state, cancellationToken);
    }

    /// <summary>Before the first step: the <c>pre-entrypoint</c> of every job step whose mapped or fetched container action has one.</summary>
    public Task RunPreStepsAsync(JobRun job, CancellationToken cancellationToken) => ActionPhases.RunPreStepsAsync(
        job,
        runs => runs is DockerRuns { PreEntrypoint: not null } docker ? (true, docker.PreIf) : (false, null),
        (call, inputs, state, ct) =>
        {
            var runs = (DockerRuns)call.Action!.Runs;
            return RunActionPhaseAsync(call, runs, runs.PreEntrypoint, inputs, call.Name, state, ct);
        },
        cancellationToken);

    /// <summary>One phase of an action with metadata: its args and env evaluated with the <c>inputs</c> context.</summary>
    private static Task<StepOutcome> RunActionPhaseAsync(
        StepCall call, DockerRuns runs, string? entrypoint, IReadOnlyDictionary<string, string> inputs, string logName, Dictionary<string, string> state, CancellationToken cancellationToken)
    {
        var inputsNode = new JsonObject();
        foreach (var (k, v) in inputs)
        {
            inputsNode[k] = v;
        }

        var contexts = new Dictionary<string, JsonNode?>(call.Scope.Contexts, StringComparer.Ordinal) { ["inputs"] = inputsNode };
        var scope = new ExpressionScope(contexts, call.Scope.Status, call.Scope.Workspace);
        var args = runs.Args.Select(a => call.Job.Expressions.EvaluateString(a, scope)).ToList();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in runs.Env?.Entries ?? [])
        {
            env[key.Value] = value is Workflows.Model.TemplateScalar s ? call.Job.Expressions.EvaluateString(s, scope) : "";
        }

        return RunPhaseAsync(call, runs.Image, entrypoint, args, env, inputs, logName, state, cancellationToken);
    }

    private static async Task<StepOutcome> RunPhaseAsync(
        StepCall call,
        string image,
        string? entrypoint,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string> actionEnv,
        IReadOnlyDictionary<string, string> inputs,
        string logName,
        Dictionary<string, string>? state,
        CancellationToken cancellationToken)
    {
        var job = call.Job;
        if (ContainerActionInvocation.FindPodman(job) is not { } executable)
        {
            return StepOutcome.Fail($"{call.Uses} is a container action and needs podman, which is not installed (no `podman` on PATH): install it (Debian: apt-get install podman)");
        }

        var podman = new Podman(executable);
        var (resolved, error) = await ContainerActionImage.ResolveAsync(job, podman, logName, call.ActionDirectory, image, cancellationToken);
        if (resolved is null)
        {
            return StepOutcome.Fail($"{call.Uses}: {error}");
        }

        // The step's environment without the runner's own (as on GitHub): GitHub's variables, the contexts' env,
        // the action's env, then the inputs; paths rewritten to where the container sees them.
        var variables = job.ProcessEnvironment(call.Env, call.StepId, isolated: true);
        foreach (var (k, v) in actionEnv)
        {
            variables[k] = v;
        }

        foreach (var (k, v) in inputs)
        {
            variables["INPUT_" + k.Replace(' ', '_').ToUpperInvariant()] = v;
        }

        foreach (var (k, v) in state ?? [])
        {
            variables["STATE_" + k] = v;
        }

        if (call.ActionDirectory is { } directory)
        {
            LocalActionCalls.AddActionVariables(variables, directory, call.Uses!);
        }

        var files = FileCommandSet.Create(job.State.RunnerTemp);
        var invocation = ContainerActionInvocation.Create(job, podman, resolved, entrypoint, args, variables, files);
        job.Emit(logName, invocation.Display, LineKind.Runner);
        var spec = new ProcessSpec(executable, invocation.Args, job.Workspace, invocation.PodmanEnvironment);
        return await ProcessStep.RunAsync(
            job,
            spec,
            logName,
            invocation.PodmanEnvironment,
            null,
            cancellationToken,
            state,
            files,
            afterExit: exit => exit.Cancelled || exit.TimedOut ? podman.RemoveAsync(invocation.Name) : Task.CompletedTask);
    }
}
