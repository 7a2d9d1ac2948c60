using System.Text.Json.Nodes;
using Catalytic.Platform.Secrets;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Actions.Local;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Scheduling;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Runner.Hosting;

/// <summary>What a worker brings to the jobs it runs: its actions, services, state folder and clock.</summary>
public sealed record JobWorkerOptions
{
    /// <summary>The worker's state folder (run folders, caches, tool cache); default <c>{workspace}/.catalytic</c>.</summary>
    public string? StateDirectory { get; init; }

    public IReadOnlyList<IBuiltinAction> Actions { get; init; } = [];

    public IJobServiceHost? Services { get; init; }

    public string? Podman { get; init; }

    /// <summary>How long a remote action's tag, once resolved, is used from the worker's cache without asking its source (<see cref="RunOptions.ActionRefsMaxAge"/>).</summary>
    public TimeSpan ActionRefsMaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The worker's clock (the host chooses it).</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>Where the runner's own diagnostics go; default nowhere.</summary>
    public Microsoft.Extensions.Logging.ILogger Logger { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The environment steps start from; default the worker's own.</summary>
    public IReadOnlyDictionary<string, string>? HostEnvironment { get; init; }

    /// <summary>The worker's name: the job's <c>RUNNER_NAME</c> and <c>runner.name</c>.</summary>
    public string RunnerName { get; init; } = "catalytic";

    /// <summary>Whether the workspace is the worker's own checkout for the job (serve's workers), not a person's working tree.</summary>
    public bool WorkspaceIsCheckout { get; init; }

    /// <summary>
    /// Values masked in everything the job prints, as its secrets are, though no step is given them (the job's own
    /// credential for the server, which only the worker's built-in actions use).
    /// </summary>
    public IReadOnlyList<string> Masked { get; init; } = [];
}

/// <summary>
/// Runs one job from its <see cref="JobSpec"/>, in whatever process holds it: reads the workflow again, resolves the
/// secrets' names through the host, evaluates the workflow's <c>env</c> as the planner's executor does, and runs the
/// job with the same <see cref="JobExecutor"/> as <c>catalytic run</c>.
/// </summary>
public static class JobWorker
{
    public static async Task<JobOutcome> RunAsync(JobSpec spec, IJobHost host, JobWorkerOptions options, IExpressionEngine expressions, CancellationToken cancellationToken)
    {
        var masker = new SecretMasker();
        foreach (var value in options.Masked)
        {
            masker.Add(value);
        }

        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, hostName) in spec.Secrets)
        {
            var value = host.Secret(hostName) ?? "";
            masker.Add(value);
            secrets[name] = value;
        }

        var text = spec.Workflow.Content ?? await File.ReadAllTextAsync(Path.Combine(host.Workspace, spec.Workflow.Path), cancellationToken);
        var parsed = WorkflowParser.Parse(spec.Workflow.Path, text);
        if (parsed.Workflow?.Jobs.FirstOrDefault(j => j.Id == spec.JobId) is not { } job || parsed.Workflow is not { } workflow)
        {
            var why = parsed.Workflow is null
                ? $"{spec.Workflow.Path} is not a valid workflow: {parsed.Diagnostics.FirstOrDefault()}"
                : $"{spec.Workflow.Path} has no job '{spec.JobId}'";
            return Failed(spec, masker.Apply(why));
        }

        var (directories, directoryErrors) = ActionDirectoryMap.Create(spec.Settings.ActionDirectories.Select(kv => (kv.Key, kv.Value)), host.Workspace);
        if (directoryErrors.Count > 0)
        {
            return Failed(spec, string.Join("; ", directoryErrors));
        }

        var runOptions = new RunOptions
        {
            Workspace = host.Workspace,
            StateDirectory = options.StateDirectory,
            EventName = spec.EventName,
            Github = spec.Github,
            EventPayload = spec.EventPayload,
            Secrets = secrets,
            Vars = spec.Vars,
            Env = spec.Env,
            CancelGracePeriod = TimeSpan.FromSeconds(spec.Settings.CancelGraceSeconds),
            FailedStepTailLines = spec.Settings.FailedStepTailLines,
            Actions = options.Actions,
            ActionDirectories = directories,
            ActionsUrls = spec.Settings.ActionsUrls ?? [],
            ToolchainMirror = spec.Settings.ToolchainMirror,
            ActionRefsMaxAge = options.ActionRefsMaxAge,
            Services = options.Services,
            JobContainer = spec.Settings.JobContainer,
            Podman = options.Podman,
            Time = options.Time,
            Logger = options.Logger,
            HostEnvironment = options.HostEnvironment,
            RunnerName = options.RunnerName,
            WorkspaceIsCheckout = options.WorkspaceIsCheckout,
        };
        var runDirectory = Path.Combine(runOptions.State, "runs", spec.Run.RunNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDirectory);
        var eventPath = Path.Combine(runDirectory, "event.json");
        await File.WriteAllTextAsync(eventPath, spec.EventPayload.ToJsonString(), cancellationToken);
        var session = new RunSession(runOptions, expressions, masker, host, runDirectory, spec.Run.RunNumber);
        var frameSecrets = session.Secrets;
        var github = spec.Call?.CallerGithub ?? CallFrame.TopLevel(session, workflow).Github;
        try
        {
            var scope = new ExpressionScope(WorkflowExecutor.WorkflowContexts(github, session.Vars, frameSecrets, spec.Inputs), new JobStatusView(true, false, false), host.Workspace);
            var workflowEnv = WorkflowExecutor.WorkflowEnv(expressions, workflow, spec.Env, scope);
            var request = new JobRequest(workflow, job, spec.Label, spec.Matrix, spec.Strategy, spec.Needs, workflowEnv, spec.Inputs, Path.Combine(runDirectory, spec.LogPath), eventPath)
            {
                ReportId = spec.ReportId,
                CallerGithub = spec.Call?.CallerGithub,
                Secrets = spec.Call is null ? null : frameSecrets,
                CallChain = spec.Call?.Chain,
            };
            var result = await new JobExecutor(session, request).RunAsync(cancellationToken);
            // The outputs as the job set them: the planner needs them for `needs.*` (the report's are masked).
            return new JobOutcome(result.Result, result.Outcome, result.Reason, new Dictionary<string, string>(result.Outputs, StringComparer.Ordinal), result.Report);
        }
        catch (ExpressionEvaluationException e)
        {
            // The workflow's env failed: the planner's executor fails the workflow for it; a lone job fails.
            return Failed(spec, masker.Apply(e.Message));
        }
        finally
        {
            await session.CleanupsAsync();
        }
    }

    private static JobOutcome Failed(JobSpec spec, string reason) => new(
        Results.Failure,
        Results.Failure,
        reason,
        [],
        new JobReport { Id = spec.ReportId, Name = spec.Label, Matrix = spec.Matrix?.ToJsonString(), Result = Results.Failure, Outcome = Results.Failure, Reason = reason });
}
