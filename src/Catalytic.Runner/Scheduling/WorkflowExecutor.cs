using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Reporting;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Scheduling;

/// <summary>
/// Schedules the jobs of one workflow: each job is a task that awaits exactly its own <c>needs</c> (no stage
/// barriers), then evaluates its <c>if:</c>, expands its matrix and runs the instances within the run's slot
/// limit, the strategy's max-parallel and its concurrency group. Fail-fast cancels the sibling instances.
/// </summary>
internal sealed partial class WorkflowExecutor
{
    private readonly RunSession _session;
    private readonly Workflow _workflow;
    private readonly WorkflowReport _report;
    private readonly JsonObject _inputs;
    private readonly string _labelPrefix;
    private readonly string _eventPath;
    private readonly Dictionary<string, Task<JobSummary>> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Job> _jobs;
    private readonly CallFrame _frame;
    private IReadOnlyDictionary<string, string> _workflowEnv = new Dictionary<string, string>();

    public WorkflowExecutor(RunSession session, Workflow workflow, WorkflowReport report, JsonObject inputs, string labelPrefix, string eventPath)
        : this(session, workflow, report, inputs, labelPrefix, eventPath, CallFrame.TopLevel(session, workflow))
    {
    }

    private WorkflowExecutor(RunSession session, Workflow workflow, WorkflowReport report, JsonObject inputs, string labelPrefix, string eventPath, CallFrame frame)
    {
        _session = session;
        _workflow = workflow;
        _report = report;
        _inputs = inputs;
        _labelPrefix = labelPrefix;
        _eventPath = eventPath;
        _frame = frame;
        _jobs = workflow.Jobs.ToDictionary(j => j.Id, StringComparer.Ordinal);
    }

    private sealed record JobSummary(string Result, IReadOnlyDictionary<string, string> Outputs, bool AncestorFailed);

    /// <summary>Runs the selected jobs; returns the workflow's result.</summary>
    public async Task<string> RunAsync(IReadOnlyCollection<string> selected, CancellationToken cancellationToken)
    {
        // Workflow env sees github, vars, secrets and inputs only.
        var scope = new ExpressionScope(BaseContexts(null, null), new JobStatusView(true, false, false), _session.Options.Workspace);
        var env = new Dictionary<string, string>(_session.Options.Env, StringComparer.Ordinal);
        if (_workflow.Env is not null)
        {
            foreach (var (key, value) in _workflow.Env.Entries)
            {
                env[key.Value] = value is TemplateScalar s ? _session.Expressions.EvaluateString(s, scope) : JobExecutor.Stringify(_session.Expressions.Evaluate(value, scope));
            }
        }

        _workflowEnv = env;
        foreach (var job in _workflow.Jobs.Where(j => selected.Contains(j.Id)))
        {
            _ = Schedule(job.Id, selected, [], cancellationToken);
        }

        var results = await Task.WhenAll(_tasks.Values);
        SortReport();
        return results.Any(r => r.Result == Results.Failure) ? Results.Failure
            : results.Any(r => r.Result == Results.Cancelled) ? Results.Cancelled
            : Results.Success;
    }

    private Task<JobSummary> Schedule(string id, IReadOnlyCollection<string> selected, HashSet<string> visiting, CancellationToken cancellationToken)
    {
        if (_tasks.TryGetValue(id, out var existing))
        {
            return existing;
        }

        if (!visiting.Add(id))
        {
            // The validator rejects cycles; this only guards against a model built by hand.
            return Task.FromResult(new JobSummary(Results.Failure, new Dictionary<string, string>(), true));
        }

        var job = _jobs[id];
        var needs = job.Needs.Where(_jobs.ContainsKey).ToDictionary(n => n, n => Schedule(n, selected, visiting, cancellationToken), StringComparer.Ordinal);
        var task = RunJobAsync(job, needs, cancellationToken);
        _tasks[id] = task;
        return task;
    }

    private Dictionary<string, JsonNode?> BaseContexts(JsonObject? needs, JsonObject? matrix)
    {
        return new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["github"] = _frame.Github,
            ["vars"] = _session.Vars,
            ["secrets"] = _frame.Secrets,
            ["inputs"] = _inputs,
            ["needs"] = needs ?? new JsonObject(),
            ["matrix"] = matrix ?? new JsonObject(),
            ["env"] = new JsonObject(),
        };
    }

    private async Task<JobSummary> RunJobAsync(Job job, Dictionary<string, Task<JobSummary>> needTasks, CancellationToken cancellationToken)
    {
        await Task.WhenAll(needTasks.Values);
        await Task.Yield();
        var needs = new JsonObject();
        var allSucceeded = true;
        var ancestorFailed = false;
        string? blocking = null;
        foreach (var (id, t) in needTasks)
        {
            var s = t.Result;
            var outputs = new JsonObject();
            foreach (var (k, v) in s.Outputs)
            {
                outputs[k] = v;
            }

            needs[id] = new JsonObject { ["result"] = s.Result, ["outputs"] = outputs };
            if (s.Result != Results.Success)
            {
                allSucceeded = false;
                blocking ??= $"needs '{id}' ended {s.Result}";
            }

            ancestorFailed |= s.AncestorFailed || s.Result == Results.Failure;
        }

        var cancelled = cancellationToken.IsCancellationRequested;
        var status = new JobStatusView(allSucceeded && !cancelled, ancestorFailed, cancelled);
        var contexts = BaseContexts(needs, null);
        var report = new JobReport { Id = _frame.IdPrefix + job.Id, Name = _frame.NamePrefix + job.Id };
        bool run;
        try
        {
            run = _session.Expressions.EvaluateCondition(job.If, new ExpressionScope(contexts, status, _session.Options.Workspace));
        }
        catch (ExpressionEvaluationException e)
        {
            return Finish(report, Results.Failure, e.Message, ancestorFailed);
        }

        if (!run)
        {
            var why = job.If is null ? (cancelled ? "the run was cancelled" : blocking ?? "skipped") : $"if: {job.If.Value} was false";
            return Finish(report, Results.Skipped, why, ancestorFailed);
        }

        if (job.Uses is not null)
        {
            return await RunReusableAsync(job, report, contexts, status, ancestorFailed, cancellationToken);
        }

        // Matrix: evaluated now, so `fromJSON(needs.x.outputs.y)` sees the outputs of finished jobs.
        List<JsonObject?> instances = [null];
        var failFast = true;
        var maxParallel = int.MaxValue;
        if (job.Strategy is { } strategy)
        {
            var scope = new ExpressionScope(contexts, status, _session.Options.Workspace);
            try
            {
                if (strategy.Matrix is not null)
                {
                    var (combos, error) = MatrixExpansion.Expand(_session.Expressions.Evaluate(strategy.Matrix, scope));
                    if (error is not null)
                    {
                        return Finish(report, Results.Failure, $"{strategy.Matrix.Span}: {error}", ancestorFailed);
                    }

                    if (combos.Count == 0)
                    {
                        return Finish(report, Results.Skipped, "the matrix has no combinations", ancestorFailed);
                    }

                    instances = combos.Cast<JsonObject?>().ToList();
                }

                if (strategy.FailFast is not null)
                {
                    failFast = JobExecutor.Stringify(_session.Expressions.Evaluate(strategy.FailFast, scope)) != "false";
                }

                if (strategy.MaxParallel is not null
                    && int.TryParse(JobExecutor.Stringify(_session.Expressions.Evaluate(strategy.MaxParallel, scope)), NumberStyles.Integer, CultureInfo.InvariantCulture, out var mp)
                    && mp > 0)
                {
                    maxParallel = mp;
                }
            }
            catch (ExpressionEvaluationException e)
            {
                return Finish(report, Results.Failure, e.Message, ancestorFailed);
            }
        }

        SemaphoreSlim? group = null;
        if (job.Concurrency is { } concurrency)
        {
            var name = _session.Expressions.EvaluateString(concurrency.Group, new ExpressionScope(contexts, status, _session.Options.Workspace));
            group = _session.ConcurrencyGroups.GetOrAdd(name, _ => new SemaphoreSlim(1));
        }

        using var siblings = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var strategyLimit = new SemaphoreSlim(Math.Min(maxParallel, instances.Count));
        var clock = Stopwatch.StartNew();
        if (group is not null)
        {
            await group.WaitAsync(CancellationToken.None);
        }

        JobInstanceResult[] results;
        try
        {
            results = await Task.WhenAll(instances.Select((m, i) => RunInstanceAsync(job, m, i, instances.Count, failFast, maxParallel, needs, strategyLimit, siblings)));
        }
        finally
        {
            group?.Release();
        }

        var outputsMerged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            foreach (var (k, v) in r.Outputs)
            {
                if (v.Length > 0 || !outputsMerged.ContainsKey(k))
                {
                    outputsMerged[k] = v;
                }
            }
        }

        lock (_report)
        {
            _report.Jobs.AddRange(results.Select(r => r.Report));
        }

        var result = results.Any(r => r.Result == Results.Failure) ? Results.Failure
            : results.Any(r => r.Result == Results.Cancelled) ? Results.Cancelled
            : results.All(r => r.Result == Results.Skipped) ? Results.Skipped
            : Results.Success;
        _ = clock;
        return new JobSummary(result, outputsMerged, ancestorFailed);
    }

    private async Task<JobInstanceResult> RunInstanceAsync(
        Job job, JsonObject? matrix, int index, int total, bool failFast, int maxParallel, JsonObject needs, SemaphoreSlim strategyLimit, CancellationTokenSource siblings)
    {
        await strategyLimit.WaitAsync(CancellationToken.None);
        await _session.Slots.WaitAsync(CancellationToken.None);
        try
        {
            var label = Label(job, matrix, needs);
            var strategy = new JsonObject
            {
                ["fail-fast"] = failFast,
                ["job-index"] = index,
                ["job-total"] = total,
                ["max-parallel"] = maxParallel == int.MaxValue ? total : maxParallel,
            };
            var logFile = Path.Combine(_frame.LogDirectory, job.Id + (total > 1 ? $"-{index + 1}" : "") + ".log");
            var request = new JobRequest(_workflow, job, label, matrix, strategy, needs, _workflowEnv, _inputs, logFile, _eventPath)
            {
                ReportId = _frame.IdPrefix + job.Id,
                CallerGithub = _frame.IsCall ? _frame.Github : null,
                Secrets = _frame.IsCall ? _frame.Secrets : null,
            };
            var result = await new JobExecutor(_session, request).RunAsync(siblings.Token);
            if (failFast && result.Result == Results.Failure && total > 1)
            {
                await siblings.CancelAsync();
            }

            return result;
        }
        finally
        {
            _session.Slots.Release();
            strategyLimit.Release();
        }
    }

    private string Label(Job job, JsonObject? matrix, JsonObject needs)
    {
        string label;
        if (job.Name is not null)
        {
            try
            {
                label = _session.Expressions.EvaluateString(job.Name, new ExpressionScope(BaseContexts(needs, matrix), new JobStatusView(true, false, false), _session.Options.Workspace));
            }
            catch (ExpressionEvaluationException)
            {
                label = job.Name.Value;
            }

            if (matrix is not null && !job.Name.Value.Contains("matrix.", StringComparison.Ordinal))
            {
                label += " (" + string.Join(", ", matrix.Select(kv => JobExecutor.Stringify(kv.Value))) + ")";
            }
        }
        else
        {
            label = matrix is null ? job.Id : job.Id + " (" + string.Join(", ", matrix.Select(kv => JobExecutor.Stringify(kv.Value))) + ")";
        }

        return _labelPrefix + _frame.NamePrefix + label;
    }

    private JobSummary Finish(JobReport report, string result, string reason, bool ancestorFailed)
    {
        report.Result = report.Outcome = result;
        report.Reason = _session.Masker.Apply(reason);
        lock (_report)
        {
            _report.Jobs.Add(report);
        }

        var label = _labelPrefix + report.Name;
        _session.Listener.Line(label, "", $"{result}: {report.Reason}", Logging.LineKind.Runner);
        return new JobSummary(result, new Dictionary<string, string>(), ancestorFailed);
    }
}
