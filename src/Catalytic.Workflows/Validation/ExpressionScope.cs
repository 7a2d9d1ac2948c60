using System.Collections.Immutable;

namespace Catalytic.Workflows.Validation;

/// <summary>
/// Which contexts and location-bound functions an expression may use where it is written
/// (GitHub's "context availability" table). E.g. `matrix` is unknown in workflow-level `env`.
/// </summary>
public sealed record ExpressionScope(string Name, ImmutableHashSet<string> Contexts, bool StatusFunctions = false, bool HashFiles = false)
{
    private static ImmutableHashSet<string> Set(params string[] names) => ImmutableHashSet.Create(StringComparer.OrdinalIgnoreCase, names);

    private static readonly string[] Base = ["github", "inputs", "vars"];
    private static readonly string[] Needs = [.. Base, "needs"];
    private static readonly string[] Strategy = [.. Needs, "strategy", "matrix"];
    private static readonly string[] Runner = [.. Strategy, "secrets", "steps", "job", "runner", "env"];

    public static readonly ExpressionScope RunName = new("run-name", Set(Base));
    public static readonly ExpressionScope WorkflowEnv = new("env", Set([.. Base, "secrets"]));
    public static readonly ExpressionScope WorkflowConcurrency = new("concurrency", Set(Base));
    public static readonly ExpressionScope WorkflowCallInputDefault = new("on.workflow_call.inputs.<id>.default", Set(Base));
    public static readonly ExpressionScope WorkflowCallOutputValue = new("on.workflow_call.outputs.<id>.value", Set([.. Base, "jobs"]));

    public static readonly ExpressionScope JobIf = new("jobs.<id>.if", Set(Needs), StatusFunctions: true);
    public static readonly ExpressionScope JobStrategy = new("jobs.<id>.strategy", Set(Needs));

    /// <summary>name, runs-on, timeout-minutes, continue-on-error, concurrency, environment, container, services, with.</summary>
    public static readonly ExpressionScope JobStrategyContext = new("jobs.<id>", Set(Strategy));
    public static readonly ExpressionScope JobEnv = new("jobs.<id>.env", Set([.. Strategy, "secrets"]));
    public static readonly ExpressionScope JobDefaultsRun = new("jobs.<id>.defaults.run", Set([.. Strategy, "env"]));
    public static readonly ExpressionScope JobOutputs = new("jobs.<id>.outputs", Set(Runner));
    public static readonly ExpressionScope CallJobSecrets = new("jobs.<id>.secrets", Set([.. Strategy, "secrets"]));
    public static readonly ExpressionScope ContainerCredentials = new("credentials", Set([.. Base, "secrets", "env"]));
    public static readonly ExpressionScope ContainerEnv = new("container env", Set(Runner));
    public static readonly ExpressionScope EnvironmentUrl = new("jobs.<id>.environment.url", Set(["github", "inputs", "vars", "needs", "strategy", "matrix", "steps", "job", "runner", "env"]));

    public static readonly ExpressionScope StepIf = new("jobs.<id>.steps.if", Set(["github", "inputs", "vars", "needs", "strategy", "matrix", "steps", "job", "runner", "env"]), StatusFunctions: true, HashFiles: true);
    public static readonly ExpressionScope Step = new("jobs.<id>.steps", Set(Runner), HashFiles: true);
}
