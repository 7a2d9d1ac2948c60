using System.Text;
using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Services;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>
/// The data of one running job: what its steps changed (exported env, PATH additions, the <c>steps</c> context,
/// the summary), its status, its <c>job</c> context, the post parts and process groups it left. Step runners read and
/// change it; it does nothing by itself.
/// </summary>
internal sealed class JobState(JobReport report)
{
    /// <summary>The job's report, filled step by step.</summary>
    public JobReport Report { get; } = report;

    /// <summary>GITHUB_ENV exports (and actions' exportVariable): below a step's own env, above the job's.</summary>
    public Dictionary<string, string> ExportedEnv { get; } = new(StringComparer.Ordinal);

    /// <summary>GITHUB_PATH additions, oldest first (the latest addition comes first in PATH).</summary>
    public List<string> PathPrepends { get; } = [];

    /// <summary>The <c>steps</c> context: outputs, outcome and conclusion of each step with an id.</summary>
    public JsonObject Steps { get; } = [];

    /// <summary>Post parts to run when the steps are done, in the order their main parts registered them.</summary>
    public List<PostStep> Posts { get; } = [];

    /// <summary>The process groups of the job's steps, ended with the job (`server &amp;` left behind).</summary>
    public List<int> ProcessGroups { get; } = [];

    /// <summary>GITHUB_STEP_SUMMARY, every step's part appended.</summary>
    public StringBuilder Summary { get; } = new();

    /// <summary>The <c>job</c> context: status, services, container.</summary>
    public JsonObject JobContext { get; } = new() { ["status"] = Results.Success, ["services"] = new JsonObject(), ["container"] = new JsonObject() };

    /// <summary>What services (and a host-mode container's env) add to every step's environment.</summary>
    public Dictionary<string, string> ServiceEnv { get; } = new(StringComparer.Ordinal);

    /// <summary>State a mapped JavaScript action's <c>pre</c> saved, for its main and post parts (keyed by the job step).</summary>
    public Dictionary<Step, Dictionary<string, string>> PreState { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Workflow env under the job's own, evaluated when the job starts.</summary>
    public Dictionary<string, string> JobEnv { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The job's <c>defaults.run</c> once a whole-value expression is evaluated; null: as written.</summary>
    public Defaults? EvaluatedDefaults { get; set; }

    /// <summary>The <c>github</c> context of the job.</summary>
    public JsonObject Github { get; set; } = [];

    /// <summary>RUNNER_TEMP: the job's temporary folder (file-command files, scripts, the container's home).</summary>
    public string RunnerTemp { get; set; } = "";

    /// <summary>The job's container while the job runs (podman mode), else null: `run:` steps are exec'd in it.</summary>
    public JobContainer? Container { get; set; }

    public bool Failed { get; set; }

    public bool Cancelled { get; set; }

    /// <summary>GitHub's <c>job.status</c>: cancelled wins over failure.</summary>
    public string Status => Cancelled ? Results.Cancelled : Failed ? Results.Failure : Results.Success;
}

/// <summary>
/// A post part to run at the end of the job: <see cref="Run"/> gets the job's status (success, failure, cancelled)
/// and returns null when its condition (a JavaScript action's <c>post-if</c>) says not to run.
/// </summary>
internal sealed record PostStep(string Name, Func<string, Task<ActionResult?>> Run);
