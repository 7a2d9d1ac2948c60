using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Workflows.Reusable;

namespace Catalytic.Runner.Execution;

/// <summary>Everything one run needs besides the workflows. Defaults are documented per property.</summary>
public sealed record RunOptions
{
    /// <summary>The repository's working tree (GITHUB_WORKSPACE).</summary>
    public required string Workspace { get; init; }

    /// <summary>The state folder; default <c>{Workspace}/.catalytic</c>.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>The event that triggered the run (<c>push</c> by default).</summary>
    public string EventName { get; init; } = "push";

    /// <summary>The <c>github</c> context (without <c>event</c>, which is <see cref="EventPayload"/>); see <see cref="Context.GithubContextBuilder"/>.</summary>
    public required JsonObject Github { get; init; }

    public JsonObject EventPayload { get; init; } = [];

    /// <summary>`--input` values for workflow_dispatch (raw strings; typed per the workflow's definitions).</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Vars { get; init; } = new Dictionary<string, string>();

    /// <summary>`--env` values: a layer below the workflow's own `env`.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Only these job ids (and the jobs they need) run; empty = all.</summary>
    public IReadOnlyList<string> JobFilter { get; init; } = [];

    /// <summary>Job instances running at once across the run; default the core count.</summary>
    public int MaxParallel { get; init; } = Environment.ProcessorCount;

    /// <summary>How long a cancelled or timed-out step gets after SIGINT before SIGKILL (GitHub: 7.5 s).</summary>
    public TimeSpan CancelGracePeriod { get; init; } = TimeSpan.FromSeconds(7.5);

    /// <summary>Lines of a failed step repeated in the summary.</summary>
    public int FailedStepTailLines { get; init; } = 10;

    public IReadOnlyList<IBuiltinAction> Actions { get; init; } = [];

    /// <summary>Remote actions (<c>owner/name@ref</c>) mapped to local folders (<c>--action-dir</c>, catalytic.yml <c>actions:</c>).</summary>
    public Catalytic.Runner.Actions.Local.ActionDirectoryMap? ActionDirectories { get; init; }

    /// <summary>
    /// Where remote actions (<c>uses: owner/repo@ref</c>) are fetched from, tried in order: the repository is
    /// <c>URL/owner/repo</c> (<c>--actions-url</c>, catalytic.yml <c>actions-url:</c>); empty means <c>https://github.com</c>.
    /// </summary>
    public IReadOnlyList<string> ActionsUrls { get; init; } = [];

    /// <summary>How long a tag or branch of a remote action, once resolved to a commit, is used without asking its source again (default 1 hour; zero: every run asks).</summary>
    public TimeSpan ActionRefsMaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Where <c>actions/setup-*</c> download a toolchain the host lacks (<c>--toolchain-mirror</c>): a base URL with
    /// <c>TOOL/versions-manifest.json</c> per tool; null: Node comes from the npm registry, the others fail naming this setting.
    /// </summary>
    public string? ToolchainMirror { get; init; }

    public IJobServiceHost? Services { get; init; }

    /// <summary>The runner's name (<c>RUNNER_NAME</c>, <c>runner.name</c>): the worker that runs the job; default <c>catalytic</c>.</summary>
    public string RunnerName { get; init; } = "catalytic";

    /// <summary>
    /// Whether the workspace is a checkout the worker made for this job (serve's workers), rather than a person's own
    /// working tree (<c>catalytic run</c>): what <c>actions/checkout</c> says about it.
    /// </summary>
    public bool WorkspaceIsCheckout { get; init; }

    /// <summary>Where the steps of a job with `container:` run: in the image through podman (default), or on the host.</summary>
    public JobContainerMode JobContainer { get; init; } = JobContainerMode.Podman;

    /// <summary>The podman executable for job containers; null = `podman` on PATH.</summary>
    public string? Podman { get; init; }

    /// <summary>
    /// The reusable workflows the run may call, already read and checked (<see cref="WorkflowCallResolver"/>); null:
    /// the runner reads them from <see cref="Workspace"/> itself, and a call with problems fails its job.
    /// </summary>
    public CalledWorkflows? CalledWorkflows { get; init; }

    /// <summary>The run's clock: every timeout, delay and timestamp of the run (the host chooses it; tests a fake one).</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>Where the runner's own diagnostics go (a lost line of output, a folder left behind); default nowhere.</summary>
    public Microsoft.Extensions.Logging.ILogger Logger { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>
    /// The command of a worker process that runs one job from its <see cref="Hosting.JobSpec"/> on stdin (e.g.
    /// <c>catalytic __run-job</c>); empty: every job runs in this process (the default).
    /// </summary>
    public IReadOnlyList<string> JobWorker { get; init; } = [];

    /// <summary>Extra environment for every step (tests pin HOME, PATH…); default the runner's own.</summary>
    public IReadOnlyDictionary<string, string>? HostEnvironment { get; init; }

    internal string State => StateDirectory ?? Path.Combine(Workspace, ".catalytic");
}

/// <summary>How a job's `container:` is run (`catalytic run --job-container`).</summary>
public enum JobContainerMode
{
    /// <summary>One podman container per job, its `run:` steps through `podman exec` (GitHub's behaviour); the job fails when podman or the image is missing.</summary>
    Podman,

    /// <summary>Opt-in: the steps run on the host with the container's `env`, and a warning says the image was not used.</summary>
    Host,
}
