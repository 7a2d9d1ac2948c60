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
    private static readonly TemplateScalar Always = new("always()", true, new SourceSpan("(default post-if)", 1, 1));

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
            // Registered before main runs, as GitHub does: a failed main still gets its cleanup.
            var postName = "Post " + call.Name;
            job.State.Posts.Add(new PostStep(postName, async status =>
            {
                if (!EvaluatePhaseCondition(job, runs.PostIf, status))
                {
                    return null;
                }

                job.Emit(postName, "Post job cleanup.", LineKind.Runner);
                var outcome = await RunPhaseAsync(call, runs, runs.Post, "post", postName, inputs, state, CancellationToken.None);
                return outcome.Result == Results.Success ? ActionResult.Success : ActionResult.Fail(outcome.Message ?? "the post step failed");
            }));
        }

        return await RunPhaseAsync(call, runs, runs.Main, "main", call.LogName, inputs, state, cancellationToken);
    }

    /// <summary>
    /// Before the first step: the <c>pre</c> part of every job step whose mapped or fetched JavaScript action has one,
    /// in step order and shown as "Pre &lt;step name&gt;". (<c>./path</c> actions get no pre on GitHub either.)
    /// </summary>
    public async Task RunPreStepsAsync(JobRun job, CancellationToken cancellationToken)
    {
        for (var i = 0; i < job.Job.Steps.Length; i++)
        {
            var step = job.Job.Steps[i];
            if (step.Uses is not { } raw || ActionRegistry.IsLocal(raw.Trim()) || StepRunners.ResolveActionDirectory(job, raw.Trim()) is not { } dir
                || job.Session.LocalActions.Load(dir, job.Workspace).Action is not { Runs: NodeRuns { Pre: { } pre } runs } action)
            {
                continue;
            }

            var startedAt = job.Time.GetTimestamp();
            var stepId = step.Id ?? $"__{i}";
            var lowerEnv = job.MergedEnv();
            var scope = job.BaseScope(lowerEnv);
            string name;
            try
            {
                name = step.Name is null ? JobSteps.DefaultName(step) : job.Expressions.EvaluateString(step.Name, scope);
            }
            catch (ExpressionEvaluationException)
            {
                // The name may use contexts that exist only when the step itself runs.
                name = JobSteps.DefaultName(step);
            }

            var preName = "Pre " + name;
            var report = new StepReport { Id = "pre_" + stepId, Name = preName };
            job.State.Report.Steps.Add(report);
            StepOutcome outcome;
            try
            {
                if (!EvaluatePhaseCondition(job, runs.PreIf, job.State.Failed ? Results.Failure : job.State.Cancelled ? Results.Cancelled : Results.Success))
                {
                    report.Outcome = report.Conclusion = Results.Skipped;
                    job.Emit(preName, "skipped: its pre-if is false", LineKind.Runner);
                    continue;
                }

                job.Host.StepStarted(job.Request.Label, preName);
                var env = job.EvaluateEnv(step.Env, step.EnvExpression, lowerEnv, scope, "env");
                var call = new StepCall(job, step, stepId, preName, env, scope, null, null)
                {
                    Uses = raw.Trim(),
                    Inputs = job.EvaluateWith(step, scope),
                    ActionDirectory = dir,
                    Action = action,
                };
                var state = new Dictionary<string, string>(StringComparer.Ordinal);
                job.State.PreState[step] = state;
                outcome = await RunPhaseAsync(call, runs, pre, "pre", preName, LocalActionCalls.ResolveInputs(call, action), state, cancellationToken);
            }
            catch (ExpressionEvaluationException e)
            {
                outcome = StepOutcome.Fail(e.Message);
            }

            StepReports.Finish(job, report, preName, outcome, outcome.Result, startedAt);
        }
    }

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

    /// <summary>Evaluates a <c>pre-if</c>/<c>post-if</c> (default <c>always()</c>) against the job's status.</summary>
    private static bool EvaluatePhaseCondition(JobRun job, TemplateScalar? condition, string jobStatus)
    {
        var scope = job.BaseScope(job.State.JobEnv, includeSteps: true);
        var status = new JobStatusView(jobStatus == Results.Success, jobStatus == Results.Failure, jobStatus == Results.Cancelled);
        return job.Expressions.EvaluateCondition(condition ?? Always, new ExpressionScope(scope.Contexts, status, scope.Workspace));
    }
}
