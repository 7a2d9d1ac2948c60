using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Catalytic.Platform.Linux;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>
/// Runs the steps of one job instance on the host: evaluates each step's <c>if:</c> against the job's status,
/// runs scripts and actions, applies file and workflow commands, then the post steps, then the job's outputs.
/// </summary>
internal sealed partial class JobExecutor
{
    private static readonly TimeSpan DefaultJobTimeout = TimeSpan.FromMinutes(360);

    private readonly RunSession _session;
    private readonly JobRequest _request;
    private readonly JobReport _report;
    private readonly Dictionary<string, string> _exportedEnv = new(StringComparer.Ordinal);
    private readonly List<string> _pathPrepends = [];
    private readonly JsonObject _steps = [];
    private readonly List<PostStep> _posts = [];
    private readonly List<int> _processGroups = [];
    private readonly StringBuilder _summary = new();
    private readonly JsonObject _jobContext = new() { ["status"] = Results.Success, ["services"] = new JsonObject(), ["container"] = new JsonObject() };
    private readonly Dictionary<string, string> _serviceEnv = new(StringComparer.Ordinal);
    private readonly object _logGate = new();
    private StreamWriter? _log;
    private Dictionary<string, string> _jobEnv = new(StringComparer.Ordinal);
    private Defaults? _jobDefaults;
    private JsonObject _github = [];
    private string _runnerTemp = "";
    private bool _failed;
    private bool _cancelled;

    public JobExecutor(RunSession session, JobRequest request)
    {
        _session = session;
        _request = request;
        _report = new JobReport { Id = request.ReportId ?? request.Job.Id, Name = request.Label, Matrix = request.Matrix?.ToJsonString() };
    }

    private RunOptions Options => _session.Options;

    private Job Job => _request.Job;

    /// <summary>Runs the job; <paramref name="cancellationToken"/> is the run's cancellation (Ctrl-C, fail-fast).</summary>
    public async Task<JobInstanceResult> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        _report.LogFile = _request.LogFile;
        Directory.CreateDirectory(Path.GetDirectoryName(_request.LogFile)!);
        _log = new StreamWriter(_request.LogFile, append: false, Encoding.UTF8) { AutoFlush = false };
        _runnerTemp = Directory.CreateTempSubdirectory("catalytic-job-").FullName;
        _session.Listener.JobStarted(_request.Label);
        string? reason = null;
        var timedOut = false;
        IAsyncDisposable? services = null;
        try
        {
            _github = BuildGithubContext();
            var jobTimeout = EvaluateTimeout(Job.TimeoutMinutes, BaseScope(null)) ?? DefaultJobTimeout;
            using var jobTimeoutCts = new CancellationTokenSource(jobTimeout);
            using var jobCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, jobTimeoutCts.Token);

            _jobEnv = EvaluateEnv(Job.Env, Job.EnvExpression, _request.WorkflowEnv, BaseScope(_request.WorkflowEnv), "env");
            if ((Job.Defaults?.RunExpression ?? (TemplateNode?)Job.Defaults?.RunTemplate) is { } defaultsRun)
            {
                var run = EvaluateWholeMapping(_session.Expressions, defaultsRun, BaseScope(_jobEnv), "defaults.run");
                _jobDefaults = new Defaults(run.GetValueOrDefault("shell"), run.GetValueOrDefault("working-directory"));
            }

            var container = ReadJobContainer(out var containerError);
            if (containerError is not null)
            {
                _failed = true;
                reason = containerError;
                Emit("", "##[error]" + containerError, LineKind.Runner);
            }

            if (!_failed && (Job.Services is { Entries.Length: > 0 } || Job.ServicesExpression is not null))
            {
                var started = await StartServicesAsync(jobCts.Token);
                if (!started.Succeeded)
                {
                    _failed = true;
                    reason = started.Message;
                }

                services = started.Handle;
            }

            // After the services: the job container reaches them by their ids.
            if (!_failed && container is not null && await StartJobContainerAsync(container, jobCts.Token) is { } startError)
            {
                // Cancelled while starting is a cancelled job, not a failed one; either way no step runs (not on the host).
                _cancelled = cancellationToken.IsCancellationRequested;
                _failed = !_cancelled;
                reason = startError;
                Emit("", "##[error]" + startError, LineKind.Runner);
            }

            if (!_failed && (container is null || _container is not null))
            {
                await RunStepsAsync(jobCts.Token, cancellationToken, jobTimeoutCts);
            }

            timedOut = jobTimeoutCts.IsCancellationRequested;
            if (timedOut)
            {
                _failed = true;
                reason = $"the job exceeded its timeout of {jobTimeout.TotalMinutes:0.##} minutes";
                Emit("", $"##[error]{reason}", LineKind.Runner);
            }

            await RunPostStepsAsync();
        }
        catch (ExpressionEvaluationException e)
        {
            _failed = true;
            reason = e.Message;
            Emit("", "##[error]" + e.Message, LineKind.Runner);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            _failed = true;
            reason = e.Message;
            Emit("", "##[error]" + e.Message, LineKind.Runner);
        }
        finally
        {
            if (_container is not null)
            {
                await _container.DisposeAsync();
            }

            if (services is not null)
            {
                await services.DisposeAsync();
            }

            KillOrphans();
            _session.DeleteLater(_runnerTemp);
        }

        var outcome = _cancelled && !_failed ? Results.Cancelled : _failed ? Results.Failure : Results.Success;
        if (_cancelled && !timedOut)
        {
            outcome = Results.Cancelled;
        }

        var outputs = outcome == Results.Cancelled ? new Dictionary<string, string>() : EvaluateOutputs();
        var continueOnError = outcome == Results.Failure && EvaluateFlag(Job.ContinueOnError, BaseScope(_jobEnv));
        var result = continueOnError ? Results.Success : outcome;
        if (reason is null && outcome == Results.Failure)
        {
            reason = _report.Steps.LastOrDefault(s => s.Outcome == Results.Failure) is { } failedStep ? $"step '{failedStep.Name}' failed" : null;
        }

        _report.Result = result;
        _report.Outcome = outcome;
        _report.Reason = reason is null ? null : _session.Masker.Apply(reason);
        _report.DurationMs = clock.Elapsed.TotalMilliseconds;
        foreach (var (k, v) in outputs)
        {
            _report.Outputs[k] = _session.Masker.Apply(v);
        }

        WriteSummary();
        lock (_logGate)
        {
            _log.WriteLine($"job {result}{(reason is null ? "" : ": " + _report.Reason)} in {clock.Elapsed.TotalSeconds:0.000}s");
            _log.Dispose();
            _log = null;
        }

        _session.Listener.JobFinished(_request.Label, result + (result != outcome ? $" (outcome {outcome}, continue-on-error)" : ""), clock.Elapsed);
        return new JobInstanceResult(result, outcome, _report.Reason, outputs, _report);
    }

    private async Task RunStepsAsync(CancellationToken jobToken, CancellationToken runToken, CancellationTokenSource jobTimeout)
    {
        await RunPreStepsAsync(jobToken);
        for (var i = 0; i < Job.Steps.Length; i++)
        {
            var step = Job.Steps[i];
            if (jobTimeout.IsCancellationRequested)
            {
                break;
            }

            _cancelled |= runToken.IsCancellationRequested;
            await RunStepAsync(step, i, _cancelled ? jobTimeout.Token : jobToken);
        }
    }

    private JsonObject BuildGithubContext()
    {
        if (_request.CallerGithub is { } caller)
        {
            // A called workflow's jobs see the caller's github context (event, event_name, workflow…), with their own job id.
            var c = (JsonObject)caller.DeepClone();
            c["job"] = Job.Id;
            c["event_path"] = _request.EventPath;
            return c;
        }

        var g = (JsonObject)Options.Github.DeepClone();
        g["event"] = Options.EventPayload.DeepClone();
        g["job"] = Job.Id;
        g["workflow"] = _request.Workflow.Name;
        g["workflow_ref"] = $"{g["repository"]}/{_request.Workflow.File}@{g["ref"]}";
        g["event_path"] = _request.EventPath;
        if (_request.Workflow.DispatchInputs.Length > 0 || Options.EventName == "workflow_dispatch")
        {
            ((JsonObject)g["event"]!)["inputs"] = DispatchEventInputs();
        }

        return g;
    }

    /// <summary>`github.event.inputs`: the same inputs as strings (GitHub's rule for workflow_dispatch).</summary>
    private JsonObject DispatchEventInputs() => DispatchEventInputs(_request.Inputs);

    /// <summary>`github.event.inputs`: the inputs as strings (GitHub's rule for workflow_dispatch).</summary>
    internal static JsonObject DispatchEventInputs(JsonObject inputs)
    {
        var o = new JsonObject();
        foreach (var (k, v) in inputs)
        {
            o[k] = v switch
            {
                null => "",
                JsonValue jv when jv.TryGetValue<bool>(out var b) => b ? "true" : "false",
                _ => v is JsonValue sv && sv.TryGetValue<string>(out var s) ? s : v.ToJsonString(),
            };
        }

        return o;
    }

    private ExpressionScope BaseScope(IReadOnlyDictionary<string, string>? env, bool includeSteps = false) =>
        new(Contexts(env, includeSteps), Status(), Options.Workspace);

    private JobStatusView Status() => new(!_failed && !_cancelled, _failed, _cancelled);

    private Dictionary<string, JsonNode?> Contexts(IReadOnlyDictionary<string, string>? env, bool includeSteps)
    {
        var envNode = new JsonObject();
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                envNode[k] = v;
            }
        }

        _jobContext["status"] = _cancelled ? Results.Cancelled : _failed ? Results.Failure : Results.Success;
        return new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["github"] = _github,
            ["env"] = envNode,
            ["vars"] = _session.Vars,
            ["secrets"] = _request.Secrets ?? _session.Secrets,
            ["inputs"] = _request.Inputs,
            ["job"] = _jobContext,
            ["steps"] = includeSteps ? _steps : new JsonObject(),
            ["runner"] = RunnerContext(),
            ["strategy"] = _request.Strategy,
            ["matrix"] = _request.Matrix ?? new JsonObject(),
            ["needs"] = _request.Needs,
        };
    }

    private JsonObject RunnerContext() => new()
    {
        ["os"] = OperatingSystem.IsMacOS() ? "macOS" : OperatingSystem.IsWindows() ? "Windows" : "Linux",
        ["arch"] = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.Arm64 => "ARM64",
            System.Runtime.InteropServices.Architecture.Arm => "ARM",
            System.Runtime.InteropServices.Architecture.X86 => "X86",
            _ => "X64",
        },
        ["name"] = "catalytic",
        ["environment"] = "self-hosted",
        ["temp"] = _runnerTemp,
        ["tool_cache"] = ToolCache,
        ["workspace"] = Path.GetDirectoryName(Options.Workspace) ?? Options.Workspace,
    };

    private string ToolCache => Path.Combine(Options.State, "tool-cache");

    /// <summary>Evaluates an `env:` mapping on top of <paramref name="lower"/>; each value sees the layers below it.</summary>
    /// <summary>The job's `defaults` (from `defaults.run: ${{ … }}` once evaluated).</summary>
    private Defaults? JobDefaults => _jobDefaults ?? Job.Defaults;

    /// <summary>
    /// A `${{ }}` standing for a whole mapping (`env`, `with`, `defaults.run`…) evaluated to name → text; a result that is
    /// not a mapping is an error at the expression's place, as on GitHub.
    /// </summary>
    internal static Dictionary<string, string> EvaluateWholeMapping(IExpressionEngine engine, TemplateNode expression, ExpressionScope scope, string what)
    {
        var value = engine.Evaluate(expression, scope);
        if (value is not JsonObject o)
        {
            var found = value switch
            {
                null => "null",
                JsonArray => "a sequence",
                _ => $"'{Stringify(value)}'",
            };
            throw new ExpressionEvaluationException(expression.Span, $"'{what}' must evaluate to a mapping, but {(expression as TemplateScalar)?.Value.Trim()} gave {found}");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
        {
            result[k] = Stringify(v);
        }

        return result;
    }

    /// <summary>Evaluates an `env:` (a mapping, or one expression for all of it) on top of <paramref name="lower"/>.</summary>
    private Dictionary<string, string> EvaluateEnv(TemplateMapping? mapping, TemplateNode? expression, IReadOnlyDictionary<string, string> lower, ExpressionScope scope, string what)
    {
        if (expression is not null)
        {
            var merged = new Dictionary<string, string>(lower, StringComparer.Ordinal);
            foreach (var (k, v) in EvaluateWholeMapping(_session.Expressions, expression, scope, what))
            {
                merged[k] = v;
            }

            return merged;
        }

        return EvaluateEnv(mapping, lower, scope);
    }

    private Dictionary<string, string> EvaluateEnv(TemplateMapping? mapping, IReadOnlyDictionary<string, string> lower, ExpressionScope scope)
    {
        var result = new Dictionary<string, string>(lower, StringComparer.Ordinal);
        if (mapping is null)
        {
            return result;
        }

        foreach (var (key, value) in mapping.Entries)
        {
            result[key.Value] = value is TemplateScalar s ? _session.Expressions.EvaluateString(s, scope) : Stringify(_session.Expressions.Evaluate(value, scope));
        }

        return result;
    }

    internal static string Stringify(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private TimeSpan? EvaluateTimeout(TemplateScalar? scalar, ExpressionScope scope)
    {
        if (scalar is null)
        {
            return null;
        }

        var text = _session.Expressions.EvaluateString(scalar, scope);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) || minutes <= 0)
        {
            throw new ExpressionEvaluationException(scalar.Span, $"timeout-minutes must be a positive number, got '{text}'");
        }

        return TimeSpan.FromMinutes(minutes);
    }

    private bool EvaluateFlag(TemplateScalar? scalar, ExpressionScope scope)
    {
        if (scalar is null)
        {
            return false;
        }

        var value = _session.Expressions.Evaluate(scalar, scope);
        return value switch
        {
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            JsonValue v when v.TryGetValue<string>(out var s) => s.Equals("true", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    private Dictionary<string, string> EvaluateOutputs()
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Job.Outputs is null)
        {
            return outputs;
        }

        var scope = BaseScope(_jobEnv, includeSteps: true);
        foreach (var (key, value) in Job.Outputs.Entries)
        {
            try
            {
                outputs[key.Value] = value is TemplateScalar s ? _session.Expressions.EvaluateString(s, scope) : Stringify(_session.Expressions.Evaluate(value, scope));
            }
            catch (ExpressionEvaluationException e)
            {
                Emit("", "##[warning]output '" + key.Value + "': " + e.Message, LineKind.Runner);
            }
        }

        return outputs;
    }

    private async Task<JobServicesResult> StartServicesAsync(CancellationToken cancellationToken)
    {
        if (Options.Services is null)
        {
            return new JobServicesResult(false, $"job '{Job.Id}' declares services but this runner has no service host", null, null, null);
        }

        var scope = BaseScope(_jobEnv);
        var definitions = Job.ServicesExpression is { } whole
            ? EvaluatedServices(whole, scope)
            : Job.Services!.Entries.Select(e => new KeyValuePair<string, TemplateNode>(e.Key.Value, e.Value)).ToList();
        var result = await Options.Services.StartAsync(
            new JobServicesRequest(
                _request.Workflow.Name,
                Job.Id,
                definitions,
                s => _session.Expressions.EvaluateString(s, scope),
                _runnerTemp,
                Options.State,
                line => Emit("services", line, LineKind.Output)),
            cancellationToken);
        if (result.Context is not null)
        {
            _jobContext["services"] = result.Context;
        }

        foreach (var (k, v) in result.Environment ?? new Dictionary<string, string>())
        {
            _serviceEnv[k] = v;
        }

        return result;
    }

    /// <summary>`services: ${{ … }}` evaluated, each service turned back into the template form the service host reads.</summary>
    private List<KeyValuePair<string, TemplateNode>> EvaluatedServices(TemplateScalar whole, ExpressionScope scope)
    {
        if (_session.Expressions.Evaluate(whole, scope) is not JsonObject services)
        {
            throw new ExpressionEvaluationException(whole.Span, $"'services' must evaluate to a mapping of service ids to services, but {whole.Value.Trim()} did not");
        }

        return [.. services.Select(kv => new KeyValuePair<string, TemplateNode>(kv.Key, ToTemplate(kv.Value, whole.Span)))];
    }

    /// <summary>A JSON value as a template node at <paramref name="span"/> (strings quoted, so they are not re-typed).</summary>
    internal static TemplateNode ToTemplate(JsonNode? node, SourceSpan span) => node switch
    {
        JsonObject o => new TemplateMapping([.. o.Select(kv => new KeyValuePair<TemplateScalar, TemplateNode>(new TemplateScalar(kv.Key, false, span), ToTemplate(kv.Value, span)))], span),
        JsonArray a => new TemplateSequence([.. a.Select(i => ToTemplate(i, span))], span),
        null => new TemplateScalar("", true, span),
        JsonValue v when v.TryGetValue<string>(out var s) => new TemplateScalar(s, false, span),
        _ => new TemplateScalar(Stringify(node), true, span),
    };

    private void KillOrphans()
    {
        // GitHub ends processes a job left behind (`server &`) when the job is over.
        foreach (var pgid in _processGroups)
        {
            if (ProcessGroups.IsAlive(pgid))
            {
                ProcessGroups.Signal(pgid, ProcessGroups.SigKill);
            }

            RunSession.Untrack(pgid);
        }
    }

    private void WriteSummary()
    {
        if (_summary.Length == 0)
        {
            return;
        }

        var path = Path.ChangeExtension(_request.LogFile, ".summary.md");
        File.WriteAllText(path, _session.Masker.Apply(_summary.ToString()));
    }

    /// <summary>Writes one line to the job log and the listener, masked.</summary>
    private void Emit(string stepName, string text, LineKind kind)
    {
        var masked = _session.Masker.Apply(text);
        lock (_logGate)
        {
            _log?.Write('[');
            _log?.Write(stepName);
            _log?.Write("] ");
            _log?.WriteLine(kind == LineKind.GroupStart ? "::group::" + masked : kind == LineKind.GroupEnd ? "::endgroup::" : masked);
        }

        _session.Listener.Line(_request.Label, stepName, masked, kind);
    }

    /// <summary>
    /// A post part to run at the end of the job: <see cref="Run"/> gets the job's status (success, failure, cancelled)
    /// and returns null when its condition (a JavaScript action's <c>post-if</c>) says not to run.
    /// </summary>
    private sealed record PostStep(string Name, Func<string, Task<ActionResult?>> Run);
}
