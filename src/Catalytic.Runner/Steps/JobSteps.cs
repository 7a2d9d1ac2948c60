using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Reporting;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Steps;

/// <summary>
/// One step of the job, whatever its kind: its name, <c>if:</c>, env and timeout evaluated against the job's state,
/// run by <see cref="StepRunners"/>, continue-on-error applied, its report finished and its <c>steps</c> entry recorded.
/// </summary>
internal static class JobSteps
{
    public static async Task RunAsync(JobRun job, Step step, int index, CancellationToken cancellationToken)
    {
        var stepId = step.Id ?? $"__{index}";
        var report = new StepReport { Id = stepId };
        job.State.Report.Steps.Add(report);
        var startedAt = job.Time.GetTimestamp();
        var name = DefaultName(step);
        StepOutcome outcome;
        string conclusion;
        try
        {
            // Step env sees the job's env and what earlier steps exported; `steps` sees earlier steps.
            var lowerEnv = job.MergedEnv();
            var scope = job.BaseScope(lowerEnv, includeSteps: true);
            if (step.Name is not null)
            {
                name = job.Expressions.EvaluateString(step.Name, scope);
            }

            report.Name = name;
            if (!job.Expressions.EvaluateCondition(step.If, scope))
            {
                StepReports.Skipped(job, report, name, step.If is null ? "skipped: an earlier step failed or the run was cancelled" : $"skipped: if: {step.If.Value}");
                Record(job, step, report, new Dictionary<string, string>());
                return;
            }

            job.Host.StepStarted(job.Request.Label, name);
            var env = job.EvaluateEnv(step.Env, step.EnvExpression, lowerEnv, scope, "env");
            var stepScope = job.BaseScope(env, includeSteps: true);
            var timeout = job.EvaluateTimeout(step.TimeoutMinutes, stepScope);
            outcome = await job.Steps.RunAsync(new StepCall(job, step, stepId, name, env, stepScope, timeout, null), cancellationToken);
            conclusion = outcome.Result == Results.Failure && job.EvaluateFlag(step.ContinueOnError, stepScope) ? Results.Success : outcome.Result;
        }
        catch (Exception e) when (IsStepFailure(e))
        {
            // A program that cannot start, a folder that cannot be written, an expression that fails: the step fails, the run goes on.
            outcome = StepOutcome.Fail(e.Message);
            conclusion = Results.Failure;
        }

        StepReports.Finish(job, report, name, outcome, conclusion, startedAt);
        Record(job, step, report, outcome.Outputs);
    }

    /// <summary>The exceptions that fail a step (and not the runner): expressions, I/O, a program that cannot start.</summary>
    public static bool IsStepFailure(Exception e) =>
        e is ExpressionEvaluationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException;

    /// <summary>GitHub's default step name: "Run " and the action, or the script's first line (60 characters).</summary>
    public static string DefaultName(Step step)
    {
        if (step.Uses is not null)
        {
            return "Run " + step.Uses;
        }

        var first = step.Run?.Value.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return "Run " + (first.Length > 60 ? first[..60] + "…" : first);
    }

    /// <summary>The step's outputs into its report (masked) and, for a step with an id, its entry of the <c>steps</c> context.</summary>
    private static void Record(JobRun job, Step step, StepReport report, IReadOnlyDictionary<string, string> outputs)
    {
        foreach (var (k, v) in outputs)
        {
            report.Outputs[k] = job.Masker.Apply(v);
        }

        if (step.Id is not null)
        {
            job.State.Steps[step.Id] = StepContext(outputs, report.Outcome, report.Conclusion);
        }
    }

    /// <summary>One entry of a <c>steps</c> context.</summary>
    public static JsonObject StepContext(IReadOnlyDictionary<string, string> outputs, string? outcome, string? conclusion)
    {
        var o = new JsonObject();
        foreach (var (k, v) in outputs)
        {
            o[k] = v;
        }

        return new JsonObject { ["outputs"] = o, ["outcome"] = outcome, ["conclusion"] = conclusion };
    }
}
