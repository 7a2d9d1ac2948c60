using System.Text.Json.Nodes;
using Catalytic.Platform.Linux;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Services;
using Catalytic.Runner.Steps;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>
/// Runs one job instance: the loop services → container → pre parts → steps → post parts → outputs. What a step is
/// and how it runs is its <see cref="IStepRunner"/>'s business; what the job has become is its <see cref="JobState"/>.
/// </summary>
internal sealed class JobExecutor(RunSession session, JobRequest request)
{
    private static readonly TimeSpan DefaultJobTimeout = TimeSpan.FromMinutes(360);

    private RunOptions Options => session.Options;

    private Job Job => request.Job;

    /// <summary>Runs the job; <paramref name="cancellationToken"/> is the run's cancellation (Ctrl-C, fail-fast).</summary>
    public async Task<JobInstanceResult> RunAsync(CancellationToken cancellationToken)
    {
        var time = Options.Time;
        var startedAt = time.GetTimestamp();
        var report = new JobReport { Id = request.ReportId ?? Job.Id, Name = request.Label, Matrix = request.Matrix?.ToJsonString(), LogFile = request.LogFile };
        var state = new JobState(report);
        var log = new JobLog(request.LogFile, request.Label, session.Masker, session.Host, time);
        var job = new JobRun(session, request, state, log, session.Steps);
        state.RunnerTemp = Directory.CreateTempSubdirectory("catalytic-job-").FullName;
        session.Host.JobStarted(request.Label);
        string? reason = null;
        var timedOut = false;
        IAsyncDisposable? services = null;
        try
        {
            state.Github = BuildGithubContext();
            var jobTimeout = job.EvaluateTimeout(Job.TimeoutMinutes, job.BaseScope(null)) ?? DefaultJobTimeout;
            using var jobTimeoutCts = new CancellationTokenSource(jobTimeout, time);
            using var jobCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, jobTimeoutCts.Token);

            state.JobEnv = job.EvaluateEnv(Job.Env, Job.EnvExpression, request.WorkflowEnv, job.BaseScope(request.WorkflowEnv), "env");
            if ((Job.Defaults?.RunExpression ?? (TemplateNode?)Job.Defaults?.RunTemplate) is { } defaultsRun)
            {
                var run = ContextValues.EvaluateWholeMapping(session.Expressions, defaultsRun, job.BaseScope(state.JobEnv), "defaults.run");
                state.EvaluatedDefaults = new Defaults(run.GetValueOrDefault("shell"), run.GetValueOrDefault("working-directory"));
            }

            var container = JobContainerSetup.Read(job, out var containerError);
            if (containerError is not null)
            {
                state.Failed = true;
                reason = containerError;
                job.Emit("", "##[error]" + containerError, LineKind.Runner);
            }

            if (!state.Failed && JobServiceSetup.Declared(Job))
            {
                var started = await JobServiceSetup.StartAsync(job, jobCts.Token);
                if (!started.Succeeded)
                {
                    state.Failed = true;
                    reason = started.Message;
                }

                services = started.Handle;
            }

            // After the services: the job container reaches them by their ids.
            if (!state.Failed && container is not null && await JobContainerSetup.StartAsync(job, container, jobCts.Token) is { } startError)
            {
                // Cancelled while starting is a cancelled job, not a failed one; either way no step runs (not on the host).
                state.Cancelled = cancellationToken.IsCancellationRequested;
                state.Failed = !state.Cancelled;
                reason = startError;
                job.Emit("", "##[error]" + startError, LineKind.Runner);
            }

            if (!state.Failed && (container is null || state.Container is not null))
            {
                var setupError = await job.Steps.RunPreStepsAsync(job, jobCts.Token);
                if (setupError is not null)
                {
                    // An action that cannot be had fails the job before its first step, as GitHub's "Set up job" does.
                    state.Failed = true;
                    reason = setupError;
                    job.Emit("", "##[error]" + setupError, LineKind.Runner);
                }

                for (var i = 0; i < Job.Steps.Length && !jobTimeoutCts.IsCancellationRequested && setupError is null; i++)
                {
                    // Once the run is cancelled, steps that still run (if: always()) end only at the job's timeout.
                    state.Cancelled |= cancellationToken.IsCancellationRequested;
                    await JobSteps.RunAsync(job, Job.Steps[i], i, state.Cancelled ? jobTimeoutCts.Token : jobCts.Token);
                }
            }

            timedOut = jobTimeoutCts.IsCancellationRequested;
            if (timedOut)
            {
                state.Failed = true;
                reason = $"the job exceeded its timeout of {jobTimeout.TotalMinutes:0.##} minutes";
                job.Emit("", $"##[error]{reason}", LineKind.Runner);
            }

            await PostSteps.RunAsync(job);
        }
        catch (Exception e) when (e is ExpressionEvaluationException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            state.Failed = true;
            reason = e.Message;
            job.Emit("", "##[error]" + e.Message, LineKind.Runner);
        }
        finally
        {
            if (state.Container is not null)
            {
                await state.Container.DisposeAsync();
            }

            if (services is not null)
            {
                await services.DisposeAsync();
            }

            KillOrphans(state);
            session.DeleteLater(state.RunnerTemp);
        }

        // Cancelled wins, except over the job's own timeout (a failure).
        var outcome = state.Cancelled && (!state.Failed || !timedOut) ? Results.Cancelled : state.Failed ? Results.Failure : Results.Success;
        var outputs = outcome == Results.Cancelled ? new Dictionary<string, string>() : EvaluateOutputs(job);
        var continueOnError = outcome == Results.Failure && job.EvaluateFlag(Job.ContinueOnError, job.BaseScope(state.JobEnv));
        var result = continueOnError ? Results.Success : outcome;
        if (reason is null && outcome == Results.Failure)
        {
            reason = report.Steps.LastOrDefault(s => s.Outcome == Results.Failure) is { } failedStep ? $"step '{failedStep.Name}' failed" : null;
        }

        var elapsed = time.GetElapsedTime(startedAt);
        report.Result = result;
        report.Outcome = outcome;
        report.Reason = reason is null ? null : session.Masker.Apply(reason);
        report.DurationMs = elapsed.TotalMilliseconds;
        foreach (var (k, v) in outputs)
        {
            report.Outputs[k] = session.Masker.Apply(v);
        }

        WriteSummary(state);
        log.Close($"job {result}{(reason is null ? "" : ": " + report.Reason)} in {elapsed.TotalSeconds:0.000}s");
        session.Host.JobFinished(request.Label, report, elapsed);
        return new JobInstanceResult(result, outcome, report.Reason, outputs, report);
    }

    private JsonObject BuildGithubContext()
    {
        if (request.CallerGithub is { } caller)
        {
            // A called workflow's jobs see the caller's github context (event, event_name, workflow…), with their own job id.
            var c = (JsonObject)caller.DeepClone();
            c["job"] = Job.Id;
            c["event_path"] = request.EventPath;
            return c;
        }

        var g = (JsonObject)Options.Github.DeepClone();
        g["event"] = Options.EventPayload.DeepClone();
        g["job"] = Job.Id;
        g["workflow"] = request.Workflow.Name;
        g["workflow_ref"] = $"{g["repository"]}/{request.Workflow.File}@{g["ref"]}";
        g["event_path"] = request.EventPath;
        if (request.Workflow.DispatchInputs.Length > 0 || Options.EventName == "workflow_dispatch")
        {
            ((JsonObject)g["event"]!)["inputs"] = ContextValues.DispatchEventInputs(request.Inputs);
        }

        return g;
    }

    private static Dictionary<string, string> EvaluateOutputs(JobRun job)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (job.Job.Outputs is null)
        {
            return outputs;
        }

        var scope = job.BaseScope(job.State.JobEnv, includeSteps: true);
        foreach (var (key, value) in job.Job.Outputs.Entries)
        {
            try
            {
                outputs[key.Value] = ContextValues.EvaluateText(job.Expressions, value, scope);
            }
            catch (ExpressionEvaluationException e)
            {
                job.Emit("", "##[warning]output '" + key.Value + "': " + e.Message, LineKind.Runner);
            }
        }

        return outputs;
    }

    private static void KillOrphans(JobState state)
    {
        // GitHub ends processes a job left behind (`server &`) when the job is over.
        lock (state.ProcessGroups)
        {
            foreach (var pgid in state.ProcessGroups)
            {
                if (ProcessGroups.IsAlive(pgid))
                {
                    ProcessGroups.Signal(pgid, ProcessGroups.SigKill);
                }

                RunSession.Untrack(pgid);
            }
        }
    }

    private void WriteSummary(JobState state)
    {
        if (state.Summary.Length == 0)
        {
            return;
        }

        var path = Path.ChangeExtension(request.LogFile, ".summary.md");
        File.WriteAllText(path, session.Masker.Apply(state.Summary.ToString()));
    }
}
