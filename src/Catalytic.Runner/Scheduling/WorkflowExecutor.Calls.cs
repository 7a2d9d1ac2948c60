using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Scheduling.Concurrency;
using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Planning;
using Catalytic.Workflows.Reusable;

namespace Catalytic.Runner.Scheduling;

/// <summary>
/// Jobs that call a reusable workflow (<c>uses: ./.github/workflows/x.yml</c>). Each matrix leg of the caller runs
/// the called workflow's jobs as part of this run's job graph: another <see cref="WorkflowExecutor"/> in the same
/// session, so they share the run's job slots, cancellation and Ctrl-C, and the caller's fail-fast cancels the other
/// legs' jobs. The caller job takes no slot itself; it ends with the callee's result and its <c>workflow_call</c> outputs.
/// </summary>
internal sealed partial class WorkflowExecutor
{
    /// <summary>The result and outputs of each job of this workflow once <see cref="RunAsync"/> is done (the callee's <c>jobs</c> context).</summary>
    private JsonObject JobsContext()
    {
        var jobs = new JsonObject();
        foreach (var (id, task) in _tasks)
        {
            var outputs = new JsonObject();
            foreach (var (k, v) in task.Result.Outputs)
            {
                outputs[k] = v;
            }

            jobs[id] = new JsonObject { ["result"] = task.Result.Result, ["outputs"] = outputs };
        }

        return jobs;
    }

    /// <summary>Orders the report's jobs as the file lists them; a caller's legs keep their called jobs right after them.</summary>
    private void SortReport()
    {
        int Index(JobReport r)
        {
            var id = r.Id.StartsWith(_frame.IdPrefix, StringComparison.Ordinal) ? r.Id[_frame.IdPrefix.Length..] : r.Id;
            var cut = id.IndexOf(" / ", StringComparison.Ordinal);
            return _jobs.TryGetValue(cut < 0 ? id : id[..cut], out var job) ? _workflow.Jobs.IndexOf(job) : int.MaxValue;
        }

        lock (_report)
        {
            var ordered = _report.Jobs.OrderBy(Index).ToList(); // stable: matrix legs and called jobs keep their order
            _report.Jobs.Clear();
            _report.Jobs.AddRange(ordered);
        }
    }

    private async Task<JobSummary> RunReusableAsync(Job job, JobReport report, Dictionary<string, JsonNode?> contexts, JobStatusView status, bool ancestorFailed, CancellationToken cancellationToken)
    {
        var uses = job.Uses!;
        if (WorkflowCallResolver.IsRemote(uses))
        {
            return Finish(report, Results.Failure, $"{job.UsesSpan}: {WorkflowCallResolver.RemoteMessage(uses)}", ancestorFailed);
        }

        var key = WorkflowCallResolver.LocalPath(uses)!;
        var callee = _session.Called.Find(uses);
        if (callee is null)
        {
            var problem = _session.Called.Diagnostics.FirstOrDefault(d => d.Location == job.UsesSpan && d.Severity == DiagnosticSeverity.Error);
            return Finish(report, Results.Failure, problem?.ToString() ?? $"{job.UsesSpan}: '{uses}' is not a reusable workflow of this repository", ancestorFailed);
        }

        if (_frame.Chain.Contains(key, StringComparer.Ordinal) || _frame.Chain.Count >= WorkflowCallResolver.MaxLevels)
        {
            // The validator rejects both before the run; this guards a plan built without it.
            return Finish(report, Results.Failure, $"{job.UsesSpan}: calling '{uses}' from {string.Join(" → ", _frame.Chain)} is a cycle or deeper than {WorkflowCallResolver.MaxLevels} levels", ancestorFailed);
        }

        var needs = (JsonObject)contexts["needs"]!;
        var scope = new ExpressionScope(contexts, status, _session.Options.Workspace);
        JobStrategy strategy;
        ConcurrencyLease? lease = null;
        var held = _workflowGroup is null ? _frame.HeldGroups : _frame.HeldGroups.Add(_workflowGroup);
        try
        {
            strategy = JobStrategy.Evaluate(_session.Expressions, job, scope);
            if (strategy.Error is not null)
            {
                return Finish(report, Results.Failure, strategy.Error, ancestorFailed);
            }

            // The caller's concurrency group holds for the whole call (all legs), as one job of the caller's workflow.
            if (job.Concurrency is { } concurrency)
            {
                // Concurrency expressions have no status functions (the validator's rule), so the plain scope of JobPlanning serves.
                var (group, cancelInProgress) = JobPlanning.Concurrency(_session.Expressions, concurrency, contexts, _session.Options.Workspace);
                if (group.Length > 0)
                {
                    var label = _labelPrefix + report.Name;
                    var acquired = await _session.Concurrency.AcquireAsync(
                        group, cancelInProgress, $"run {_session.RunNumber} job '{label}'", m => _session.RunnerLine(label, m), cancellationToken);
                    if (acquired.Lease is null)
                    {
                        return Finish(report, Results.Cancelled, acquired.CancelledReason!, ancestorFailed);
                    }

                    lease = acquired.Lease;
                    held = held.Add(group);
                }
            }
        }
        catch (ExpressionEvaluationException e)
        {
            return Finish(report, Results.Failure, e.Message, ancestorFailed);
        }

        using var preemptable = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease?.Cancelled ?? CancellationToken.None);
        using var legs = strategy.Start(preemptable.Token);
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        var legReports = new List<JobReport>[legs.Total];
        string[] results;
        try
        {
            results = await Task.WhenAll(strategy.Legs.Select(async (matrix, index) =>
            {
                await legs.WaitForTurnAsync();
                try
                {
                    var (result, reports) = await CallAsync(job, callee, key, matrix, index, legs.Total, legs.Context(index), needs, merged, held, legs.Siblings);
                    legReports[index] = reports;
                    await legs.EndedAsync(result);
                    return result;
                }
                finally
                {
                    legs.TurnDone();
                }
            }));
        }
        finally
        {
            if (lease is not null)
            {
                await lease.DisposeAsync();
            }
        }

        lock (_report)
        {
            _report.Jobs.AddRange(legReports.SelectMany(r => r));
        }

        var overall = results.Contains(Results.Failure) ? Results.Failure
            : results.Contains(Results.Cancelled) ? Results.Cancelled
            : Results.Success;
        return new JobSummary(overall, merged, ancestorFailed);
    }

    /// <summary>One leg of a caller: evaluates its inputs and secrets, runs the called workflow's jobs, evaluates its outputs.</summary>
    private async Task<(string Result, List<JobReport> Reports)> CallAsync(
        Job job, Workflow callee, string key, JsonObject? matrix, int index, int total, JsonObject strategy, JsonObject needs,
        Dictionary<string, string> merged, ImmutableList<string> held, CancellationToken cancellationToken)
    {
        var startedAt = _session.Options.Time.GetTimestamp();
        var label = Label(job, matrix, needs);
        var display = label[_labelPrefix.Length..];
        var report = new JobReport
        {
            Id = _frame.IdPrefix + job.Id,
            Name = display,
            Matrix = matrix?.ToJsonString(),
            Uses = job.Uses,
        };
        var reports = new List<JobReport> { report };
        var contexts = BaseContexts(needs, matrix);
        contexts["strategy"] = strategy;
        var scope = new ExpressionScope(contexts, new JobStatusView(true, false, false), _session.Options.Workspace);
        JsonObject inputs;
        JsonObject secrets;
        try
        {
            inputs = CallInputs(job, callee, scope);
            secrets = CallSecrets(job, callee, scope);
        }
        catch (ExpressionEvaluationException e)
        {
            return (End(report, label, Results.Failure, e.Message, startedAt), reports);
        }

        _session.RunnerLine(label, $"calls {job.Uses} ({callee.Name})");
        var github = _frame.Github;
        if (!_frame.IsCall)
        {
            // The callee sees the caller's github context, as the caller's own jobs see it.
            github = (JsonObject)github.DeepClone();
            github["workflow_ref"] = $"{github["repository"]}/{_workflow.File}@{github["ref"]}";
            if (_workflow.DispatchInputs.Length > 0 || _session.Options.EventName == "workflow_dispatch")
            {
                ((JsonObject)github["event"]!)["inputs"] = ContextValues.DispatchEventInputs(_inputs);
            }
        }

        var frame = new CallFrame(
            github,
            secrets,
            report.Id + " / ",
            display + " / ",
            Path.Combine(_frame.LogDirectory, job.Id + (total > 1 ? $"-{index + 1}" : "")),
            _frame.Chain.Add(key))
        {
            HeldGroups = held,
            Level = _levels.GetValueOrDefault(job.Id, 1) - 1,
        };
        var calleeReport = new WorkflowReport { File = callee.File, Name = callee.Name, Triggered = true };
        var child = new WorkflowExecutor(_session, callee, calleeReport, inputs, _labelPrefix, _eventPath, frame);
        var result = await child.RunAsync(callee.Jobs.Select(j => j.Id).ToList(), cancellationToken);
        foreach (var r in calleeReport.Jobs)
        {
            r.Workflow ??= callee.File;
        }

        reports.AddRange(calleeReport.Jobs);
        var outputs = result == Results.Cancelled ? new Dictionary<string, string>() : child.CallOutputs(callee, label);
        lock (merged)
        {
            // GitHub: with a matrix, each output is the value of the last successful leg that set it to something.
            if (result == Results.Success)
            {
                foreach (var (k, v) in outputs.Where(o => o.Value.Length > 0 || !merged.ContainsKey(o.Key)))
                {
                    merged[k] = v;
                }
            }
        }

        foreach (var (k, v) in outputs)
        {
            report.Outputs[k] = _session.Masker.Apply(v);
        }

        var failed = calleeReport.Jobs.FirstOrDefault(j => j.Result == Results.Failure);
        var reason = result switch
        {
            Results.Failure => failed is null ? $"{callee.File} failed" : $"job '{failed.Name}' failed",
            Results.Cancelled => "cancelled",
            _ => null,
        };
        return (End(report, label, result, reason, startedAt), reports);
    }

    private string End(JobReport report, string label, string result, string? reason, long startedAt)
    {
        report.Result = report.Outcome = result;
        report.Reason = reason is null ? null : _session.Masker.Apply(reason);
        report.DurationMs = _session.Options.Time.GetElapsedTime(startedAt).TotalMilliseconds;
        _session.RunnerLine(label, reason is null ? result : $"{result}: {report.Reason}");
        return result;
    }

    /// <summary>
    /// The callee's <c>inputs</c>: each declared input from <c>with</c> (typed per its declaration), else its default,
    /// else GitHub's zero value (false, 0, ""). A value of the wrong type fails the call naming the input.
    /// </summary>
    private JsonObject CallInputs(Job job, Workflow callee, ExpressionScope scope)
    {
        var declared = callee.Call!.Inputs;
        foreach (var (k, _) in job.With?.Entries ?? [])
        {
            if (!declared.Any(d => d.Name == k.Value))
            {
                throw new ExpressionEvaluationException(k.Span, $"input '{k.Value}' is not defined by '{job.Uses}'");
            }
        }

        var inputs = new JsonObject();
        var defaults = new ExpressionScope(
            new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
            {
                ["github"] = _frame.Github,
                ["vars"] = _session.Vars,
                ["inputs"] = new JsonObject(),
            },
            new JobStatusView(true, false, false),
            _session.Options.Workspace);
        foreach (var def in declared)
        {
            var given = job.With?[def.Name];
            if (given is null && def.Required && def.Default is null)
            {
                throw new ExpressionEvaluationException(job.UsesSpan, $"input '{def.Name}' is required by '{job.Uses}' but not passed");
            }

            var node = given ?? def.Default;
            inputs[def.Name] = node is null
                ? def.Type switch { InputType.Boolean => false, InputType.Number => 0, _ => "" }
                : Typed(def, _session.Expressions.Evaluate(node, given is null ? defaults : scope), node.Span, job.Uses!);
        }

        return inputs;
    }

    private static JsonNode Typed(InputDefinition def, JsonNode? value, SourceSpan at, string uses)
    {
        var text = ContextValues.Stringify(value);
        switch (def.Type)
        {
            case InputType.Boolean:
                if (value is JsonValue b && b.TryGetValue<bool>(out var flag))
                {
                    return flag;
                }

                if (value is JsonValue && (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase)))
                {
                    return text.Equals("true", StringComparison.OrdinalIgnoreCase);
                }

                break;
            case InputType.Number:
                if (value is JsonValue n && n.TryGetValue<double>(out var number))
                {
                    return number;
                }

                if (value is JsonValue && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                {
                    return number;
                }

                break;
            default:
                if (value is JsonValue)
                {
                    return text;
                }

                break;
        }

        var given = value switch
        {
            null => "null",
            JsonObject => "an object",
            JsonArray => "an array",
            _ => $"'{text}'",
        };
        throw new ExpressionEvaluationException(at, $"input '{def.Name}' of '{uses}' is a {def.Type.ToString().ToLowerInvariant()}, but {given} was given");
    }

    /// <summary>
    /// The callee's <c>secrets</c>: with <c>inherit</c> every secret this workflow has, otherwise only the mapped ones
    /// (each value is masked from now on, being a secret of the callee); <c>GITHUB_TOKEN</c> always.
    /// </summary>
    private JsonObject CallSecrets(Job job, Workflow callee, ExpressionScope scope)
    {
        var secrets = new JsonObject();
        if (job.Secrets is TemplateScalar { Value: "inherit" })
        {
            foreach (var (k, v) in _frame.Secrets)
            {
                secrets[k] = v?.DeepClone();
            }
        }
        else if (job.Secrets is TemplateMapping map)
        {
            foreach (var (k, v) in map.Entries)
            {
                if (!callee.Call!.Secrets.Any(s => s.Name == k.Value))
                {
                    throw new ExpressionEvaluationException(k.Span, $"secret '{k.Value}' is not defined by '{job.Uses}'");
                }

                var value = v is TemplateScalar s ? _session.Expressions.EvaluateString(s, scope) : ContextValues.Stringify(_session.Expressions.Evaluate(v, scope));
                _session.Masker.Add(value);
                secrets[k.Value] = value;
            }
        }

        if (job.Secrets is not TemplateScalar)
        {
            foreach (var required in callee.Call!.Secrets.Where(s => s.Required && secrets[s.Name] is null))
            {
                throw new ExpressionEvaluationException(job.UsesSpan, $"secret '{required.Name}' is required by '{job.Uses}' but not passed");
            }
        }

        secrets["GITHUB_TOKEN"] = _frame.Secrets["GITHUB_TOKEN"]?.DeepClone() ?? "";
        return secrets;
    }

    /// <summary>The callee's <c>on.workflow_call.outputs</c>, evaluated against its <c>jobs</c> context once its jobs are done.</summary>
    private Dictionary<string, string> CallOutputs(Workflow callee, string label)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var scope = new ExpressionScope(
            new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
            {
                ["github"] = _frame.Github,
                ["vars"] = _session.Vars,
                ["inputs"] = _inputs,
                ["jobs"] = JobsContext(),
            },
            new JobStatusView(true, false, false),
            _session.Options.Workspace);
        foreach (var output in callee.Call!.Outputs)
        {
            try
            {
                outputs[output.Name] = _session.Expressions.EvaluateString(output.Value, scope);
            }
            catch (ExpressionEvaluationException e)
            {
                _session.RunnerLine(label, "##[warning]output '" + output.Name + "': " + e.Message);
            }
        }

        return outputs;
    }
}
