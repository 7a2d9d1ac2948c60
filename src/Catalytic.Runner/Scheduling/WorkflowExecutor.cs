using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Scheduling.Concurrency;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Planning;

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
    private readonly Dictionary<string, int> _levels = new(StringComparer.Ordinal);
    private readonly CallFrame _frame;
    private IReadOnlyDictionary<string, string> _workflowEnv = new Dictionary<string, string>();
    private string? _workflowGroup;
    private ConcurrencyLease? _workflowLease;

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

    /// <summary>The run's <c>--env</c> layer with the workflow's <c>env</c> evaluated on top (github, vars, secrets and inputs in <paramref name="scope"/>).</summary>
    internal static Dictionary<string, string> WorkflowEnv(IExpressionEngine expressions, Workflow workflow, IReadOnlyDictionary<string, string> runEnv, ExpressionScope scope) =>
        ContextValues.EvaluateMapping(expressions, workflow.Env, workflow.EnvExpression, scope, "env", new Dictionary<string, string>(runEnv, StringComparer.Ordinal));

    /// <summary>The contexts the workflow's <c>env</c> sees: github, vars, secrets, inputs (and empty needs, matrix, env).</summary>
    internal static Dictionary<string, JsonNode?> WorkflowContexts(JsonObject github, JsonObject vars, JsonObject secrets, JsonObject inputs) => new(StringComparer.Ordinal)
    {
        ["github"] = github,
        ["vars"] = vars,
        ["secrets"] = secrets,
        ["inputs"] = inputs,
        ["needs"] = new JsonObject(),
        ["matrix"] = new JsonObject(),
        ["env"] = new JsonObject(),
    };

    private sealed record JobSummary(string Result, IReadOnlyDictionary<string, string> Outputs, bool AncestorFailed);

    /// <summary>Runs the selected jobs; returns the workflow's result.</summary>
    public async Task<string> RunAsync(IReadOnlyCollection<string> selected, CancellationToken cancellationToken)
    {
        // Workflow env sees github, vars, secrets and inputs only.
        var scope = new ExpressionScope(BaseContexts(null, null), new JobStatusView(true, false, false), _session.Options.Workspace);
        _workflowEnv = WorkflowEnv(_session.Expressions, _workflow, _session.Options.Env, scope);

        // Workflow-level concurrency: the whole run waits for (or is replaced in) its group before any job starts.
        CancellationTokenSource? preemptable = null;
        if (_workflow.Concurrency is { } concurrency)
        {
            var group = _session.Expressions.EvaluateString(concurrency.Group, scope);
            if (group.Length > 0 && _frame.HeldGroups.Contains(group, StringComparer.OrdinalIgnoreCase))
            {
                foreach (var job in _workflow.Jobs.Where(j => selected.Contains(j.Id)))
                {
                    Finish(new JobReport { Id = _frame.IdPrefix + job.Id, Name = _frame.NamePrefix + job.Id }, Results.Cancelled,
                        $"Canceling since a deadlock for concurrency group '{group}' was detected between a caller and the called workflow '{_workflow.File}'", false);
                }

                return Results.Cancelled;
            }

            if (group.Length > 0)
            {
                _workflowGroup = group;
                var cancelInProgress = concurrency.CancelInProgress is { } c && ContextValues.IsTrue(_session.Expressions.Evaluate(c, scope));
                var label = _labelPrefix + _workflow.Name;
                var acquired = await _session.Concurrency.AcquireAsync(
                    group, cancelInProgress, $"run {_session.RunNumber} of '{_workflow.Name}'", m => _session.RunnerLine(label, m), cancellationToken);
                if (acquired.Lease is null)
                {
                    foreach (var job in _workflow.Jobs.Where(j => selected.Contains(j.Id)))
                    {
                        Finish(new JobReport { Id = _frame.IdPrefix + job.Id, Name = _frame.NamePrefix + job.Id }, Results.Cancelled, acquired.CancelledReason!, false);
                    }

                    return Results.Cancelled;
                }

                _workflowLease = acquired.Lease;
                preemptable = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, acquired.Lease.Cancelled);
                cancellationToken = preemptable.Token;
            }
        }

        try
        {
            // The jobs without needs reach the slot gate synchronously while it is held, so the first slots go by level.
            ComputeLevels(selected);
            using (_session.Slots.Hold())
            {
                foreach (var job in _workflow.Jobs.Where(j => selected.Contains(j.Id)).OrderByDescending(j => _levels[j.Id]))
                {
                    _ = Schedule(job.Id, selected, [], cancellationToken);
                }
            }

            var results = await Task.WhenAll(_tasks.Values);
            SortReport();
            return results.Any(r => r.Result == Results.Failure) ? Results.Failure
                : results.Any(r => r.Result == Results.Cancelled) ? Results.Cancelled
                : Results.Success;
        }
        finally
        {
            if (_workflowLease is not null)
            {
                await _workflowLease.DisposeAsync();
            }

            preemptable?.Dispose();
        }
    }

    /// <summary>Why the run's jobs are being cancelled when a newer run took the workflow's concurrency group; null otherwise.</summary>
    private string? PreemptedReason => _workflowLease is { Cancelled.IsCancellationRequested: true } lease ? lease.Reason : null;

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
        var contexts = WorkflowContexts(_frame.Github, _session.Vars, _frame.Secrets, _inputs);
        contexts["needs"] = needs ?? new JsonObject();
        contexts["matrix"] = matrix ?? new JsonObject();
        return contexts;
    }

    /// <summary>
    /// Each selected job's level: the number of jobs on the longest chain from it to the end of the graph (itself
    /// included), plus the calling job's level for a called workflow. A freed slot goes to the highest level waiting.
    /// </summary>
    private void ComputeLevels(IReadOnlyCollection<string> selected)
    {
        var dependents = _workflow.Jobs.Where(j => selected.Contains(j.Id)).ToDictionary(j => j.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var job in _workflow.Jobs.Where(j => dependents.ContainsKey(j.Id)))
        {
            foreach (var need in job.Needs.Where(dependents.ContainsKey))
            {
                dependents[need].Add(job.Id);
            }
        }

        int Level(string id, HashSet<string> visiting)
        {
            if (_levels.TryGetValue(id, out var known))
            {
                return known;
            }

            // The validator rejects cycles; a hand-built one just stops counting here.
            var below = visiting.Add(id) ? dependents[id].Select(d => Level(d, visiting)).DefaultIfEmpty(_frame.Level).Max() : _frame.Level;
            visiting.Remove(id);
            return _levels[id] = below + 1;
        }

        foreach (var id in dependents.Keys)
        {
            Level(id, []);
        }
    }

    private async Task<JobSummary> RunJobAsync(Job job, Dictionary<string, Task<JobSummary>> needTasks, CancellationToken cancellationToken)
    {
        if (needTasks.Count > 0)
        {
            // Off the finishing job's thread. A job without needs goes on synchronously to the held slot gate (RunAsync).
            await Task.WhenAll(needTasks.Values);
            await Task.Yield();
        }

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
            if (cancelled && PreemptedReason is { } preempted)
            {
                return Finish(report, Results.Cancelled, preempted, ancestorFailed);
            }

            var why = job.If is null ? (cancelled ? "the run was cancelled" : blocking ?? "skipped") : $"if: {job.If.Value} was false";
            return Finish(report, Results.Skipped, why, ancestorFailed);
        }

        if (job.Uses is not null)
        {
            return await RunReusableAsync(job, report, contexts, status, ancestorFailed, cancellationToken);
        }

        // Matrix: evaluated now, so `fromJSON(needs.x.outputs.y)` sees the outputs of finished jobs.
        JobStrategy strategy;
        try
        {
            strategy = JobStrategy.Evaluate(_session.Expressions, job, new ExpressionScope(contexts, status, _session.Options.Workspace));
        }
        catch (ExpressionEvaluationException e)
        {
            return Finish(report, Results.Failure, e.Message, ancestorFailed);
        }

        if (strategy.Error is not null)
        {
            return Finish(report, Results.Failure, strategy.Error, ancestorFailed);
        }

        using var legs = strategy.Start(cancellationToken);
        var results = await Task.WhenAll(strategy.Legs.Select((m, i) => RunInstanceAsync(job, m, i, needs, legs)));
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
        return new JobSummary(result, outputsMerged, ancestorFailed);
    }

    private async Task<JobInstanceResult> RunInstanceAsync(Job job, JsonObject? matrix, int index, JsonObject needs, StrategyLegs legs)
    {
        var label = Label(job, matrix, needs);
        var total = legs.Total;
        var strategy = legs.Context(index);

        // Job-level concurrency applies to each job run (each matrix combination), as on GitHub: it joins the group
        // when it is ready, before it takes a run slot, so a pending job holds no slot.
        ConcurrencyLease? lease = null;
        if (job.Concurrency is { } concurrency)
        {
            string group;
            bool cancelInProgress;
            try
            {
                var contexts = BaseContexts(needs, matrix);
                contexts["strategy"] = strategy;
                (group, cancelInProgress) = JobPlanning.Concurrency(_session.Expressions, concurrency, contexts, _session.Options.Workspace);
            }
            catch (ExpressionEvaluationException e)
            {
                return Ended(job, label, matrix, Results.Failure, e.Message);
            }

            if ((_workflowGroup is not null && string.Equals(group, _workflowGroup, StringComparison.OrdinalIgnoreCase))
                || _frame.HeldGroups.Contains(group, StringComparer.OrdinalIgnoreCase))
            {
                return Ended(job, label, matrix, Results.Cancelled, $"Canceling since a deadlock for concurrency group '{group}' was detected between 'top level workflow' and '{job.Id}'");
            }

            if (group.Length > 0)
            {
                var acquired = await _session.Concurrency.AcquireAsync(
                    group, cancelInProgress, $"run {_session.RunNumber} job '{label}'", m => _session.RunnerLine(label, m), legs.Siblings);
                if (acquired.Lease is null)
                {
                    return Ended(job, label, matrix, Results.Cancelled, acquired.CancelledReason!);
                }

                lease = acquired.Lease;
            }
        }

        await legs.WaitForTurnAsync();
        await _session.Slots.WaitAsync(_levels.GetValueOrDefault(job.Id, 1));
        try
        {
            var logFile = Path.Combine(_frame.LogDirectory, job.Id + (total > 1 ? $"-{index + 1}" : "") + ".log");
            var request = new JobRequest(_workflow, job, label, matrix, strategy, needs, _workflowEnv, _inputs, logFile, _eventPath)
            {
                ReportId = _frame.IdPrefix + job.Id,
                CallerGithub = _frame.IsCall ? _frame.Github : null,
                Secrets = _frame.IsCall ? _frame.Secrets : null,
                CallChain = _frame.IsCall ? _frame.Chain : null,
            };
            using var preemptable = CancellationTokenSource.CreateLinkedTokenSource(legs.Siblings, lease?.Cancelled ?? CancellationToken.None);
            var result = await _session.RunJobAsync(request, preemptable.Token);
            if (result.Result == Results.Cancelled && (lease is { Cancelled.IsCancellationRequested: true } || PreemptedReason is not null))
            {
                var reason = _session.Masker.Apply((lease is { Cancelled.IsCancellationRequested: true } ? lease.Reason : PreemptedReason) ?? "cancelled");
                result.Report.Reason = reason;
                result = result with { Reason = reason };
            }

            await legs.EndedAsync(result.Result);
            return result;
        }
        finally
        {
            _session.Slots.Release();
            legs.TurnDone();
            if (lease is not null)
            {
                await lease.DisposeAsync();
            }
        }
    }

    /// <summary>A job run that ends without running (cancelled in its concurrency group, or its group could not be evaluated).</summary>
    private JobInstanceResult Ended(Job job, string label, JsonObject? matrix, string result, string reason)
    {
        var masked = _session.Masker.Apply(reason);
        var report = new JobReport { Id = _frame.IdPrefix + job.Id, Name = label, Matrix = matrix?.ToJsonString(), Result = result, Outcome = result, Reason = masked };
        _session.RunnerLine(label, $"{result}: {masked}");
        return new JobInstanceResult(result, result, masked, new Dictionary<string, string>(), report);
    }

    private string Label(Job job, JsonObject? matrix, JsonObject needs) =>
        _labelPrefix + _frame.NamePrefix + JobPlanning.Label(_session.Expressions, job, matrix, BaseContexts(needs, matrix), _session.Options.Workspace);

    private JobSummary Finish(JobReport report, string result, string reason, bool ancestorFailed)
    {
        report.Result = report.Outcome = result;
        report.Reason = _session.Masker.Apply(reason);
        lock (_report)
        {
            _report.Jobs.Add(report);
        }

        var label = _labelPrefix + report.Name;
        _session.RunnerLine(label, $"{result}: {report.Reason}");
        return new JobSummary(result, new Dictionary<string, string>(), ancestorFailed);
    }
}
