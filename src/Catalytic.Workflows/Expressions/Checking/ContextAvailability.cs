namespace Catalytic.Workflows.Expressions.Checking;

/// <summary>
/// GitHub's "Context availability" table: which contexts and special functions each workflow key may use.
/// Keys are written as in GitHub's documentation, e.g. <c>jobs.&lt;job_id&gt;.if</c>,
/// <c>jobs.&lt;job_id&gt;.steps.run</c>, <c>jobs.&lt;job_id&gt;.outputs.&lt;output_id&gt;</c>.
/// </summary>
public static class ContextAvailability
{
    private const string Status = "always,cancelled,success,failure";

    private static readonly Dictionary<string, ExpressionScope> s_table = Build();

    /// <summary>Every location of the table.</summary>
    public static IReadOnlyDictionary<string, ExpressionScope> Table => s_table;

    public const string RunName = "run-name";
    public const string Concurrency = "concurrency";
    public const string WorkflowEnv = "env";
    public const string JobConcurrency = "jobs.<job_id>.concurrency";
    public const string JobContainer = "jobs.<job_id>.container";
    public const string JobContainerCredentials = "jobs.<job_id>.container.credentials";
    public const string JobContainerEnv = "jobs.<job_id>.container.env.<env_id>";
    public const string JobContainerImage = "jobs.<job_id>.container.image";
    public const string JobContinueOnError = "jobs.<job_id>.continue-on-error";
    public const string JobDefaultsRun = "jobs.<job_id>.defaults.run";
    public const string JobEnv = "jobs.<job_id>.env";
    public const string JobEnvironment = "jobs.<job_id>.environment";
    public const string JobEnvironmentUrl = "jobs.<job_id>.environment.url";
    public const string JobIf = "jobs.<job_id>.if";
    public const string JobName = "jobs.<job_id>.name";
    public const string JobOutputs = "jobs.<job_id>.outputs.<output_id>";
    public const string JobRunsOn = "jobs.<job_id>.runs-on";
    public const string JobSecrets = "jobs.<job_id>.secrets.<secrets_id>";
    public const string JobServices = "jobs.<job_id>.services";
    public const string JobServiceCredentials = "jobs.<job_id>.services.<service_id>.credentials";
    public const string JobServiceEnv = "jobs.<job_id>.services.<service_id>.env.<env_id>";
    public const string StepContinueOnError = "jobs.<job_id>.steps.continue-on-error";
    public const string StepEnv = "jobs.<job_id>.steps.env";
    public const string StepIf = "jobs.<job_id>.steps.if";
    public const string StepName = "jobs.<job_id>.steps.name";
    public const string StepRun = "jobs.<job_id>.steps.run";
    public const string StepTimeoutMinutes = "jobs.<job_id>.steps.timeout-minutes";
    public const string StepWith = "jobs.<job_id>.steps.with";
    public const string StepWorkingDirectory = "jobs.<job_id>.steps.working-directory";
    public const string JobStrategy = "jobs.<job_id>.strategy";
    public const string JobTimeoutMinutes = "jobs.<job_id>.timeout-minutes";
    public const string JobWith = "jobs.<job_id>.with.<with_id>";
    public const string WorkflowCallInputDefault = "on.workflow_call.inputs.<inputs_id>.default";
    public const string WorkflowCallOutputValue = "on.workflow_call.outputs.<output_id>.value";

    /// <summary>The scope of <paramref name="location"/>; throws <see cref="KeyNotFoundException"/> for an unknown key.</summary>
    public static ExpressionScope For(string location) =>
        s_table.TryGetValue(location, out var scope) ? scope : throw new KeyNotFoundException($"No context availability entry for '{location}'.");

    public static bool TryGet(string location, out ExpressionScope scope) => s_table.TryGetValue(location, out scope!);

    private static Dictionary<string, ExpressionScope> Build()
    {
        var table = new Dictionary<string, ExpressionScope>(StringComparer.Ordinal);
        void Add(string key, string contexts, string functions = "") =>
            table.Add(key, new ExpressionScope(Split(contexts), Split(functions)));

        Add(RunName, "github, inputs, vars");
        Add(Concurrency, "github, inputs, vars");
        Add(WorkflowEnv, "github, secrets, inputs, vars");
        Add(JobConcurrency, "github, needs, strategy, matrix, inputs, vars");
        Add(JobContainer, "github, needs, strategy, matrix, vars, inputs");
        Add(JobContainerCredentials, "github, needs, strategy, matrix, env, vars, secrets, inputs");
        Add(JobContainerEnv, "github, needs, strategy, matrix, job, runner, env, vars, secrets, inputs");
        Add(JobContainerImage, "github, needs, strategy, matrix, vars, inputs");
        Add(JobContinueOnError, "github, needs, strategy, vars, matrix, inputs");
        Add(JobDefaultsRun, "github, needs, strategy, matrix, env, vars, inputs");
        Add(JobEnv, "github, needs, strategy, matrix, vars, secrets, inputs");
        Add(JobEnvironment, "github, needs, strategy, matrix, vars, inputs");
        Add(JobEnvironmentUrl, "github, needs, strategy, matrix, job, runner, env, vars, steps, inputs");
        Add(JobIf, "github, needs, vars, inputs", Status);
        Add(JobName, "github, needs, strategy, matrix, vars, inputs");
        Add(JobOutputs, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs");
        Add(JobRunsOn, "github, needs, strategy, matrix, vars, inputs");
        Add(JobSecrets, "github, needs, strategy, matrix, secrets, inputs, vars");
        Add(JobServices, "github, needs, strategy, matrix, vars, inputs");
        Add(JobServiceCredentials, "github, needs, strategy, matrix, env, vars, secrets, inputs");
        Add(JobServiceEnv, "github, needs, strategy, matrix, job, runner, env, vars, secrets, inputs");
        Add(StepContinueOnError, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs", "hashFiles");
        Add(StepEnv, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs", "hashFiles");
        Add(StepIf, "github, needs, strategy, matrix, job, runner, env, vars, steps, inputs", Status + ",hashFiles");
        Add(StepName, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs", "hashFiles");
        Add(StepRun, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs", "hashFiles");
        Add(StepTimeoutMinutes, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs", "hashFiles");
        Add(StepWith, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs", "hashFiles");
        Add(StepWorkingDirectory, "github, needs, strategy, matrix, job, runner, env, vars, secrets, steps, inputs", "hashFiles");
        Add(JobStrategy, "github, needs, vars, inputs");
        Add(JobTimeoutMinutes, "github, needs, strategy, matrix, vars, inputs");
        Add(JobWith, "github, needs, strategy, matrix, inputs, vars");
        Add(WorkflowCallInputDefault, "github, inputs, vars");
        Add(WorkflowCallOutputValue, "github, jobs, vars, inputs");
        return table;
    }

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
