namespace Catalytic.Runner.Actions;

/// <summary>
/// An action the runner executes in-process instead of fetching it: `actions/checkout`, `actions/cache`,
/// `dorny/paths-filter`, `catalytic/deploy`… Matched by `owner/name` (any `@ref`), case-insensitively.
/// </summary>
public interface IBuiltinAction
{
    /// <summary>The `owner/name` values this action answers to, e.g. `actions/cache` and `actions/cache/restore`.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Runs the action's main part. Failures are reported through the result, not by throwing.</summary>
    Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken);

    /// <summary>Runs the action's post part (after the job's steps), when it registered one via <see cref="ActionContext.RegisterPost"/>.</summary>
    Task<ActionResult> PostAsync(ActionContext context, CancellationToken cancellationToken) => Task.FromResult(ActionResult.Success);
}

/// <summary>How a built-in action ended. <see cref="Message"/> is shown to the user on failure.</summary>
public sealed record ActionResult(bool Succeeded, string? Message = null)
{
    public static ActionResult Success { get; } = new(true);

    public static ActionResult Fail(string message) => new(false, message);
}

/// <summary>
/// Everything a built-in action may see and do during one step. Inputs are already evaluated;
/// everything written through <see cref="Log"/> passes the run's secret masker.
/// </summary>
public sealed class ActionContext
{
    /// <summary>`with:` inputs after expression evaluation, keyed case-insensitively.</summary>
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }

    /// <summary>The repository's working tree (GITHUB_WORKSPACE).</summary>
    public required string Workspace { get; init; }

    /// <summary>RUNNER_TEMP of this job.</summary>
    public required string RunnerTemp { get; init; }

    /// <summary>The run's folder under .catalytic/runs/ (artifacts of this run live below it).</summary>
    public required string RunDirectory { get; init; }

    /// <summary>The repository's .catalytic/ state folder (caches shared by runs live below it).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Whether <see cref="Workspace"/> is a checkout the worker made for this job rather than a person's own working tree (<see cref="Execution.RunOptions.WorkspaceIsCheckout"/>).</summary>
    public bool WorkspaceIsCheckout { get; init; }

    /// <summary>The environment the step would get (GITHUB_*, env contexts merged).</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>The `github` context values the actions commonly need: event_name, sha, ref, and the event's `before` for push.</summary>
    public required IReadOnlyDictionary<string, string> Github { get; init; }

    /// <summary>Writes one line of the step's log (masked, tagged with job and step by the runner).</summary>
    public required Action<string> Log { get; init; }

    /// <summary>Sets a step output (`steps.&lt;id&gt;.outputs.&lt;name&gt;`).</summary>
    public required Action<string, string> SetOutput { get; init; }

    /// <summary>Exports an environment variable to later steps (like GITHUB_ENV).</summary>
    public required Action<string, string> ExportVariable { get; init; }

    /// <summary>Prepends a directory to PATH for later steps (like GITHUB_PATH).</summary>
    public required Action<string> AddPath { get; init; }

    /// <summary>Adds a value to the secret masker (like ::add-mask::).</summary>
    public required Action<string> AddMask { get; init; }

    /// <summary>Saves state for the post part (like GITHUB_STATE); read back through <see cref="State"/>.</summary>
    public required Action<string, string> SaveState { get; init; }

    public IReadOnlyDictionary<string, string> State { get; init; } = new Dictionary<string, string>();

    /// <summary>Asks the runner to call <see cref="IBuiltinAction.PostAsync"/> when the job ends.</summary>
    public required Action RegisterPost { get; init; }

    /// <summary>
    /// The job's status when <see cref="IBuiltinAction.PostAsync"/> runs: `success`, `failure` or `cancelled`
    /// (GitHub's `job.status`). `actions/cache` saves only on `success`, like its `post-if: success()`.
    /// </summary>
    public string JobStatus { get; init; } = "success";

    /// <summary>Where the run's artifacts are kept; null: the run's folder (<see cref="RunDirectory"/>).</summary>
    public BuiltIn.Artifacts.IArtifactStore? Artifacts { get; init; }

    /// <summary>Where caches are kept; null: the state folder (<see cref="StateDirectory"/>).</summary>
    public BuiltIn.Cache.ICacheStores? Caches { get; init; }

    /// <summary><see cref="Artifacts"/>, or the run folder's store.</summary>
    internal BuiltIn.Artifacts.IArtifactStore ArtifactStore => Artifacts ?? new BuiltIn.Artifacts.LocalArtifactStore(RunDirectory);

    /// <summary>The clock; actions never read the system time directly.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>The tool cache (<c>RUNNER_TOOL_CACHE</c>) where setup-* find and put downloaded toolchains; null: <c>STATE/tool-cache</c>.</summary>
    public string? ToolCache { get; init; }

    /// <summary>Where setup-* download a toolchain the host lacks (<see cref="Execution.RunOptions.ToolchainMirror"/>); null: none (Node from the npm registry).</summary>
    public string? ToolchainMirror { get; init; }
}
