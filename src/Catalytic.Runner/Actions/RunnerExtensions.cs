using System.Text.Json.Nodes;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Actions;

/// <summary>
/// Starts a job's <c>services:</c> before its first step and stops them after the job, whatever its outcome
/// (the handle is disposed in a finally block).
/// </summary>
public interface IJobServiceHost
{
    /// <summary>
    /// Starts the services. <paramref name="services"/> maps each service id to its evaluated definition
    /// (image, env, ports, options… as JSON). Failures are reported through the result.
    /// </summary>
    Task<JobServicesResult> StartAsync(JobServicesRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// What the services host gets: each service's definition as written (id → node) with the evaluator for its
/// scalars (they may hold <c>${{ }}</c>), the job's temp folder, and a log line writer (masked, tagged).
/// </summary>
public sealed record JobServicesRequest(
    string WorkflowName,
    string JobId,
    IReadOnlyList<KeyValuePair<string, TemplateNode>> Services,
    Func<TemplateScalar, string> Evaluate,
    string RunnerTemp,
    string StateDirectory,
    Action<string> Log);

/// <summary>
/// Started services: <see cref="Context"/> becomes <c>job.services</c> (e.g. <c>{"postgres":{"ports":{"5432":"54321"}}}</c>),
/// <see cref="Environment"/> is added to every step's environment, and disposing stops them.
/// </summary>
public sealed record JobServicesResult(bool Succeeded, string? Message, JsonObject? Context, IReadOnlyDictionary<string, string>? Environment, IAsyncDisposable? Handle);
