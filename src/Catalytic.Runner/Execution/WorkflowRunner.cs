using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Platform.Secrets;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Scheduling;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Reusable;

namespace Catalytic.Runner.Execution;

/// <summary>A workflow considered for this run: whether its `on:` matched the event and, if not, why.</summary>
public sealed record PlannedWorkflow(Workflow Workflow, bool Triggered, string? NotTriggeredReason = null);

/// <summary>
/// Runs triggered workflows on the host, all at once within <see cref="RunOptions.MaxParallel"/> job slots,
/// writes <c>.catalytic/runs/N/</c> (a log per job, step summaries, <c>report.json</c>) and returns the report.
/// </summary>
public sealed class WorkflowRunner
{
    private readonly RunOptions _options;
    private readonly IExpressionEngine _expressions;
    private readonly IRunListener _listener;
    private readonly SecretMasker _masker;

    public WorkflowRunner(RunOptions options, IExpressionEngine expressions, IRunListener? listener = null, SecretMasker? masker = null)
    {
        _options = options;
        _expressions = expressions;
        _listener = listener ?? NullRunListener.Instance;
        _masker = masker ?? new SecretMasker();
        foreach (var secret in options.Secrets.Values)
        {
            _masker.Add(secret);
        }
    }

    /// <summary>The masker of this run (secrets plus every <c>::add-mask::</c>), for output written outside it.</summary>
    public SecretMasker Masker => _masker;

    /// <summary>
    /// Types `--input` values per a workflow's `workflow_dispatch` inputs: booleans and numbers typed, defaults
    /// applied, required inputs and choices checked. Errors name the input; nothing runs when there are any.
    /// </summary>
    public static (JsonObject Inputs, List<string> Errors) ResolveInputs(Workflow workflow, IReadOnlyDictionary<string, string> given)
    {
        var inputs = new JsonObject();
        var errors = new List<string>();
        foreach (var def in workflow.DispatchInputs)
        {
            var raw = given.TryGetValue(def.Name, out var g) ? g : def.Default?.Value;
            if (raw is null)
            {
                if (def.Required)
                {
                    errors.Add($"{def.Span}: input '{def.Name}' is required (pass --input {def.Name}=VALUE)");
                }

                inputs[def.Name] = def.Type switch { InputType.Boolean => false, InputType.Number => null, _ => "" };
                continue;
            }

            switch (def.Type)
            {
                case InputType.Boolean:
                    if (raw.Equals("true", StringComparison.OrdinalIgnoreCase) || raw.Equals("false", StringComparison.OrdinalIgnoreCase))
                    {
                        inputs[def.Name] = raw.Equals("true", StringComparison.OrdinalIgnoreCase);
                    }
                    else
                    {
                        errors.Add($"{def.Span}: input '{def.Name}' is a boolean; '{raw}' is neither true nor false");
                    }

                    break;
                case InputType.Number:
                    if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    {
                        inputs[def.Name] = d;
                    }
                    else
                    {
                        errors.Add($"{def.Span}: input '{def.Name}' is a number; '{raw}' is not");
                    }

                    break;
                case InputType.Choice:
                    if (def.Options.Length > 0 && !def.Options.Contains(raw))
                    {
                        errors.Add($"{def.Span}: input '{def.Name}' must be one of {string.Join(", ", def.Options)}; got '{raw}'");
                    }

                    inputs[def.Name] = raw;
                    break;
                default:
                    inputs[def.Name] = raw;
                    break;
            }
        }

        foreach (var name in given.Keys.Where(k => workflow.DispatchInputs.Length > 0 && !workflow.DispatchInputs.Any(d => d.Name == k)))
        {
            errors.Add($"{workflow.File}: workflow_dispatch has no input '{name}'");
        }

        return (inputs, errors);
    }

    /// <summary>Runs the triggered workflows of <paramref name="plan"/>; <paramref name="cancellationToken"/> is Ctrl-C.</summary>
    public async Task<RunReport> RunAsync(IReadOnlyList<PlannedWorkflow> plan, int runNumber, CancellationToken cancellationToken)
    {
        var startedAt = _options.Time.GetTimestamp();
        var runDirectory = Path.Combine(_options.State, "runs", runNumber.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDirectory);
        var called = _options.CalledWorkflows
            ?? WorkflowCallResolver.Resolve(plan.Where(p => p.Triggered).Select(p => p.Workflow), _options.Workspace);
        var host = new LocalJobHost(_options.Workspace, runDirectory, _options.State, _options.Secrets, _listener, _options.Time, _options.Logger);
        var session = new RunSession(_options, _expressions, _masker, host, runDirectory, runNumber) { Called = called };
        var report = new RunReport { RunNumber = runNumber, Event = _options.EventName, RunDirectory = runDirectory };

        var eventPath = Path.Combine(runDirectory, "event.json");
        await File.WriteAllTextAsync(eventPath, _options.EventPayload.ToJsonString(), CancellationToken.None);

        var triggered = plan.Where(p => p.Triggered).ToList();
        var runs = new List<Task<string>>();
        foreach (var p in plan)
        {
            var wr = new WorkflowReport { File = p.Workflow.File, Name = p.Workflow.Name, Triggered = p.Triggered, NotTriggeredReason = p.NotTriggeredReason };
            report.Workflows.Add(wr);
            if (!p.Triggered)
            {
                wr.Result = Results.Skipped;
                continue;
            }

            var (inputs, _) = ResolveInputs(p.Workflow, _options.Inputs);
            var selected = _options.JobFilter.Count == 0
                ? p.Workflow.Jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal)
                : p.Workflow.Jobs.Select(j => j.Id).Where(_options.JobFilter.Contains).ToHashSet(StringComparer.Ordinal);
            var prefix = triggered.Count > 1 ? Path.GetFileNameWithoutExtension(p.Workflow.File) + "/" : "";
            var executor = new WorkflowExecutor(session, p.Workflow, wr, inputs, prefix, eventPath);
            runs.Add(RunOne(executor, wr, selected, cancellationToken));
        }

        var results = await Task.WhenAll(runs);
        await session.CleanupsAsync();
        report.Result = results.Contains(Results.Failure) ? Results.Failure
            : results.Contains(Results.Cancelled) || cancellationToken.IsCancellationRequested ? Results.Cancelled
            : Results.Success;
        report.DurationMs = _options.Time.GetElapsedTime(startedAt).TotalMilliseconds;
        report.Artifacts = [.. ArtifactStore.List(runDirectory, _options.Logger).Select(a => new ArtifactReport
        {
            Name = a.Name,
            SizeBytes = a.SizeBytes,
            FileCount = a.FileCount,
            Path = ArtifactStore.FilesOf(runDirectory, a.Name),
        })];
        var json = _masker.Apply(JsonSerializer.Serialize(report, RunReportJsonContext.Default.RunReport));
        await File.WriteAllTextAsync(Path.Combine(runDirectory, "report.json"), json, CancellationToken.None);
        return report;
    }

    /// <summary>The report as masked JSON (for <c>--json</c>).</summary>
    public string ToJson(RunReport report) => _masker.Apply(JsonSerializer.Serialize(report, RunReportJsonContext.Default.RunReport));

    private static async Task<string> RunOne(WorkflowExecutor executor, WorkflowReport report, IReadOnlyCollection<string> selected, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            report.Result = await executor.RunAsync(selected, cancellationToken);
        }
        catch (ExpressionEvaluationException e)
        {
            report.Result = Results.Failure;
            report.NotTriggeredReason = e.Message;
        }

        return report.Result;
    }
}
