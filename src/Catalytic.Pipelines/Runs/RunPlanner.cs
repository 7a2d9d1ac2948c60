using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Pipelines.Environments;
using Catalytic.Pipelines.Queue;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Scheduling;
using Catalytic.Workflows.Model;

namespace Catalytic.Pipelines.Runs;

/// <summary>A workflow job's legs taken together, as a job that needs it sees them (the runner's rule).</summary>
internal sealed record NeedSummary(string Result, Dictionary<string, string> Outputs, bool AncestorFailed);

/// <summary>
/// Plans a run's jobs from its stored state, as the runner's scheduler would at the same point: each workflow job whose
/// <c>needs</c> have all ended gets its <c>needs</c> context, its <c>if:</c> (with the status functions), its strategy
/// and matrix expanded now, and one row per leg — queued, waiting for its concurrency group or for an approval of its
/// environment — or one row saying why it will not run. The decisions are the runner's (<see cref="JobPlanning"/>);
/// only where the state lives differs.
/// </summary>
internal static class RunPlanner
{
    /// <summary>The rows to add to <paramref name="jobs"/> (repeated until no workflow job becomes ready).</summary>
    public static List<JobRecord> Plan(RunContext context, IReadOnlyList<JobRecord> jobs, EnvironmentRules rules, IExpressionEngine expressions, string workspace, DateTimeOffset now)
    {
        var workflow = context.Workflow ?? throw new InvalidOperationException("an invalid workflow has no jobs to plan");
        var all = jobs.ToList();
        var added = new List<JobRecord>();
        var ids = workflow.Jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        bool progress;
        do
        {
            progress = false;
            foreach (var job in workflow.Jobs)
            {
                if (all.Any(j => j.JobId == job.Id) || !job.Needs.Where(ids.Contains).All(n => Done(all, n)))
                {
                    continue;
                }

                var legs = PlanJob(context, job, all, workflow, rules, expressions, workspace, now);
                all.AddRange(legs);
                added.AddRange(legs);
                progress = true;
            }
        }
        while (progress);

        return added;
    }

    /// <summary>Whether every workflow job has rows and every row has ended.</summary>
    public static bool AllDone(Workflow workflow, IReadOnlyList<JobRecord> jobs) => workflow.Jobs.All(j => Done(jobs, j.Id));

    /// <summary>The run's conclusion once <see cref="AllDone"/>: failure, else cancelled, else success (the runner's order).</summary>
    public static string Conclude(RunRecord run, IReadOnlyList<JobRecord> jobs) =>
        jobs.Any(j => j.Conclusion == Conclusions.Failure) ? Conclusions.Failure
        : jobs.Any(j => j.Conclusion == Conclusions.Cancelled) || run.CancelRequested ? Conclusions.Cancelled
        : Conclusions.Success;

    /// <summary>The rows of workflow job <paramref name="jobId"/> taken together.</summary>
    public static NeedSummary Summarize(IReadOnlyList<JobRecord> jobs, string jobId, Workflow workflow)
    {
        var rows = jobs.Where(j => j.JobId == jobId).OrderBy(j => j.Leg).ToList();
        var result = rows.Any(r => r.Conclusion == Conclusions.Failure) ? Conclusions.Failure
            : rows.Any(r => r.Conclusion == Conclusions.Cancelled) ? Conclusions.Cancelled
            : rows.All(r => r.Conclusion == Conclusions.Skipped) ? Conclusions.Skipped
            : Conclusions.Success;
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            foreach (var (k, v) in Outputs(row))
            {
                // The runner's merge of a matrix's outputs: a non-empty value wins over an empty one, the last leg over earlier ones.
                if (v.Length > 0 || !outputs.ContainsKey(k))
                {
                    outputs[k] = v;
                }
            }
        }

        var job = workflow.Jobs.FirstOrDefault(j => j.Id == jobId);
        var ancestorFailed = job is not null && job.Needs.Any(n => workflow.Jobs.Any(w => w.Id == n)
            && Summarize(jobs, n, workflow) is var s && (s.Result == Conclusions.Failure || s.AncestorFailed));
        return new NeedSummary(result, outputs, ancestorFailed);
    }

    /// <summary>A row's stored outputs.</summary>
    public static Dictionary<string, string> Outputs(JobRecord row) =>
        row.Outputs is { Length: > 0 } json
            ? JsonSerializer.Deserialize(json, RunJson.Default.DictionaryStringString) ?? []
            : [];

    /// <summary>The status a leg takes when it may go on (past its concurrency group): waiting for an approval, or queued.</summary>
    public static string ReadyStatus(string? environment, EnvironmentRules rules) =>
        environment is not null && rules.Find(environment) is { RequiredApproval: true } ? JobStatuses.Waiting : JobStatuses.Queued;

    private static bool Done(IReadOnlyList<JobRecord> jobs, string jobId)
    {
        var any = false;
        foreach (var j in jobs)
        {
            if (j.JobId == jobId)
            {
                if (!j.IsTerminal)
                {
                    return false;
                }

                any = true;
            }
        }

        return any;
    }

    private static bool UsesStatusFunction(string condition)
    {
        var text = condition.Trim();
        if (text.StartsWith("${{", StringComparison.Ordinal) && text.EndsWith("}}", StringComparison.Ordinal))
        {
            text = text[3..^2];
        }

        // Unreadable: the condition itself stays the reason.
        var parsed = Catalytic.Workflows.Expressions.ParsedExpression.Parse(text);
        return parsed.SyntaxError is not null || parsed.UsesStatusFunction;
    }

    private static List<JobRecord> PlanJob(RunContext context, Job job, IReadOnlyList<JobRecord> jobs, Workflow workflow, EnvironmentRules rules, IExpressionEngine expressions, string workspace, DateTimeOffset now)
    {
        var run = context.Run;
        var needs = new JsonObject();
        var allSucceeded = true;
        var ancestorFailed = false;
        string? blocking = null;
        foreach (var id in job.Needs.Where(n => workflow.Jobs.Any(w => w.Id == n)))
        {
            var s = Summarize(jobs, id, workflow);
            var outputs = new JsonObject();
            foreach (var (k, v) in s.Outputs)
            {
                outputs[k] = v;
            }

            needs[id] = new JsonObject { ["result"] = s.Result, ["outputs"] = outputs };
            if (s.Result != Conclusions.Success)
            {
                allSucceeded = false;
                blocking ??= $"needs '{id}' ended {s.Result}";
            }

            ancestorFailed |= s.AncestorFailed || s.Result == Conclusions.Failure;
        }

        var baseRow = new JobRecord
        {
            RunId = run.Id,
            RunAttempt = run.Attempt,
            JobId = job.Id,
            Key = job.Id,
            // A job that ends before it starts (skipped) shows its name too, as on GitHub, when the name is plain text.
            Label = job.Name is { } name && !name.Value.Contains("${{", StringComparison.Ordinal) ? name.Value : job.Id,
            CreatedAt = now,
        };
        List<JobRecord> Ended(string conclusion, string reason) =>
            [baseRow with { Status = JobStatuses.Completed, Conclusion = conclusion, Reason = reason, FinishedAt = now }];

        var cancelled = run.CancelRequested;
        var status = new JobStatusView(allSucceeded && !cancelled, ancestorFailed, cancelled);
        var contexts = JobPlanning.Contexts(context.Github, [], context.Inputs, needs);
        bool shouldRun;
        try
        {
            shouldRun = JobPlanning.ShouldRun(expressions, job, contexts, status, workspace);
        }
        catch (ExpressionEvaluationException e)
        {
            return Ended(Conclusions.Failure, e.Message);
        }

        if (!shouldRun)
        {
            // An if: without a status function holds an implicit success() (GitHub's rule): when a need did not succeed, that is why.
            var why = job.If is { } condition && (allSucceeded || UsesStatusFunction(condition.Value))
                ? $"if: {condition.Value} was false"
                : cancelled ? "the run was cancelled" : blocking ?? "skipped";
            return Ended(Conclusions.Skipped, why);
        }

        if (job.Uses is not null)
        {
            return Ended(Conclusions.Failure,
                $"{job.UsesSpan}: job '{job.Id}' calls the reusable workflow '{job.Uses}'; the server does not run reusable workflows yet (catalytic run does)");
        }

        PlannedStrategy strategy;
        try
        {
            strategy = JobPlanning.Strategy(expressions, job, contexts, status, workspace);
        }
        catch (ExpressionEvaluationException e)
        {
            return Ended(Conclusions.Failure, e.Message);
        }

        if (strategy.Error is not null)
        {
            return Ended(Conclusions.Failure, strategy.Error);
        }

        if (strategy.Matrices.Count == 0)
        {
            return Ended(Conclusions.Failure, $"{job.Strategy?.Span}: job '{job.Id}': the matrix has no combinations");
        }

        var legs = new List<JobRecord>();
        var total = strategy.Matrices.Count;
        for (var i = 0; i < total; i++)
        {
            var matrix = strategy.Matrices[i];
            var strategyContext = strategy.Context(i);
            var legContexts = JobPlanning.Contexts(context.Github, [], context.Inputs, needs, matrix, strategyContext);
            var label = JobPlanning.Label(expressions, job, matrix, legContexts, workspace);
            var row = baseRow with
            {
                Key = total > 1 ? $"{job.Id}.{i + 1}" : job.Id,
                Leg = i,
                LegCount = total,
                Label = label,
                MaxParallel = strategy.MaxParallel,
                FailFast = strategy.FailFast,
            };
            legs.Add(PlanLeg(context, job, row, matrix, strategyContext, needs, legContexts, rules, expressions, workspace, now));
        }

        return legs;
    }

    private static JobRecord PlanLeg(
        RunContext context,
        Job job,
        JobRecord row,
        JsonObject? matrix,
        JsonObject strategyContext,
        JsonObject needs,
        Dictionary<string, JsonNode?> contexts,
        EnvironmentRules rules,
        IExpressionEngine expressions,
        string workspace,
        DateTimeOffset now)
    {
        JobRecord Ended(string conclusion, string reason) =>
            row with { Status = JobStatuses.Completed, Conclusion = conclusion, Reason = reason, FinishedAt = now };

        var scope = new ExpressionScope(contexts, new JobStatusView(true, false, false), workspace);
        ImmutableArray<string> labels;
        string? environment = null;
        string? group = null;
        var cancelInProgress = false;
        try
        {
            var (read, error) = RunsOnLabels.From(job.RunsOn is null ? null : expressions.Evaluate(job.RunsOn, scope));
            if (error is not null)
            {
                return Ended(Conclusions.Failure, $"{job.RunsOn!.Span}: {error}");
            }

            labels = read;
            if (job.Environment is { } env)
            {
                environment = expressions.Evaluate(env, scope) switch
                {
                    JsonObject o => JobPlanning.Stringify(o["name"]),
                    var v => JobPlanning.Stringify(v),
                };
                environment = environment.Trim().Length == 0 ? null : environment.Trim();
            }

            if (job.Concurrency is { } concurrency)
            {
                var (g, cancel) = JobPlanning.Concurrency(expressions, concurrency, contexts, workspace);
                group = g.Length == 0 ? null : g.ToLowerInvariant();
                cancelInProgress = cancel;
            }
        }
        catch (ExpressionEvaluationException e)
        {
            return Ended(Conclusions.Failure, e.Message);
        }

        if (group is not null && group == context.Run.ConcurrencyGroup)
        {
            return Ended(Conclusions.Cancelled, $"Canceling since a deadlock for concurrency group '{group}' was detected between 'top level workflow' and '{job.Id}'");
        }

        if (environment is not null && rules.Find(environment)?.RefRefusal(context.Run.Ref) is { } refused)
        {
            return Ended(Conclusions.Failure, refused);
        }

        var spec = context.Spec(job, row.Label, matrix, strategyContext, needs, row.Key + ".log");
        var status = group is not null ? JobStatuses.Pending : ReadyStatus(environment, rules);
        return row with
        {
            Status = status,
            RunsOn = labels,
            Environment = environment,
            ConcurrencyGroup = group,
            CancelInProgress = cancelInProgress,
            Spec = RunContext.Serialize(spec),
            QueuedAt = status == JobStatuses.Queued ? now : null,
        };
    }
}
