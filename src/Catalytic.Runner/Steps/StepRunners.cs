using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.BuiltIn;
using Catalytic.Runner.Actions.Composite;
using Catalytic.Runner.Actions.Container;
using Catalytic.Runner.Actions.JavaScript;
using Catalytic.Runner.Actions.Remote;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Scripts;

namespace Catalytic.Runner.Steps;

/// <summary>
/// The step kinds the runner knows, in the order they are asked, and what every <c>uses:</c> step shares before
/// its kind runs it: its <c>with:</c>, the action's folder and metadata, the "Run" line and the step's timeout.
/// A new kind is one <see cref="IStepRunner"/> class and one line in <see cref="Default"/>.
/// </summary>
internal sealed class StepRunners(IReadOnlyList<IStepRunner> runners)
{
    /// <summary>Every kind this runner has: scripts in the job's container or on the host, then actions.</summary>
    public static StepRunners Default { get; } = new(
    [
        new ContainerScriptRunner(),
        new HostScriptRunner(),
        new CompositeActionRunner(),
        new NodeActionRunner(),
        new ContainerActionRunner(),
        new BuiltinActionRunner(),
    ]);

    public IReadOnlyList<IStepRunner> All { get; } = runners;

    /// <summary>
    /// Before the job's first step: fetches (or finds in the cache) every remote action its steps use, as GitHub does in
    /// "Set up job", then runs each kind's pre parts. Answers why the job cannot start (an action that cannot be
    /// resolved), or null.
    /// </summary>
    public async Task<string?> RunPreStepsAsync(JobRun job, CancellationToken cancellationToken)
    {
        foreach (var step in job.Job.Steps)
        {
            if (step.Uses?.Trim() is { } uses && RemoteReference(job, uses) is { } reference)
            {
                var (_, error) = await job.Session.RemoteActions.ResolveAsync(job, "", reference, cancellationToken);
                if (error is not null)
                {
                    return UnknownActionMessage(job, uses, error);
                }
            }
        }

        foreach (var runner in All)
        {
            await runner.RunPreStepsAsync(job, cancellationToken);
        }

        return null;
    }

    /// <summary>Runs one step (of the job, or of a composite action) with the first runner that accepts it.</summary>
    public Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken)
    {
        if (call.Step.Uses is not null)
        {
            return RunActionAsync(call, cancellationToken);
        }

        if (call.Step.Run is null)
        {
            return Task.FromResult(StepOutcome.Fail("the step has neither run nor uses"));
        }

        return Find(call) is { } runner ? runner.RunAsync(call, cancellationToken) : Task.FromResult(StepOutcome.Fail("no runner for a run: step"));
    }

    private IStepRunner? Find(StepCall call)
    {
        foreach (var runner in All)
        {
            if (runner.Accepts(call))
            {
                return runner;
            }
        }

        return null;
    }

    private async Task<StepOutcome> RunActionAsync(StepCall call, CancellationToken cancellationToken)
    {
        var job = call.Job;
        var uses = call.Step.Uses!.Trim();
        call = call with { Uses = uses, Inputs = job.EvaluateWith(call.Step, call.Scope) };
        job.Emit(call.LogName, "Run " + uses, LineKind.Runner);
        using var timeoutCts = call.Timeout is { } t ? new CancellationTokenSource(t, job.Time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        var directory = ResolveActionDirectory(job, uses);
        if (directory is null && RemoteReference(job, uses) is { } reference)
        {
            (directory, var error) = await job.Session.RemoteActions.ResolveAsync(job, call.LogName, reference, linked.Token);
            if (error is not null)
            {
                return StepOutcome.Fail(UnknownActionMessage(job, uses, error));
            }
        }

        if (directory is not null)
        {
            var loaded = job.Session.LocalActions.Load(directory, job.Workspace);
            if (loaded.Action is null)
            {
                return MetadataErrors(call, [.. loaded.ErrorLines]);
            }

            call = call with { ActionDirectory = directory, Action = loaded.Action };
        }

        if (Find(call) is not { } runner)
        {
            return StepOutcome.Fail(UnknownActionMessage(job, uses, null));
        }

        var outcome = await runner.RunAsync(call, linked.Token);
        return outcome.Result == Results.Cancelled && timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            ? outcome with { Result = Results.Failure, Message = $"the step exceeded its timeout of {call.Timeout!.Value.TotalMinutes:0.##} minutes" }
            : outcome;
    }

    private static StepOutcome MetadataErrors(StepCall call, List<string> lines)
    {
        if (lines.Count == 1)
        {
            return StepOutcome.Fail(lines[0]);
        }

        foreach (var line in lines)
        {
            call.Job.Emit(call.LogName, "##[error]" + line, LineKind.Runner);
        }

        return StepOutcome.Fail($"{lines.Count} errors in the metadata of {call.Uses} (above); the first: {lines[0]}");
    }

    /// <summary>
    /// The folder of a <c>./path</c> action (always relative to the workspace, as on GitHub), of a mapped remote one
    /// (<c>--action-dir</c>, which wins over everything else), or of a remote one this run already fetched.
    /// </summary>
    internal static string? ResolveActionDirectory(JobRun job, string uses) =>
        ActionRegistry.IsLocal(uses)
            ? Path.GetFullPath(Path.Combine(job.Workspace, uses))
            : job.Options.ActionDirectories?.Resolve(uses)
                ?? (RemoteReference(job, uses) is { } reference ? job.Session.RemoteActions.Resolved(reference) : null);

    /// <summary>
    /// <paramref name="uses"/> as an action to fetch: <c>owner/repo[/path]@ref</c> that is neither mapped to a folder
    /// nor built in; null for anything else.
    /// </summary>
    internal static ActionReference? RemoteReference(JobRun job, string uses) =>
        ActionRegistry.IsLocal(uses) || uses.StartsWith("docker://", StringComparison.Ordinal) || job.Session.Actions.Find(uses) is not null
        || job.Options.ActionDirectories?.Resolve(uses) is not null
            ? null
            : ActionReference.Parse(uses);

    /// <summary>Why <paramref name="uses"/> cannot run (<paramref name="fetchError"/>: what its sources answered), and the ways to provide it.</summary>
    private static string UnknownActionMessage(JobRun job, string uses, string? fetchError)
    {
        var at = uses.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? uses : uses[..at];
        var parts = name.Split('/');
        var repo = parts.Length >= 2 ? parts[0] + "/" + parts[1] : name;
        var key = at < 0 ? repo : repo + uses[at..];
        var why = fetchError is not null ? fetchError + ". " : "";
        return $"action '{uses}' is not available: {why}Catalytic runs its built-in actions ({string.Join(", ", job.Session.Actions.Names)}), "
            + "local ones (uses: ./path) and those it fetches from --actions-url URL (catalytic.yml: actions-url:, default https://github.com). "
            + $"To run {repo} from a local copy, map it: catalytic run --action-dir {key}=PATH "
            + $"(or in catalytic.yml: actions: {{ {key}: PATH }})";
    }
}
