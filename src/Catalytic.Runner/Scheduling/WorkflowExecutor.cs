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

    private sealed record JobSummary(string Result, IReadOnlyDictionary<string, string> Outputs, bool AncestorFailed);

    /// <summary>Runs the selected jobs; returns the workflow's result.</summary>
    public async Task<string> RunAsync(IReadOnlyCollection<string> selected, CancellationToken cancellationToken)
    {
        // Workflow env sees github, vars, secrets and inputs only.
        var scope = new ExpressionScope(BaseContexts(null, null), new JobStatusView(true, false, false), _session.Options.Workspace);
        var env = new Dictionary<string, string>(_session.Options.Env, StringComparer.Ordinal);
        if (_workflow.EnvExpression is { } whole)
        {
            foreach (var (key, value) in ContextValues.EvaluateWholeMapping(_session.Expressions, whole, scope, "env"))
            {
                env[key] = value;
            }
        }
        else if (_workflow.Env is not null)
        {
            foreach (var (key, value) in _workflow.Env.Entries)
            {
                env[key.Value] = value is TemplateScalar s ? _session.Expressions.EvaluateString(s, scope) : ContextValues.Stringify(_session.Expressions.Evaluate(value, scope));
            }
        }

        _workflowEnv = env;

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
                var cancelInProgress = concurrency.CancelInProgress is { } c && IsTrue(_session.Expressions.Evaluate(c, scope));
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

    private static bool IsTrue(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Equals("true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

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
        List<JsonObject?> instances = [null];
        var failFast = true;
        var maxParallel = int.MaxValue;
        if (job.Strategy is { } strategy)
        {
            var scope = new ExpressionScope(contexts, status, _session.Options.Workspace);
            try
            {
                var evaluated = EvaluateStrategy(job, strategy, scope);
                if (evaluated.Error is not null)
                {
                    return Finish(report, Results.Failure, evaluated.Error, ancestorFailed);
                }

                instances = evaluated.Legs;
                failFast = evaluated.FailFast;
                maxParallel = evaluated.MaxParallel;
            }
            catch (ExpressionEvaluationException e)
            {
                return Finish(report, Results.Failure, e.Message, ancestorFailed);
            }
        }

        using var siblings = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var strategyLimit = new SemaphoreSlim(Math.Min(maxParallel, instances.Count));
        var results = await Task.WhenAll(instances.Select((m, i) => RunInstanceAsync(job, m, i, instances.Count, failFast, maxParallel, needs, strategyLimit, siblings)));
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

    private async Task<JobInstanceResult> RunInstanceAsync(
        Job job, JsonObject? matrix, int index, int total, bool failFast, int maxParallel, JsonObject needs, SemaphoreSlim strategyLimit, CancellationTokenSource siblings)
    {
        var label = Label(job, matrix, needs);
        var strategy = new JsonObject
        {
            ["fail-fast"] = failFast,
            ["job-index"] = index,
            ["job-total"] = total,
            ["max-parallel"] = maxParallel == int.MaxValue ? total : maxParallel,
        };

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
                var scope = new ExpressionScope(contexts, new JobStatusView(true, false, false), _session.Options.Workspace);
                group = _session.Expressions.EvaluateString(concurrency.Group, scope);
                cancelInProgress = concurrency.CancelInProgress is { } c && IsTrue(_session.Expressions.Evaluate(c, scope));
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
                    group, cancelInProgress, $"run {_session.RunNumber} job '{label}'", m => _session.RunnerLine(label, m), siblings.Token);
                if (acquired.Lease is null)
                {
                    return Ended(job, label, matrix, Results.Cancelled, acquired.CancelledReason!);
                }

                lease = acquired.Lease;
            }
        }

        await strategyLimit.WaitAsync(CancellationToken.None);
        await _session.Slots.WaitAsync(_levels.GetValueOrDefault(job.Id, 1));
        try
        {
            var logFile = Path.Combine(_frame.LogDirectory, job.Id + (total > 1 ? $"-{index + 1}" : "") + ".log");
            var request = new JobRequest(_workflow, job, label, matrix, strategy, needs, _workflowEnv, _inputs, logFile, _eventPath)
            {
                ReportId = _frame.IdPrefix + job.Id,
                CallerGithub = _frame.IsCall ? _frame.Github : null,
                Secrets = _frame.IsCall ? _frame.Secrets : null,
            };
            using var preemptable = CancellationTokenSource.CreateLinkedTokenSource(siblings.Token, lease?.Cancelled ?? CancellationToken.None);
            var result = await new JobExecutor(_session, request).RunAsync(preemptable.Token);
            if (result.Result == Results.Cancelled && (lease is { Cancelled.IsCancellationRequested: true } || PreemptedReason is not null))
            {
                var reason = _session.Masker.Apply((lease is { Cancelled.IsCancellationRequested: true } ? lease.Reason : PreemptedReason) ?? "cancelled");
                result.Report.Reason = reason;
                result = result with { Reason = reason };
            }

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

    /// <summary>A job's strategy at run time: one entry per matrix leg (a single null without a matrix), or why not.</summary>
    private sealed record EvaluatedStrategy(List<JsonObject?> Legs, bool FailFast, int MaxParallel, string? Error);

    /// <summary>
    /// `strategy` at run time: its members as written, or the mapping a whole-value `strategy: ${{ … }}` evaluates to,
    /// with the matrix expanded (evaluated now, so `fromJSON(needs.x.outputs.y)` sees the outputs of finished jobs).
    /// A result that is not a mapping, or a matrix that cannot be expanded, fails the job with the place it was written.
    /// </summary>
    private EvaluatedStrategy EvaluateStrategy(Job job, Strategy strategy, ExpressionScope scope)
    {
        var evaluated = EvaluateStrategyMembers(strategy, scope);
        if (evaluated.Error is not null || evaluated.Matrix is not { } matrixValue)
        {
            return new EvaluatedStrategy([null], evaluated.FailFast, evaluated.MaxParallel, evaluated.Error);
        }

        var expansion = MatrixExpander.Expand(ExpressionValue.FromJsonNode(matrixValue));
        return expansion.IsValid
            ? new EvaluatedStrategy([.. expansion.Combinations.Select(c => (JsonObject?)ExpressionValue.FromObject(c).ToJsonNode())], evaluated.FailFast, evaluated.MaxParallel, null)
            : new EvaluatedStrategy([null], true, int.MaxValue, $"{(strategy.Matrix ?? strategy.Expression)!.Span}: job '{job.Id}': {expansion.Error}");
    }

    private sealed record StrategyMembers(JsonNode? Matrix, bool FailFast, int MaxParallel, string? Error);

    private StrategyMembers EvaluateStrategyMembers(Strategy strategy, ExpressionScope scope)
    {
        JsonNode? matrix;
        JsonNode? failFast;
        JsonNode? maxParallel;
        if (strategy.Expression is { } whole)
        {
            if (_session.Expressions.Evaluate(whole, scope) is not JsonObject o)
            {
                return new StrategyMembers(null, true, int.MaxValue, $"{whole.Span}: 'strategy' must evaluate to a mapping (matrix, fail-fast, max-parallel), but '{whole.Value.Trim()}' did not");
            }

            matrix = o["matrix"];
            failFast = o["fail-fast"];
            maxParallel = o["max-parallel"];
            if (o.ContainsKey("matrix") && matrix is not JsonObject)
            {
                return new StrategyMembers(null, true, int.MaxValue, $"{whole.Span}: 'strategy.matrix' must be a mapping of vectors, found {ContextValues.Stringify(matrix)}");
            }
        }
        else
        {
            matrix = strategy.Matrix is null ? null : _session.Expressions.Evaluate(strategy.Matrix, scope);
            failFast = strategy.FailFast is null ? null : _session.Expressions.Evaluate(strategy.FailFast, scope);
            maxParallel = strategy.MaxParallel is null ? null : _session.Expressions.Evaluate(strategy.MaxParallel, scope);
            if (strategy.Matrix is { } node && matrix is not JsonObject)
            {
                return new StrategyMembers(null, true, int.MaxValue, $"{node.Span}: 'strategy.matrix' must evaluate to a mapping of vectors, but it gave {(matrix is null ? "null" : ContextValues.Stringify(matrix))}");
            }
        }

        var max = int.MaxValue;
        if (maxParallel is not null
            && int.TryParse(ContextValues.Stringify(maxParallel), NumberStyles.Integer, CultureInfo.InvariantCulture, out var mp)
            && mp > 0)
        {
            max = mp;
        }

        return new StrategyMembers(matrix, failFast is null || ContextValues.Stringify(failFast) != "false", max, null);
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

            if (matrix is not null && !WorkflowPlanner.UsesMatrix(job.Name.Value))
            {
                label = MatrixExpander.DisplayName(label, ExpressionValue.FromJsonNode(matrix).AsObject);
            }
        }
        else
        {
            label = matrix is null ? job.Id : MatrixExpander.DisplayName(job.Id, ExpressionValue.FromJsonNode(matrix).AsObject);
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
        _session.RunnerLine(label, $"{result}: {report.Reason}");
        return new JobSummary(result, new Dictionary<string, string>(), ancestorFailed);
    }
}
