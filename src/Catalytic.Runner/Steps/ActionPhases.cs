using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Steps;

/// <summary>
/// The pre and post parts JavaScript and container actions share: which job steps get a pre part (mapped and fetched
/// actions only; GitHub gives <c>./path</c> actions none), its "Pre &lt;step name&gt;" report, and the
/// <c>pre-if</c>/<c>post-if</c> conditions (default <c>always()</c>).
/// </summary>
internal static class ActionPhases
{
    private static readonly TemplateScalar Always = new("always()", true, new SourceSpan("(default post-if)", 1, 1));

    /// <summary>
    /// Before the first step: for every job step whose mapped or fetched action has a pre part
    /// (<paramref name="preIf"/> answers whether it has one, and its condition), in step order, runs
    /// <paramref name="run"/> as "Pre &lt;step name&gt;" with the step's inputs and a state its later phases read.
    /// </summary>
    public static async Task RunPreStepsAsync(
        JobRun job,
        Func<ActionRuns, (bool HasPre, TemplateScalar? PreIf)> preIf,
        Func<StepCall, IReadOnlyDictionary<string, string>, Dictionary<string, string>, CancellationToken, Task<StepOutcome>> run,
        CancellationToken cancellationToken)
    {
        for (var i = 0; i < job.Job.Steps.Length; i++)
        {
            var step = job.Job.Steps[i];
            if (step.Uses is not { } raw || ActionRegistry.IsLocal(raw.Trim()) || StepRunners.ResolveActionDirectory(job, raw.Trim()) is not { } dir
                || job.Session.LocalActions.Load(dir, job.Workspace).Action is not { } action
                || preIf(action.Runs) is not (true, var condition))
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
                if (!EvaluateCondition(job, condition, job.State.Failed ? Results.Failure : job.State.Cancelled ? Results.Cancelled : Results.Success))
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
                outcome = await run(call, LocalActionCalls.ResolveInputs(call, action), state, cancellationToken);
            }
            catch (ExpressionEvaluationException e)
            {
                outcome = StepOutcome.Fail(e.Message);
            }

            StepReports.Finish(job, report, preName, outcome, outcome.Result, startedAt);
        }
    }

    /// <summary>
    /// Registers an action's post part (before its main part runs, as GitHub does: a failed main still gets its
    /// cleanup) as "Post &lt;step name&gt;", run after the job's steps when <paramref name="postIf"/> holds.
    /// </summary>
    public static void RegisterPost(StepCall call, TemplateScalar? postIf, Func<string, Task<StepOutcome>> run)
    {
        var job = call.Job;
        var postName = "Post " + call.Name;
        job.State.Posts.Add(new PostStep(postName, async status =>
        {
            if (!EvaluateCondition(job, postIf, status))
            {
                return null;
            }

            job.Emit(postName, "Post job cleanup.", LineKind.Runner);
            var outcome = await run(postName);
            return outcome.Result == Results.Success ? Actions.ActionResult.Success : Actions.ActionResult.Fail(outcome.Message ?? "the post step failed");
        }));
    }

    /// <summary>Evaluates a <c>pre-if</c>/<c>post-if</c> (default <c>always()</c>) against the job's status.</summary>
    private static bool EvaluateCondition(JobRun job, TemplateScalar? condition, string jobStatus)
    {
        var scope = job.BaseScope(job.State.JobEnv, includeSteps: true);
        var status = new JobStatusView(jobStatus == Results.Success, jobStatus == Results.Failure, jobStatus == Results.Cancelled);
        return job.Expressions.EvaluateCondition(condition ?? Always, new ExpressionScope(scope.Contexts, status, scope.Workspace));
    }
}
