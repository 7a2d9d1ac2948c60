using System.Text.Json;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Reporting;
using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Hosting;

/// <summary>
/// The host of a job run by a worker process (<c>catalytic __run-job</c>): every line, step start and end and the
/// job's end go out at once as one <see cref="WorkerMessage"/> per line of <paramref name="output"/>; secrets are the
/// values handed to the worker; artifacts and caches are the local folders of <paramref name="runDirectory"/> and
/// <paramref name="stateDirectory"/>; <paramref name="log"/> hears of their records left out of a listing.
/// </summary>
public sealed class StreamJobHost(
    TextWriter output,
    string workspace,
    string runDirectory,
    string stateDirectory,
    IReadOnlyDictionary<string, string> secrets,
    TimeProvider time,
    ILogger? log = null) : IJobHost
{
    private readonly object _gate = new();

    public string Workspace { get; } = workspace;

    public IArtifactStore Artifacts { get; } = new LocalArtifactStore(runDirectory, log);

    public ICacheStores Caches { get; } = new LocalCacheStores(stateDirectory, time, log);

    public string? Secret(string name) => secrets.TryGetValue(name, out var value) ? value : null;

    public void JobStarted(string job) => Write(new WorkerMessage(JobStarted: job));

    public void StepStarted(string job, string step) => Write(new WorkerMessage(StepStarted: step));

    public void Line(JobLogLine line) => Write(new WorkerMessage(Line: line));

    public void StepFinished(string job, StepReport step) => Write(new WorkerMessage(Step: step));

    public void JobFinished(string job, JobReport report, TimeSpan duration)
    {
        // The job's outcome follows from the worker itself (JobWorker's answer), with the outputs the planner needs.
    }

    /// <summary>The job's end: the last message of the stream.</summary>
    public void Finished(JobOutcome outcome) => Write(new WorkerMessage(Job: outcome));

    private void Write(WorkerMessage message)
    {
        var json = JsonSerializer.Serialize(message, JobSpecJsonContext.Default.WorkerMessage);
        lock (_gate)
        {
            output.WriteLine(json);
            output.Flush();
        }
    }
}
