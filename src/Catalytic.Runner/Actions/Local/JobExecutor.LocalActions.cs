using System.Diagnostics;
using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Shells;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

// The local-action feature (composite and JavaScript actions, from ./path or a mapped owner/name@ref) lives with
// its folder but is part of the job executor: its steps share the job's env, PATH, file commands, masker and posts.
namespace Catalytic.Runner.Execution;

internal sealed partial class JobExecutor
{
    /// <summary>GitHub's limit on composite actions calling composite actions.</summary>
    private const int MaxCompositeDepth = 10;

    private static readonly TemplateScalar Always = new("always()", true, new SourceSpan("(default post-if)", 1, 1));

    /// <summary>State a mapped JavaScript action's <c>pre</c> saved, for its main and post parts (keyed by the job step).</summary>
    private readonly Dictionary<Step, Dictionary<string, string>> _preState = new(ReferenceEqualityComparer.Instance);

    /// <summary>The folder of a <c>./path</c> action (always relative to the workspace, as on GitHub) or of a mapped remote one.</summary>
    private string? ResolveActionDirectory(string uses) =>
        ActionRegistry.IsLocal(uses)
            ? Path.GetFullPath(Path.Combine(Options.Workspace, uses))
            : Options.ActionDirectories?.Resolve(uses);

    private string UnknownActionMessage(string uses)
    {
        var at = uses.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? uses : uses[..at];
        var parts = name.Split('/');
        var repo = parts.Length >= 2 ? parts[0] + "/" + parts[1] : name;
        var key = at < 0 ? repo : repo + uses[at..];
        return $"action '{uses}' is not available: Catalytic runs its built-in actions ({string.Join(", ", _session.Actions.Names)}) "
            + $"and local ones (uses: ./path). To run {repo} from a local copy, map it: catalytic run --action-dir {key}=PATH "
            + $"(or in catalytic.yml: actions: {{ {key}: PATH }})";
    }

    /// <summary>Runs a <c>./path</c> or mapped action: composite steps in this job, or node for a JavaScript action.</summary>
    private async Task<StepOutcome> RunLocalActionAsync(LocalActionCall call, CancellationToken cancellationToken)
    {
        var loaded = _session.LocalActions.Load(call.Directory, Options.Workspace);
        if (loaded.Action is null)
        {
            var lines = loaded.ErrorLines.ToList();
            if (lines.Count == 1)
            {
                return StepOutcome.Fail(lines[0]);
            }

            foreach (var line in lines)
            {
                Emit(call.LogName, "##[error]" + line, LineKind.Runner);
            }

            return StepOutcome.Fail($"{lines.Count} errors in the metadata of {call.Uses} (above); the first: {lines[0]}");
        }

        var action = loaded.Action;
        var inputs = ResolveActionInputs(action, call);
        switch (action.Runs)
        {
            case CompositeRuns composite:
                return await RunCompositeAsync(call, action, composite, inputs, cancellationToken);
            case NodeRuns node:
                return await RunNodeMainAsync(call, node, inputs, cancellationToken);
            default:
                return StepOutcome.Fail($"action '{call.Uses}' is a container action (runs.using: docker); Catalytic runs steps on the host and does not run container actions");
        }
    }

    /// <summary>
    /// The action's inputs: <c>with:</c> values, then defaults (evaluated now) for the rest, empty when there is none.
    /// Warns like GitHub about unexpected and deprecated inputs; a missing required input is only a warning because
    /// GitHub leaves that check to the action.
    /// </summary>
    private Dictionary<string, string> ResolveActionInputs(ActionMetadata action, LocalActionCall call)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var defined = action.Inputs.Select(i => i.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unexpected = call.Inputs.Keys.Where(k => !defined.Contains(k)).ToList();
        if (unexpected.Count > 0)
        {
            Emit(call.LogName, $"##[warning]Unexpected input(s) '{string.Join("', '", unexpected)}', valid inputs are ['{string.Join("', '", action.Inputs.Select(i => i.Name))}']", LineKind.Runner);
        }

        foreach (var (k, v) in call.Inputs)
        {
            result[k] = v;
        }

        foreach (var input in action.Inputs)
        {
            if (call.Inputs.ContainsKey(input.Name))
            {
                if (input.DeprecationMessage is { } message)
                {
                    Emit(call.LogName, $"##[warning]Input '{input.Name}' has been deprecated with message: {message}", LineKind.Runner);
                }

                result.Remove(input.Name);
                result[input.Name] = call.Inputs[input.Name];
                continue;
            }

            if (input.Default is not null)
            {
                result[input.Name] = _session.Expressions.EvaluateString(input.Default, call.Scope);
                continue;
            }

            result[input.Name] = "";
            if (input.Required)
            {
                Emit(call.LogName, $"##[warning]Input required and not supplied: {input.Name} ({call.Uses} declares it required; GitHub passes an empty value and leaves the check to the action)", LineKind.Runner);
            }
        }

        return result;
    }

    // ---- composite actions --------------------------------------------------------------------------------------

    private async Task<StepOutcome> RunCompositeAsync(LocalActionCall call, ActionMetadata action, CompositeRuns runs, Dictionary<string, string> inputs, CancellationToken cancellationToken)
    {
        var depth = (call.Frame?.Depth ?? 0) + 1;
        if (depth > MaxCompositeDepth)
        {
            return StepOutcome.Fail($"composite actions nest deeper than {MaxCompositeDepth} levels at '{call.Uses}' (GitHub's limit)");
        }

        var inputsNode = new JsonObject();
        foreach (var (k, v) in inputs)
        {
            inputsNode[k] = v;
        }

        // The calling step's own env reaches every inner step (and nested composites); inner steps' env does not leak.
        var frameEnv = new Dictionary<string, string>(call.Frame?.Env ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, _) in call.Step.Env?.Entries ?? [])
        {
            if (call.Env.TryGetValue(key.Value, out var value))
            {
                frameEnv[key.Value] = value;
            }
        }

        var frame = new CompositeFrame(call.LogName, call.Directory, call.Uses, ActionGithub(call), inputsNode, frameEnv, depth);
        StepOutcome? firstFailure = null;
        for (var i = 0; i < runs.Steps.Length; i++)
        {
            var outcome = await RunCompositeStepAsync(frame, runs.Steps[i], i, cancellationToken);
            if (outcome is null)
            {
                continue;
            }

            if (outcome.Result == Results.Cancelled)
            {
                frame.Cancelled = true;
                break;
            }

            if (outcome.Result == Results.Failure && firstFailure is null && frame.Failed)
            {
                firstFailure = outcome;
            }
        }

        // GitHub evaluates the outputs whatever happened, so a failed composite still reports what it has.
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var outputScope = FrameScope(frame, MergedFrameEnv(frame));
        foreach (var output in action.Outputs)
        {
            outputs[output.Name] = output.Value is null ? "" : _session.Expressions.EvaluateString(output.Value, outputScope);
        }

        if (frame.Cancelled || cancellationToken.IsCancellationRequested)
        {
            return new StepOutcome(Results.Cancelled, null, "the step was cancelled", outputs, frame.Tail.ToList());
        }

        return firstFailure is null
            ? new StepOutcome(Results.Success, null, null, outputs, [])
            : new StepOutcome(Results.Failure, firstFailure.ExitCode, $"{call.Uses}: step '{frame.FailedStepName}' failed" + (firstFailure.Message is { } m ? ": " + m : ""), outputs, firstFailure.Tail);
    }

    /// <summary>Runs one step of a composite; null when it was skipped by its <c>if:</c>.</summary>
    private async Task<StepOutcome?> RunCompositeStepAsync(CompositeFrame frame, Step step, int index, CancellationToken cancellationToken)
    {
        var stepId = step.Id ?? $"__{frame.Depth}_{index}";
        var name = DefaultStepName(step);
        StepOutcome outcome;
        var conclusion = Results.Failure;
        try
        {
            var lowerEnv = MergedFrameEnv(frame);
            var scope = FrameScope(frame, lowerEnv);
            if (step.Name is not null)
            {
                name = _session.Expressions.EvaluateString(step.Name, scope);
            }

            if (!_session.Expressions.EvaluateCondition(step.If, scope))
            {
                Emit(frame.LogName, $"▸ {name}: skipped" + (step.If is null ? " (an earlier step of the action failed)" : $" (if: {step.If.Value})"), LineKind.Runner);
                RecordFrameStep(frame, step, Results.Skipped, Results.Skipped, new Dictionary<string, string>());
                return null;
            }

            Emit(frame.LogName, "▸ " + name, LineKind.Runner);
            var env = EvaluateEnv(step.Env, lowerEnv, scope);
            var stepScope = FrameScope(frame, env);
            outcome = step.Uses is not null
                ? await RunActionAsync(step, stepId, name, env, stepScope, null, cancellationToken, frame)
                : await RunCompositeScriptAsync(frame, step, stepId, env, stepScope, cancellationToken);
            conclusion = outcome.Result == Results.Failure && EvaluateFlag(step.ContinueOnError, stepScope) ? Results.Success : outcome.Result;
        }
        catch (ExpressionEvaluationException e)
        {
            outcome = StepOutcome.Fail(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            outcome = StepOutcome.Fail(e.Message);
        }

        if (outcome.Result != Results.Success && outcome.Message is not null)
        {
            Emit(frame.LogName, $"##[{(conclusion == Results.Success ? "warning" : "error")}]{name}: {outcome.Message}", LineKind.Runner);
        }

        if (conclusion == Results.Failure && !frame.Failed)
        {
            frame.Failed = true;
            frame.FailedStepName = name;
        }

        foreach (var line in outcome.Tail)
        {
            frame.Remember(line);
        }

        RecordFrameStep(frame, step, outcome.Result, conclusion, outcome.Outputs);
        return outcome with { Result = conclusion == Results.Success ? Results.Success : outcome.Result };
    }

    private async Task<StepOutcome> RunCompositeScriptAsync(CompositeFrame frame, Step step, string stepId, Dictionary<string, string> env, ExpressionScope scope, CancellationToken cancellationToken)
    {
        var script = _session.Expressions.EvaluateString(step.Run!, scope);
        if (_container is { } container)
        {
            // In a container job a composite's run steps run in the container too, as on GitHub.
            var variables = ProcessEnvironment(env, stepId, container);
            frame.AddActionVariables(variables);
            var directory = step.WorkingDirectory is null
                ? Options.Workspace
                : Path.GetFullPath(Path.Combine(Options.Workspace, _session.Expressions.EvaluateString(step.WorkingDirectory, scope)));
            return await RunScriptInContainerAsync(container, script, _session.Expressions.EvaluateString(step.Shell!, scope), directory, variables, frame.LogName, null, cancellationToken);
        }

        var processEnv = ProcessEnvironment(env, stepId);
        frame.AddActionVariables(processEnv);

        // Composite run steps name their shell (the metadata parser insists), and job defaults do not apply inside.
        var shell = ShellResolver.Resolve(_session.Expressions.EvaluateString(step.Shell!, scope), processEnv.GetValueOrDefault("PATH"));
        if (shell.Command is null)
        {
            return StepOutcome.Fail(shell.Error!);
        }

        var workingDirectory = step.WorkingDirectory is null
            ? Options.Workspace
            : Path.GetFullPath(Path.Combine(Options.Workspace, _session.Expressions.EvaluateString(step.WorkingDirectory, scope)));
        if (!Directory.Exists(workingDirectory))
        {
            return StepOutcome.Fail($"working-directory '{workingDirectory}' does not exist");
        }

        var scriptPath = Path.Combine(_runnerTemp, Guid.NewGuid().ToString("N") + shell.Command.Extension);
        await File.WriteAllTextAsync(scriptPath, shell.Command.WrapScript(script), CancellationToken.None);
        var lines = script.TrimEnd('\n').Split('\n');
        Emit(frame.LogName, "Run " + lines[0], LineKind.GroupStart);
        foreach (var line in lines)
        {
            Emit(frame.LogName, line, LineKind.InGroup);
        }

        Emit(frame.LogName, "shell: " + shell.Command.DisplayName, LineKind.InGroup);
        Emit(frame.LogName, "", LineKind.GroupEnd);
        var spec = new ProcessSpec(shell.Command.Program, shell.Command.ArgumentsFor(scriptPath), workingDirectory, processEnv);
        return await RunProcessStepAsync(spec, frame.LogName, processEnv, null, cancellationToken);
    }

    /// <summary>Job env and GITHUB_ENV exports (which composite steps may add to), under the calling step's env.</summary>
    private Dictionary<string, string> MergedFrameEnv(CompositeFrame frame)
    {
        var env = MergedEnv();
        foreach (var (k, v) in frame.Env)
        {
            env[k] = v;
        }

        return env;
    }

    /// <summary>
    /// Contexts inside a composite: its own <c>inputs</c> and <c>steps</c>, <c>github.action_path</c>, and no
    /// <c>secrets</c> (GitHub passes them only as inputs). Status functions see the action's own steps.
    /// </summary>
    private ExpressionScope FrameScope(CompositeFrame frame, IReadOnlyDictionary<string, string> env)
    {
        var contexts = Contexts(env, includeSteps: false);
        contexts["github"] = frame.Github;
        contexts["inputs"] = frame.Inputs;
        contexts["steps"] = frame.Steps;
        contexts.Remove("secrets");
        contexts.Remove("needs");
        var cancelled = frame.Cancelled || _cancelled;
        return new ExpressionScope(contexts, new JobStatusView(!frame.Failed && !cancelled, frame.Failed, cancelled), Options.Workspace);
    }

    private static void RecordFrameStep(CompositeFrame frame, Step step, string outcome, string conclusion, IReadOnlyDictionary<string, string> outputs)
    {
        if (step.Id is null)
        {
            return;
        }

        var o = new JsonObject();
        foreach (var (k, v) in outputs)
        {
            o[k] = v;
        }

        frame.Steps[step.Id] = new JsonObject { ["outputs"] = o, ["outcome"] = outcome, ["conclusion"] = conclusion };
    }

    /// <summary>The <c>github</c> context an action's steps see: <c>action_path</c>, and for a mapped action its repository and ref.</summary>
    private JsonObject ActionGithub(LocalActionCall call)
    {
        var g = (JsonObject)_github.DeepClone();
        g["action_path"] = call.Directory;
        var (repository, gitRef) = RemoteParts(call.Uses);
        g["action_repository"] = repository ?? "";
        g["action_ref"] = gitRef ?? "";
        return g;
    }

    private static (string? Repository, string? Ref) RemoteParts(string uses)
    {
        if (ActionRegistry.IsLocal(uses))
        {
            return (null, null);
        }

        var at = uses.LastIndexOf('@');
        var parts = (at < 0 ? uses : uses[..at]).Split('/');
        return (parts.Length >= 2 ? parts[0] + "/" + parts[1] : null, at < 0 ? null : uses[(at + 1)..]);
    }

    // ---- JavaScript actions -------------------------------------------------------------------------------------

    private async Task<StepOutcome> RunNodeMainAsync(LocalActionCall call, NodeRuns runs, Dictionary<string, string> inputs, CancellationToken cancellationToken)
    {
        var isLocal = ActionRegistry.IsLocal(call.Uses);
        if (runs.Pre is not null && isLocal)
        {
            Emit(call.LogName, $"##[warning]`pre` execution is not supported for local action from '{call.Uses}'", LineKind.Runner);
        }

        // A nested action in a composite has no pre of its own here; a job step's mapped action ran it at job start.
        var state = call.Frame is null && !isLocal ? _preState.GetValueOrDefault(call.Step) ?? [] : new Dictionary<string, string>(StringComparer.Ordinal);
        if (runs.Post is not null)
        {
            // Registered before main runs, as GitHub does: a failed main still gets its cleanup.
            var postName = "Post " + call.Name;
            var env = call.Env;
            _posts.Add(new PostStep(postName, async status =>
            {
                if (!EvaluatePhaseCondition(runs.PostIf, status))
                {
                    return null;
                }

                Emit(postName, "Post job cleanup.", LineKind.Runner);
                var outcome = await RunNodePhaseAsync(call, runs, runs.Post, "post", postName, inputs, env, state, CancellationToken.None);
                return outcome.Result == Results.Success ? ActionResult.Success : ActionResult.Fail(outcome.Message ?? "the post step failed");
            }));
        }

        return await RunNodePhaseAsync(call, runs, runs.Main, "main", call.LogName, inputs, call.Env, state, cancellationToken);
    }

    /// <summary>Runs one phase (pre, main, post) of a JavaScript action with the host's node.</summary>
    private async Task<StepOutcome> RunNodePhaseAsync(
        LocalActionCall call,
        NodeRuns runs,
        string script,
        string phase,
        string logName,
        IReadOnlyDictionary<string, string> inputs,
        Dictionary<string, string> env,
        Dictionary<string, string> state,
        CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(Path.Combine(call.Directory, script));
        if (!File.Exists(target))
        {
            return StepOutcome.Fail($"{call.Uses}: runs.{phase} '{script}' does not exist ({target})");
        }

        var processEnv = ProcessEnvironment(env, call.StepId);
        foreach (var (k, v) in inputs)
        {
            // GitHub's mangling: spaces become '_', then upper case (dashes stay: INPUT_MY-INPUT).
            processEnv["INPUT_" + k.Replace(' ', '_').ToUpperInvariant()] = v;
        }

        foreach (var (k, v) in state)
        {
            processEnv["STATE_" + k] = v;
        }

        processEnv["GITHUB_ACTION_PATH"] = call.Directory;
        var (repository, gitRef) = RemoteParts(call.Uses);
        processEnv["GITHUB_ACTION_REPOSITORY"] = repository ?? "";
        processEnv["GITHUB_ACTION_REF"] = gitRef ?? "";
        processEnv.Remove("NODE_ICU_DATA");
        var node = Programs.FindOnPath("node", processEnv.GetValueOrDefault("PATH"));
        if (node is null)
        {
            return StepOutcome.Fail($"{call.Uses} is a JavaScript action (runs.using: {runs.Using}) and needs node on PATH; none was found");
        }

        var spec = new ProcessSpec(node, [target], Options.Workspace, processEnv);
        return await RunProcessStepAsync(spec, logName, processEnv, null, cancellationToken, state);
    }

    /// <summary>Evaluates a <c>pre-if</c>/<c>post-if</c> (default <c>always()</c>) against the job's status.</summary>
    private bool EvaluatePhaseCondition(TemplateScalar? condition, string jobStatus)
    {
        var scope = BaseScope(_jobEnv, includeSteps: true);
        var status = new JobStatusView(jobStatus == Results.Success, jobStatus == Results.Failure, jobStatus == Results.Cancelled);
        return _session.Expressions.EvaluateCondition(condition ?? Always, new ExpressionScope(scope.Contexts, status, scope.Workspace));
    }

    /// <summary>
    /// Before the first step: the <c>pre</c> part of every job step whose mapped JavaScript action has one, in step
    /// order and shown as "Pre &lt;step name&gt;". (<c>./path</c> actions get no pre on GitHub either.)
    /// </summary>
    private async Task RunPreStepsAsync(CancellationToken cancellationToken)
    {
        if (Options.ActionDirectories is null)
        {
            return;
        }

        for (var i = 0; i < Job.Steps.Length; i++)
        {
            var step = Job.Steps[i];
            if (step.Uses is not { } raw || ActionRegistry.IsLocal(raw.Trim()) || Options.ActionDirectories.Resolve(raw.Trim()) is not { } dir
                || _session.LocalActions.Load(dir, Options.Workspace).Action is not { Runs: NodeRuns { Pre: { } pre } runs } action)
            {
                continue;
            }

            var clock = Stopwatch.StartNew();
            var stepId = step.Id ?? $"__{i}";
            var lowerEnv = MergedEnv();
            var scope = BaseScope(lowerEnv);
            string name;
            try
            {
                name = step.Name is null ? DefaultStepName(step) : _session.Expressions.EvaluateString(step.Name, scope);
            }
            catch (ExpressionEvaluationException)
            {
                // The name may use contexts that exist only when the step itself runs.
                name = DefaultStepName(step);
            }

            var preName = "Pre " + name;
            var report = new StepReport { Id = "pre_" + stepId, Name = preName };
            _report.Steps.Add(report);
            StepOutcome outcome;
            try
            {
                if (!EvaluatePhaseCondition(runs.PreIf, _failed ? Results.Failure : _cancelled ? Results.Cancelled : Results.Success))
                {
                    report.Outcome = report.Conclusion = Results.Skipped;
                    Emit(preName, "skipped: its pre-if is false", LineKind.Runner);
                    continue;
                }

                _session.Listener.StepStarted(_request.Label, preName);
                var env = EvaluateEnv(step.Env, step.EnvExpression, lowerEnv, scope, "env");
                var given = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                if (step.WithExpression is { } whole)
                {
                    foreach (var (key, value) in EvaluateWholeMapping(_session.Expressions, whole, scope, "with"))
                    {
                        given[key] = value;
                    }
                }

                foreach (var (key, value) in step.With?.Entries ?? [])
                {
                    given[key.Value] = value is TemplateScalar s ? _session.Expressions.EvaluateString(s, scope) : Stringify(_session.Expressions.Evaluate(value, scope));
                }

                var call = new LocalActionCall(step, stepId, name, preName, raw.Trim(), dir, given, env, scope, null);
                var state = new Dictionary<string, string>(StringComparer.Ordinal);
                _preState[step] = state;
                outcome = await RunNodePhaseAsync(call, runs, pre, "pre", preName, ResolveActionInputs(action, call), env, state, cancellationToken);
            }
            catch (ExpressionEvaluationException e)
            {
                outcome = StepOutcome.Fail(e.Message);
            }

            report.Outcome = report.Conclusion = outcome.Result;
            report.ExitCode = outcome.ExitCode;
            report.Message = outcome.Message is null ? null : _session.Masker.Apply(outcome.Message);
            report.DurationMs = clock.Elapsed.TotalMilliseconds;
            report.Tail = outcome.Result == Results.Failure ? outcome.Tail.Select(_session.Masker.Apply).ToList() : [];
            if (outcome.Message is not null && outcome.Result != Results.Success)
            {
                Emit(preName, "##[error]" + outcome.Message, LineKind.Runner);
            }

            Emit(preName, $"{outcome.Result} in {ConsoleRunListener.Format(clock.Elapsed)}", LineKind.Runner);
            _failed |= outcome.Result == Results.Failure;
            _cancelled |= outcome.Result == Results.Cancelled;
        }
    }

    /// <summary>One call of a local or mapped action: the calling step, its evaluated <c>with</c> and env, and where it runs.</summary>
    private sealed record LocalActionCall(
        Step Step,
        string StepId,
        string Name,
        string LogName,
        string Uses,
        string Directory,
        IReadOnlyDictionary<string, string> Inputs,
        Dictionary<string, string> Env,
        ExpressionScope Scope,
        CompositeFrame? Frame);

    /// <summary>The state of one running composite action: its steps context, status, env and the lines of its failure.</summary>
    private sealed class CompositeFrame(string logName, string actionPath, string uses, JsonObject github, JsonObject inputs, Dictionary<string, string> env, int depth)
    {
        private readonly Queue<string> _tail = new();

        /// <summary>The job step's name every inner line is tagged with.</summary>
        public string LogName { get; } = logName;

        public string ActionPath { get; } = actionPath;

        public string Uses { get; } = uses;

        public JsonObject Github { get; } = github;

        public JsonObject Inputs { get; } = inputs;

        public JsonObject Steps { get; } = [];

        /// <summary>The calling step's own env (and its callers'), laid over the job's env for every inner step.</summary>
        public Dictionary<string, string> Env { get; } = env;

        public int Depth { get; } = depth;

        public bool Failed { get; set; }

        public bool Cancelled { get; set; }

        public string? FailedStepName { get; set; }

        public IEnumerable<string> Tail => _tail;

        public void Remember(string line)
        {
            if (_tail.Count >= 20)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(line);
        }

        public void AddActionVariables(Dictionary<string, string> processEnv)
        {
            processEnv["GITHUB_ACTION_PATH"] = ActionPath;
            var (repository, gitRef) = RemoteParts(Uses);
            processEnv["GITHUB_ACTION_REPOSITORY"] = repository ?? "";
            processEnv["GITHUB_ACTION_REF"] = gitRef ?? "";
        }
    }
}
