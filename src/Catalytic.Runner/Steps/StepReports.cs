using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;

namespace Catalytic.Runner.Steps;

/// <summary>Finishing a step's report, written once for job steps and the pre parts of actions.</summary>
internal static class StepReports
{
    /// <summary>
    /// Fills <paramref name="report"/> from <paramref name="outcome"/> (masked), shows the error and the result line,
    /// marks the job failed or cancelled as the step's conclusion says, and hands the report to the host.
    /// </summary>
    public static void Finish(JobRun job, StepReport report, string name, StepOutcome outcome, string conclusion, long startedAt)
    {
        var elapsed = job.Time.GetElapsedTime(startedAt);
        report.Name = name;
        report.Outcome = outcome.Result;
        report.Conclusion = conclusion;
        report.ExitCode = outcome.ExitCode;
        report.Message = outcome.Message is null ? null : job.Masker.Apply(outcome.Message);
        report.DurationMs = elapsed.TotalMilliseconds;
        report.Tail = outcome.Result == Results.Failure ? outcome.Tail.Select(job.Masker.Apply).ToList() : [];
        if (outcome.Message is not null && outcome.Result != Results.Success)
        {
            job.Emit(name, "##[error]" + outcome.Message, LineKind.Runner);
        }

        job.Emit(name, $"{(conclusion == outcome.Result ? outcome.Result : $"{outcome.Result} (continue-on-error)")} in {ConsoleRunListener.Format(elapsed)}", LineKind.Runner);
        job.State.Failed |= conclusion == Results.Failure;
        job.State.Cancelled |= outcome.Result == Results.Cancelled;
        job.Host.StepFinished(job.Request.Label, report);
    }

    /// <summary>A step that did not run: skipped by its condition.</summary>
    public static void Skipped(JobRun job, StepReport report, string name, string message)
    {
        report.Name = name;
        report.Outcome = report.Conclusion = Results.Skipped;
        report.Message = message;
        job.Emit(name, message, LineKind.Runner);
        job.Host.StepFinished(job.Request.Label, report);
    }
}
