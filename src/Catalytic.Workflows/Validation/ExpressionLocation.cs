using System.Collections.Immutable;

namespace Catalytic.Workflows.Validation;

/// <summary>
/// Which contexts and location-bound functions an expression may use where it is written
/// (GitHub's "context availability" table). E.g. `matrix` is unknown in workflow-level `env`.
/// <see cref="Name"/> is the location's key in that table.
/// </summary>
internal sealed record ExpressionLocation(string Name, ImmutableHashSet<string> Contexts, bool StatusFunctions = false, bool HashFiles = false)
{
    private static ImmutableHashSet<string> Set(params string[] names) => ImmutableHashSet.Create(StringComparer.OrdinalIgnoreCase, names);

    private static readonly string[] Base = ["github", "inputs", "vars"];
    private static readonly string[] Needs = [.. Base, "needs"];
    private static readonly string[] Strategy = [.. Needs, "strategy", "matrix"];
    private static readonly string[] Runner = [.. Strategy, "secrets", "steps", "job", "runner", "env"];

    public static readonly ExpressionLocation RunName = new("run-name", Set(Base));
    public static readonly ExpressionLocation WorkflowEnv = new("env", Set([.. Base, "secrets"]));
    public static readonly ExpressionLocation WorkflowConcurrency = new("concurrency", Set(Base));
    public static readonly ExpressionLocation WorkflowCallInputDefault = new("on.workflow_call.inputs.<inputs_id>.default", Set(Base));
    public static readonly ExpressionLocation WorkflowCallOutputValue = new("on.workflow_call.outputs.<output_id>.value", Set([.. Base, "jobs"]));

    public static readonly ExpressionLocation JobIf = new("jobs.<job_id>.if", Set(Needs), StatusFunctions: true);
    public static readonly ExpressionLocation JobStrategy = new("jobs.<job_id>.strategy", Set(Needs));

    /// <summary>name, runs-on, timeout-minutes, continue-on-error, concurrency, environment, container, services, with: all share these contexts.</summary>
    public static readonly ExpressionLocation JobStrategyContext = new("jobs.<job_id>.runs-on", Set(Strategy));
    public static readonly ExpressionLocation JobEnv = new("jobs.<job_id>.env", Set([.. Strategy, "secrets"]));
    public static readonly ExpressionLocation JobDefaultsRun = new("jobs.<job_id>.defaults.run", Set([.. Strategy, "env"]));
    public static readonly ExpressionLocation JobOutputs = new("jobs.<job_id>.outputs.<output_id>", Set(Runner));
    public static readonly ExpressionLocation CallJobSecrets = new("jobs.<job_id>.secrets.<secrets_id>", Set([.. Strategy, "secrets"]));
    public static readonly ExpressionLocation ContainerCredentials = new("jobs.<job_id>.container.credentials", Set([.. Base, "secrets", "env"]));
    public static readonly ExpressionLocation ContainerEnv = new("jobs.<job_id>.container.env.<env_id>", Set(Runner));
    public static readonly ExpressionLocation EnvironmentUrl = new("jobs.<job_id>.environment.url", Set(["github", "inputs", "vars", "needs", "strategy", "matrix", "steps", "job", "runner", "env"]));

    public static readonly ExpressionLocation StepIf = new("jobs.<job_id>.steps.if", Set(["github", "inputs", "vars", "needs", "strategy", "matrix", "steps", "job", "runner", "env"]), StatusFunctions: true, HashFiles: true);
    public static readonly ExpressionLocation Step = new("jobs.<job_id>.steps.run", Set(Runner), HashFiles: true);
}
