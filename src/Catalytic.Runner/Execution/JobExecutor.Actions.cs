using System.Diagnostics;
using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

internal sealed partial class JobExecutor
{
    /// <param name="frame">The composite action this step belongs to; null for a job step.</param>
    private async Task<StepOutcome> RunActionAsync(Step step, string stepId, string name, Dictionary<string, string> env, ExpressionScope scope, TimeSpan? timeout, CancellationToken cancellationToken, CompositeFrame? frame = null)
    {
        // Inside a composite action every line is tagged with the job step that called it.
        var logName = frame?.LogName ?? name;
        var uses = step.Uses!.Trim();
        var inputs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (step.WithExpression is { } whole)
        {
            foreach (var (k, v) in EvaluateWholeMapping(_session.Expressions, whole, scope, "with"))
            {
                inputs[k] = v;
            }
        }
        else if (step.With is not null)
        {
            foreach (var (key, value) in step.With.Entries)
            {
                inputs[key.Value] = value is TemplateScalar s ? _session.Expressions.EvaluateString(s, scope) : Stringify(_session.Expressions.Evaluate(value, scope));
            }
        }

        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        var tail = new Queue<string>();
        var postRegistered = false;
        var processEnv = ProcessEnvironment(env, stepId);
        void Log(string line)
        {
            if (tail.Count >= Math.Max(1, Options.FailedStepTailLines))
            {
                tail.Dequeue();
            }

            tail.Enqueue(_session.Masker.Apply(line));
            Emit(logName, line, LineKind.Output);
        }

        ActionContext ContextFor(string jobStatus) => new()
        {
            Inputs = inputs,
            Workspace = Options.Workspace,
            RunnerTemp = _runnerTemp,
            RunDirectory = _session.RunDirectory,
            StateDirectory = Options.State,
            Environment = processEnv,
            Github = GithubStrings(),
            Log = Log,
            SetOutput = (k, v) => outputs[k] = v,
            ExportVariable = (k, v) => _exportedEnv[k] = v,
            AddPath = p => _pathPrepends.Add(p),
            AddMask = _session.Masker.Add,
            SaveState = (k, v) => state[k] = v,
            State = state,
            RegisterPost = () => postRegistered = true,
            JobStatus = jobStatus,
            Time = Options.Time,
        };

        var context = ContextFor(Results.Success);
        Emit(logName, "Run " + uses, LineKind.Runner);
        using var timeoutCts = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        ActionResult? result;
        try
        {
            if (ResolveActionDirectory(uses) is { } actionDirectory)
            {
                var local = await RunLocalActionAsync(new LocalActionCall(step, stepId, name, logName, uses, actionDirectory, inputs, env, scope, frame), linked.Token);
                return local.Result == Results.Cancelled && timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                    ? local with { Result = Results.Failure, Message = $"the step exceeded its timeout of {timeout!.Value.TotalMinutes:0.##} minutes" }
                    : local;
            }
            else if (_session.Actions.Find(uses) is { } action)
            {
                result = await action.RunAsync(context, linked.Token);
                if (postRegistered)
                {
                    _posts.Add(new PostStep("Post " + name, async status => await action.PostAsync(ContextFor(status), CancellationToken.None)));
                }
            }
            else
            {
                return StepOutcome.Fail(uses.StartsWith("docker://", StringComparison.Ordinal)
                    ? $"action '{uses}': container actions are not supported (steps run on the host)"
                    : UnknownActionMessage(uses));
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            return timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? new StepOutcome(Results.Failure, null, $"the step exceeded its timeout of {timeout!.Value.TotalMinutes:0.##} minutes", outputs, tail.ToList())
                : new StepOutcome(Results.Cancelled, null, "the step was cancelled", outputs, tail.ToList());
        }

        return StepOutcome.FromAction(result, outputs, tail.ToList());
    }

    private Dictionary<string, string> GithubStrings()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in _github)
        {
            if (v is JsonValue)
            {
                d[k] = Stringify(v);
            }
        }

        if (_github["event"] is JsonObject ev && ev["before"] is JsonValue before)
        {
            d["event.before"] = Stringify(before);
        }

        return d;
    }

    /// <summary>Post parts of actions, in reverse order of their main parts; each decides by its post-if (default always()).</summary>
    private async Task RunPostStepsAsync()
    {
        for (var i = _posts.Count - 1; i >= 0; i--)
        {
            var post = _posts[i];
            var report = new StepReport { Id = "post_" + i, Name = post.Name };
            _report.Steps.Add(report);
            var clock = Stopwatch.StartNew();
            _session.Listener.StepStarted(_request.Label, post.Name);
            ActionResult? result;
            try
            {
                result = await post.Run(_cancelled ? Results.Cancelled : _failed ? Results.Failure : Results.Success);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ExpressionEvaluationException or System.ComponentModel.Win32Exception)
            {
                result = ActionResult.Fail(e.Message);
            }

            if (result is null)
            {
                report.Outcome = report.Conclusion = Results.Skipped;
                report.DurationMs = clock.Elapsed.TotalMilliseconds;
                Emit(post.Name, "skipped: its post-if is false", LineKind.Runner);
                continue;
            }

            report.Outcome = report.Conclusion = result.Succeeded ? Results.Success : Results.Failure;
            report.Message = result.Message is null ? null : _session.Masker.Apply(result.Message);
            report.DurationMs = clock.Elapsed.TotalMilliseconds;
            Emit(post.Name, result.Succeeded ? "success" : "##[error]" + result.Message, LineKind.Runner);
            if (!result.Succeeded)
            {
                _failed = true;
            }
        }
    }
}
