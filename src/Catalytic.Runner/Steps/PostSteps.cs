using Catalytic.Runner.Actions;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;

namespace Catalytic.Runner.Steps;

/// <summary>The post parts of actions, after the job's steps: in reverse order of their main parts, each deciding by its post-if (default always()).</summary>
internal static class PostSteps
{
    public static async Task RunAsync(JobRun job)
    {
        var posts = job.State.Posts;
        for (var i = posts.Count - 1; i >= 0; i--)
        {
            var post = posts[i];
            var report = new StepReport { Id = "post_" + i, Name = post.Name };
            job.State.Report.Steps.Add(report);
            var startedAt = job.Time.GetTimestamp();
            job.Host.StepStarted(job.Request.Label, post.Name);
            ActionResult? result;
            try
            {
                result = await post.Run(job.State.Status);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ExpressionEvaluationException or System.ComponentModel.Win32Exception)
            {
                result = ActionResult.Fail(e.Message);
            }

            report.DurationMs = job.Time.GetElapsedTime(startedAt).TotalMilliseconds;
            if (result is null)
            {
                report.Outcome = report.Conclusion = Results.Skipped;
                job.Emit(post.Name, "skipped: its post-if is false", LineKind.Runner);
                job.Host.StepFinished(job.Request.Label, report);
                continue;
            }

            report.Outcome = report.Conclusion = result.Succeeded ? Results.Success : Results.Failure;
            report.Message = result.Message is null ? null : job.Masker.Apply(result.Message);
            job.Emit(post.Name, result.Succeeded ? "success" : "##[error]" + result.Message, LineKind.Runner);
            job.State.Failed |= !result.Succeeded;
            job.Host.StepFinished(job.Request.Label, report);
        }
    }
}
