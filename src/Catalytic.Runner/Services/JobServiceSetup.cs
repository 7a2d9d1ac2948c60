using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Services;

/// <summary>A job's <c>services:</c> (as written, or one expression for all of them), started by the run's service host before the steps.</summary>
internal static class JobServiceSetup
{
    public static bool Declared(Job job) => job.Services is { Entries.Length: > 0 } || job.ServicesExpression is not null;

    public static async Task<JobServicesResult> StartAsync(JobRun job, CancellationToken cancellationToken)
    {
        if (job.Options.Services is not { } host)
        {
            return new JobServicesResult(false, $"job '{job.Job.Id}' declares services but this runner has no service host", null, null, null);
        }

        var scope = job.BaseScope(job.State.JobEnv);
        var definitions = job.Job.ServicesExpression is { } whole
            ? Evaluated(job, whole, scope)
            : job.Job.Services!.Entries.Select(e => new KeyValuePair<string, TemplateNode>(e.Key.Value, e.Value)).ToList();
        var result = await host.StartAsync(
            new JobServicesRequest(
                job.Request.Workflow.Name,
                job.Job.Id,
                definitions,
                s => job.Expressions.EvaluateString(s, scope),
                job.State.RunnerTemp,
                job.Options.State,
                line => job.Emit("services", line, LineKind.Output)),
            cancellationToken);
        if (result.Context is not null)
        {
            job.State.JobContext["services"] = result.Context;
        }

        foreach (var (k, v) in result.Environment ?? new Dictionary<string, string>())
        {
            job.State.ServiceEnv[k] = v;
        }

        return result;
    }

    /// <summary>`services: ${{ … }}` evaluated, each service turned back into the template form the service host reads.</summary>
    private static List<KeyValuePair<string, TemplateNode>> Evaluated(JobRun job, TemplateScalar whole, ExpressionScope scope)
    {
        if (job.Expressions.Evaluate(whole, scope) is not JsonObject services)
        {
            throw new ExpressionEvaluationException(whole.Span, $"'services' must evaluate to a mapping of service ids to services, but {whole.Value.Trim()} did not");
        }

        return [.. services.Select(kv => new KeyValuePair<string, TemplateNode>(kv.Key, ContextValues.ToTemplate(kv.Value, whole.Span)))];
    }
}
