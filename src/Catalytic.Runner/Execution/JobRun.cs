using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Platform.Secrets;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Services;
using Catalytic.Runner.Steps;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>
/// One running job as its step runners see it: the run's session, the job's request and its <see cref="JobState"/>,
/// its log, and the contexts and environment every kind of step is given.
/// </summary>
internal sealed class JobRun(RunSession session, JobRequest request, JobState state, JobLog log, StepRunners steps)
{
    public RunSession Session { get; } = session;

    public JobRequest Request { get; } = request;

    public JobState State { get; } = state;

    public JobLog Log { get; } = log;

    /// <summary>The step runners of the run: how any step (also one inside a composite action) is run.</summary>
    public StepRunners Steps { get; } = steps;

    public RunOptions Options => Session.Options;

    public Job Job => Request.Job;

    public IExpressionEngine Expressions => Session.Expressions;

    public SecretMasker Masker => Session.Masker;

    public IJobHost Host => Session.Host;

    public TimeProvider Time => Session.Options.Time;

    /// <summary>The workspace the job runs in.</summary>
    public string Workspace => Session.Workspace;

    /// <summary>The job's `defaults` (from `defaults.run: ${{ … }}` once evaluated).</summary>
    public Defaults? JobDefaults => State.EvaluatedDefaults ?? Job.Defaults;

    public string ToolCache => Path.Combine(Options.State, "tool-cache");

    /// <summary>Writes one line to the job log and the host, masked.</summary>
    public void Emit(string stepName, string text, LineKind kind) => Log.Emit(stepName, text, kind);

    public ExpressionScope BaseScope(IReadOnlyDictionary<string, string>? env, bool includeSteps = false) =>
        new(Contexts(env, includeSteps), StatusView(), Workspace);

    public JobStatusView StatusView() => new(!State.Failed && !State.Cancelled, State.Failed, State.Cancelled);

    public Dictionary<string, JsonNode?> Contexts(IReadOnlyDictionary<string, string>? env, bool includeSteps)
    {
        var envNode = new JsonObject();
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                envNode[k] = v;
            }
        }

        State.JobContext["status"] = State.Status;
        return new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["github"] = State.Github,
            ["env"] = envNode,
            ["vars"] = Session.Vars,
            ["secrets"] = Request.Secrets ?? Session.Secrets,
            ["inputs"] = Request.Inputs,
            ["job"] = State.JobContext,
            ["steps"] = includeSteps ? State.Steps : new JsonObject(),
            ["runner"] = RunnerContext(),
            ["strategy"] = Request.Strategy,
            ["matrix"] = Request.Matrix ?? new JsonObject(),
            ["needs"] = Request.Needs,
        };
    }

    public JsonObject RunnerContext() => new()
    {
        ["os"] = OperatingSystem.IsMacOS() ? "macOS" : OperatingSystem.IsWindows() ? "Windows" : "Linux",
        ["arch"] = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.Arm64 => "ARM64",
            System.Runtime.InteropServices.Architecture.Arm => "ARM",
            System.Runtime.InteropServices.Architecture.X86 => "X86",
            _ => "X64",
        },
        ["name"] = Options.RunnerName,
        ["environment"] = "self-hosted",
        ["temp"] = State.RunnerTemp,
        ["tool_cache"] = ToolCache,
        ["workspace"] = Path.GetDirectoryName(Workspace) ?? Workspace,
    };

    /// <summary>Workflow env → job env → GITHUB_ENV exports (a step's own env goes on top of this).</summary>
    public Dictionary<string, string> MergedEnv()
    {
        var env = new Dictionary<string, string>(State.JobEnv, StringComparer.Ordinal);
        foreach (var (k, v) in State.ExportedEnv)
        {
            env[k] = v;
        }

        return env;
    }

    /// <summary>Evaluates an `env:` (a mapping, or one expression for all of it) on top of <paramref name="lower"/>.</summary>
    public Dictionary<string, string> EvaluateEnv(TemplateMapping? mapping, TemplateNode? expression, IReadOnlyDictionary<string, string> lower, ExpressionScope scope, string what) =>
        ContextValues.EvaluateMapping(Expressions, mapping, expression, scope, what, new Dictionary<string, string>(lower, StringComparer.Ordinal));

    /// <summary>Evaluates an `env:` mapping on top of <paramref name="lower"/>.</summary>
    public Dictionary<string, string> EvaluateEnv(TemplateMapping? mapping, IReadOnlyDictionary<string, string> lower, ExpressionScope scope) =>
        EvaluateEnv(mapping, null, lower, scope, "env");

    /// <summary>A `uses:` step's `with:` (a mapping, or one expression for all of it), keyed case-insensitively.</summary>
    public Dictionary<string, string> EvaluateWith(Step step, ExpressionScope scope) =>
        ContextValues.EvaluateMapping(Expressions, step.With, step.WithExpression, scope, "with", new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    public TimeSpan? EvaluateTimeout(TemplateScalar? scalar, ExpressionScope scope)
    {
        if (scalar is null)
        {
            return null;
        }

        var text = Expressions.EvaluateString(scalar, scope);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) || minutes <= 0)
        {
            throw new ExpressionEvaluationException(scalar.Span, $"timeout-minutes must be a positive number, got '{text}'");
        }

        return TimeSpan.FromMinutes(minutes);
    }

    public bool EvaluateFlag(TemplateScalar? scalar, ExpressionScope scope) =>
        scalar is not null && ContextValues.IsTrue(Expressions.Evaluate(scalar, scope));

    /// <summary>The process groups a step started: ended with the job, and on the runner's own exit.</summary>
    public void TrackProcessGroup(int pgid)
    {
        lock (State.ProcessGroups)
        {
            State.ProcessGroups.Add(pgid);
        }

        RunSession.Track(pgid);
    }

    /// <summary>
    /// The environment a step process gets: host, GitHub's variables, contexts' env, PATH prepends. In a job
    /// <paramref name="container"/> the runner's own environment is left out (as on GitHub) and PATH starts from the image's;
    /// <paramref name="isolated"/> (a container action, whose image keeps its own PATH) leaves out both.
    /// </summary>
    public Dictionary<string, string> ProcessEnvironment(Dictionary<string, string> env, string stepId, JobContainer? container = null, bool isolated = false)
    {
        var e = isolated ? new Dictionary<string, string>(StringComparer.Ordinal)
            : container is null
            ? new Dictionary<string, string>(Session.HostEnvironment, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = container.Path };
        var g = State.Github;
        string G(string key) => ContextValues.Stringify(g[key]);
        e["CI"] = "true";
        e["GITHUB_ACTIONS"] = "true";
        e["GITHUB_ACTION"] = stepId;
        e["GITHUB_ACTOR"] = G("actor");
        e["GITHUB_ACTOR_ID"] = G("actor_id");
        e["GITHUB_API_URL"] = G("api_url");
        e["GITHUB_BASE_REF"] = G("base_ref");
        e["GITHUB_EVENT_NAME"] = G("event_name");
        e["GITHUB_EVENT_PATH"] = Request.EventPath;
        e["GITHUB_GRAPHQL_URL"] = G("graphql_url");
        e["GITHUB_HEAD_REF"] = G("head_ref");
        e["GITHUB_JOB"] = Job.Id;
        e["GITHUB_REF"] = G("ref");
        e["GITHUB_REF_NAME"] = G("ref_name");
        e["GITHUB_REF_PROTECTED"] = "false";
        e["GITHUB_REF_TYPE"] = G("ref_type");
        e["GITHUB_REPOSITORY"] = G("repository");
        e["GITHUB_REPOSITORY_ID"] = G("repository_id");
        e["GITHUB_REPOSITORY_OWNER"] = G("repository_owner");
        e["GITHUB_REPOSITORY_OWNER_ID"] = G("repository_owner_id");
        e["GITHUB_RETENTION_DAYS"] = G("retention_days");
        e["GITHUB_RUN_ATTEMPT"] = G("run_attempt");
        e["GITHUB_RUN_ID"] = G("run_id");
        e["GITHUB_RUN_NUMBER"] = G("run_number");
        e["GITHUB_SERVER_URL"] = G("server_url");
        e["GITHUB_SHA"] = G("sha");
        e["GITHUB_TRIGGERING_ACTOR"] = G("triggering_actor");
        e["GITHUB_WORKFLOW"] = G("workflow");
        e["GITHUB_WORKFLOW_REF"] = G("workflow_ref");
        e["GITHUB_WORKFLOW_SHA"] = G("workflow_sha");
        e["GITHUB_WORKSPACE"] = Workspace;
        var runner = RunnerContext();
        e["RUNNER_ARCH"] = ContextValues.Stringify(runner["arch"]);
        e["RUNNER_ENVIRONMENT"] = "self-hosted";
        e["RUNNER_NAME"] = Options.RunnerName;
        e["RUNNER_OS"] = ContextValues.Stringify(runner["os"]);
        e["RUNNER_TEMP"] = State.RunnerTemp;
        e["RUNNER_TOOL_CACHE"] = ToolCache;
        e["RUNNER_WORKSPACE"] = Path.GetDirectoryName(Workspace) ?? Workspace;
        foreach (var (k, v) in State.ServiceEnv)
        {
            e[k] = v;
        }

        foreach (var (k, v) in env)
        {
            e[k] = v;
        }

        if (State.PathPrepends.Count > 0 && !isolated)
        {
            // The latest addition comes first, as with GitHub's add-path.
            var prefix = string.Join(Path.PathSeparator, Enumerable.Reverse(State.PathPrepends));
            e["PATH"] = e.TryGetValue("PATH", out var path) && path.Length > 0 ? prefix + Path.PathSeparator + path : prefix;
        }

        return e;
    }
}
