using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Reporting;

namespace Catalytic.Pipelines.Dispatch;

/// <summary>
/// The host of a job a worker holds under a lease, embedded in the server or remote: every line and step event goes,
/// in order, to the job's <see cref="ReportQueue"/> (the worker reports it as numbered batches), artifacts and caches
/// are the worker's stores, and the secrets are the values that came with the job (and only those).
/// </summary>
public sealed class ReportingJobHost(
    string workspace,
    IArtifactStore artifacts,
    ICacheStores caches,
    IReadOnlyDictionary<string, string> secrets,
    Action<WorkerMessage> sink) : IJobHost
{
    public string Workspace { get; } = workspace;

    public IArtifactStore Artifacts { get; } = artifacts;

    public ICacheStores Caches { get; } = caches;

    public string? Secret(string name) => secrets.TryGetValue(name, out var value) ? value : null;

    public void JobStarted(string job) => sink(new WorkerMessage(JobStarted: job));

    public void StepStarted(string job, string step) => sink(new WorkerMessage(StepStarted: step));

    public void Line(JobLogLine line) => sink(new WorkerMessage(Line: line));

    public void StepFinished(string job, StepReport step) => sink(new WorkerMessage(Step: step));

    public void JobFinished(string job, JobReport report, TimeSpan duration)
    {
        // The outcome goes with the completion (JobWorker's answer carries the outputs the planner needs); the log
        // keeps only lines and steps.
    }
}
