using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Reporting;

namespace Catalytic.Pipelines.Workers.Client;

/// <summary>
/// The host of a job on a remote worker: the workspace is the worker's checkout of the job's commit, every line and
/// step goes to the server through the job's <see cref="JobReporter"/> as it happens, artifacts and caches are the
/// server's, and the secrets are the values that came with the job (and only those).
/// </summary>
internal sealed class RemoteJobHost(string workspace, IArtifactStore artifacts, ICacheStores caches, IReadOnlyDictionary<string, string> secrets, JobReporter reporter) : IJobHost
{
    public string Workspace { get; } = workspace;

    public IArtifactStore Artifacts { get; } = artifacts;

    public ICacheStores Caches { get; } = caches;

    public string? Secret(string name) => secrets.TryGetValue(name, out var value) ? value : null;

    public void JobStarted(string job) => reporter.Add(new WorkerMessage(JobStarted: job));

    public void StepStarted(string job, string step) => reporter.Add(new WorkerMessage(StepStarted: step));

    public void Line(JobLogLine line) => reporter.Add(new WorkerMessage(Line: line));

    public void StepFinished(string job, StepReport step) => reporter.Add(new WorkerMessage(Step: step));

    public void JobFinished(string job, JobReport report, TimeSpan duration)
    {
        // The outcome goes with the completion (JobWorker's answer carries the outputs the planner needs).
    }
}
