using System.Text.Json.Nodes;
using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Steps;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Actions.Composite;

/// <summary>
/// A composite action (<c>runs.using: composite</c>): its steps run in this job, one by one through
/// <see cref="StepRunners"/> (scripts on the host or in the job's container, nested actions), with the action's own
/// <c>inputs</c>, <c>steps</c> context and status; its outputs are evaluated at the end, whatever happened.
/// </summary>
internal sealed class CompositeActionRunner : IStepRunner
{
    /// <summary>GitHub's limit on composite actions calling composite actions.</summary>
    private const int MaxDepth = 10;

    public bool Accepts(StepCall call) => call.Action?.Runs is CompositeRuns;

    public async Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken)
    {
        var job = call.Job;
        var action = call.Action!;
        var runs = (CompositeRuns)action.Runs;
        var inputs = LocalActionCalls.ResolveInputs(call, action);
        var depth = (call.Frame?.Depth ?? 0) + 1;
        if (depth > MaxDepth)
        {
            return StepOutcome.Fail($"composite actions nest deeper than {MaxDepth} levels at '{call.Uses}' (GitHub's limit)");
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

        var frame = new CompositeFrame(call.LogName, call.ActionDirectory!, call.Uses!, LocalActionCalls.ActionGithub(job.State.Github, call.ActionDirectory!, call.Uses!), inputsNode, frameEnv, depth);
        StepOutcome? firstFailure = null;
        for (var i = 0; i < runs.Steps.Length; i++)
        {
            var outcome = await RunStepAsync(job, frame, runs.Steps[i], i, cancellationToken);
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
        var outputScope = Scope(job, frame, MergedEnv(job, frame));
        foreach (var output in action.Outputs)
        {
            outputs[output.Name] = output.Value is null ? "" : job.Expressions.EvaluateString(output.Value, outputScope);
        }

        if (frame.Cancelled || cancellationToken.IsCancellationRequested)
        {
            return StepOutcome.Cancelled(outputs, frame.Tail.ToList());
        }

        return firstFailure is null
            ? new StepOutcome(Results.Success, null, null, outputs, [])
            : new StepOutcome(Results.Failure, firstFailure.ExitCode, $"{call.Uses}: step '{frame.FailedStepName}' failed" + (firstFailure.Message is { } m ? ": " + m : ""), outputs, firstFailure.Tail);
    }

    /// <summary>Runs one step of a composite; null when it was skipped by its <c>if:</c>.</summary>
    private static async Task<StepOutcome?> RunStepAsync(JobRun job, CompositeFrame frame, Step step, int index, CancellationToken cancellationToken)
    {
        var stepId = step.Id ?? $"__{frame.Depth}_{index}";
        var name = JobSteps.DefaultName(step);
        StepOutcome outcome;
        var conclusion = Results.Failure;
        try
        {
            var lowerEnv = MergedEnv(job, frame);
            var scope = Scope(job, frame, lowerEnv);
            if (step.Name is not null)
            {
                name = job.Expressions.EvaluateString(step.Name, scope);
            }

            if (!job.Expressions.EvaluateCondition(step.If, scope))
            {
                job.Emit(frame.LogName, $"▸ {name}: skipped" + (step.If is null ? " (an earlier step of the action failed)" : $" (if: {step.If.Value})"), LineKind.Runner);
                Record(frame, step, Results.Skipped, Results.Skipped, new Dictionary<string, string>());
                return null;
            }

            job.Emit(frame.LogName, "▸ " + name, LineKind.Runner);
            var env = job.EvaluateEnv(step.Env, lowerEnv, scope);
            var stepScope = Scope(job, frame, env);
            outcome = await job.Steps.RunAsync(new StepCall(job, step, stepId, name, env, stepScope, null, frame), cancellationToken);
            conclusion = outcome.Result == Results.Failure && job.EvaluateFlag(step.ContinueOnError, stepScope) ? Results.Success : outcome.Result;
        }
        catch (Exception e) when (JobSteps.IsStepFailure(e))
        {
            outcome = StepOutcome.Fail(e.Message);
        }

        if (outcome.Result != Results.Success && outcome.Message is not null)
        {
            job.Emit(frame.LogName, $"##[{(conclusion == Results.Success ? "warning" : "error")}]{name}: {outcome.Message}", LineKind.Runner);
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

        Record(frame, step, outcome.Result, conclusion, outcome.Outputs);
        return outcome with { Result = conclusion == Results.Success ? Results.Success : outcome.Result };
    }

    /// <summary>Job env and GITHUB_ENV exports (which composite steps may add to), under the calling step's env.</summary>
    private static Dictionary<string, string> MergedEnv(JobRun job, CompositeFrame frame)
    {
        var env = job.MergedEnv();
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
    private static ExpressionScope Scope(JobRun job, CompositeFrame frame, IReadOnlyDictionary<string, string> env)
    {
        var contexts = job.Contexts(env, includeSteps: false);
        contexts["github"] = frame.Github;
        contexts["inputs"] = frame.Inputs;
        contexts["steps"] = frame.Steps;
        contexts.Remove("secrets");
        contexts.Remove("needs");
        var cancelled = frame.Cancelled || job.State.Cancelled;
        return new ExpressionScope(contexts, new JobStatusView(!frame.Failed && !cancelled, frame.Failed, cancelled), job.Workspace);
    }

    private static void Record(CompositeFrame frame, Step step, string outcome, string conclusion, IReadOnlyDictionary<string, string> outputs)
    {
        if (step.Id is not null)
        {
            frame.Steps[step.Id] = JobSteps.StepContext(outputs, outcome, conclusion);
        }
    }
}
