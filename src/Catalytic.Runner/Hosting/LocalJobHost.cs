using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Hosting;

/// <summary>
/// The host of <c>catalytic run</c>: the workspace is the repository's working tree, lines go to the
/// <see cref="IRunListener"/> (the console), artifacts to the run's folder, caches to the state folder, and secrets
/// are the values given on the command line.
/// </summary>
public sealed class LocalJobHost(
    string workspace,
    string runDirectory,
    string stateDirectory,
    IReadOnlyDictionary<string, string> secrets,
    IRunListener listener,
    TimeProvider time,
    ILogger? log = null) : IJobHost
{
    public string Workspace { get; } = workspace;

    public IArtifactStore Artifacts { get; } = new LocalArtifactStore(runDirectory, log);

    public ICacheStores Caches { get; } = new LocalCacheStores(stateDirectory, time, log);

    public string? Secret(string name) => secrets.TryGetValue(name, out var value) ? value : null;

    public void JobStarted(string job) => listener.JobStarted(job);

    public void StepStarted(string job, string step) => listener.StepStarted(job, step);

    public void Line(JobLogLine line) => listener.Line(line.Job, line.Step, line.Text, line.Kind);

    public void StepFinished(string job, StepReport step)
    {
        // The console shows a step's end through its lines; the report is written with the run's.
    }

    public void JobFinished(string job, JobReport report, TimeSpan duration) =>
        listener.JobFinished(job, report.Result + (report.Result != report.Outcome ? $" (outcome {report.Outcome}, continue-on-error)" : ""), duration);
}
