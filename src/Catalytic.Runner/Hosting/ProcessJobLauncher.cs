using System.Text.Json;
using Catalytic.Platform.Linux;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Reporting;

namespace Catalytic.Runner.Hosting;

/// <summary>
/// Runs a planned job in a worker process (<see cref="RunOptions.JobWorker"/>, e.g. <c>catalytic __run-job</c>): its
/// <see cref="JobSpec"/> in a file the worker reads, the secret values its names stand for in the worker's environment
/// only (<see cref="SecretsVariable"/>), and the worker's messages passed on to this run's host as they arrive.
/// Cancelling the job sends the worker SIGINT, as a cancelled step gets.
/// </summary>
internal static class ProcessJobLauncher
{
    /// <summary>The environment variable holding the secrets a worker may resolve (JSON: host name → value).</summary>
    public const string SecretsVariable = "CATALYTIC_JOB_SECRETS";

    public static async Task<JobInstanceResult> RunAsync(RunSession session, JobRequest request, IReadOnlyList<string> worker, CancellationToken cancellationToken)
    {
        var spec = JobSpecs.From(session, request, out var secretValues);
        var host = session.Host;
        var specFile = Path.Combine(session.RunDirectory, "jobs", Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(specFile)!);
        await File.WriteAllTextAsync(specFile, JsonSerializer.Serialize(spec, JobSpecJsonContext.Default.JobSpec), CancellationToken.None);
        var env = new Dictionary<string, string>(session.HostEnvironment, StringComparer.Ordinal)
        {
            [SecretsVariable] = JsonSerializer.Serialize(secretValues, JobSpecJsonContext.Default.DictionaryStringString),
        };
        var args = worker.Skip(1).Concat(["--workspace", session.Workspace, "--state", session.Options.State, specFile]).ToList();
        var process = new ProcessSpec(worker[0], args, session.Workspace, env);
        JobOutcome? outcome = null;
        var others = new List<string>();
        void OnLine(string line)
        {
            WorkerMessage? message = null;
            if (line.StartsWith('{'))
            {
                try
                {
                    message = JsonSerializer.Deserialize(line, JobSpecJsonContext.Default.WorkerMessage);
                }
                catch (JsonException e)
                {
                    // Not one of the worker's messages: kept below as what the worker said.
                    RunnerLog.WorkerLineNotAMessage(session.Log, line.Length, e);
                }
            }

            switch (message)
            {
                case { Line: { } l }:
                    host.Line(JobLogLine.FromStored(l with { Text = session.Masker.Apply(l.Text) }));
                    break;
                case { JobStarted: { } job }:
                    host.JobStarted(job);
                    break;
                case { StepStarted: { } step }:
                    host.StepStarted(request.Label, step);
                    break;
                case { Step: { } step }:
                    host.StepFinished(request.Label, step);
                    break;
                case { Job: { } job }:
                    outcome = job;
                    break;
                default:
                    others.Add(session.Masker.Apply(line));
                    break;
            }
        }

        var startedAt = session.Options.Time.GetTimestamp();
        var workerPid = 0;
        try
        {
            var exit = await HostProcess.RunAsync(process, OnLine, new ProcessLimits(null, session.Options.CancelGracePeriod, session.Options.Time) { Log = session.Log }, pid => workerPid = pid, cancellationToken);
            if (outcome is null)
            {
                var reason = $"the job's worker ({worker[0]}) ended with exit code {exit.ExitCode} without a result" + (others.Count > 0 ? ": " + string.Join(" | ", others.TakeLast(5)) : "");
                var report = new JobReport { Id = spec.ReportId, Name = spec.Label, Matrix = spec.Matrix?.ToJsonString(), Result = Results.Failure, Outcome = Results.Failure, Reason = reason };
                host.Line(new JobLogLine(request.Label, "", "##[error]" + reason, LineKind.Runner, session.Options.Time.GetUtcNow()));
                outcome = new JobOutcome(Results.Failure, Results.Failure, reason, [], report);
            }
        }
        finally
        {
            // The worker's own steps are its business (it ends what they leave); its group ends with it here.
            if (workerPid > 0 && ProcessGroups.IsAlive(workerPid))
            {
                ProcessGroups.Signal(workerPid, ProcessGroups.SigKill);
            }

            File.Delete(specFile);
        }

        host.JobFinished(request.Label, outcome.Report, session.Options.Time.GetElapsedTime(startedAt));
        return new JobInstanceResult(outcome.Result, outcome.Outcome, outcome.Reason, outcome.Outputs, outcome.Report);
    }
}
