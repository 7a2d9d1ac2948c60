using System.Text.Json.Nodes;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

/// <summary>One job instance to run: the job, its matrix combination and the contexts fixed before it starts.</summary>
internal sealed record JobRequest(
    Workflow Workflow,
    Job Job,
    string Label,
    JsonObject? Matrix,
    JsonObject Strategy,
    JsonObject Needs,
    IReadOnlyDictionary<string, string> WorkflowEnv,
    JsonObject Inputs,
    string LogFile,
    string EventPath)
{
    /// <summary>The job's id in the report: <c>caller / job</c> for a job of a called workflow; default the job's id.</summary>
    public string? ReportId { get; init; }

    /// <summary>For a job of a called workflow: the caller's <c>github</c> context (GitHub's rule); null for a top-level job.</summary>
    public JsonObject? CallerGithub { get; init; }

    /// <summary>For a job of a called workflow: only the secrets passed to it (or all with <c>inherit</c>); null: the run's.</summary>
    public JsonObject? Secrets { get; init; }

    /// <summary>For a job of a called workflow: the workflow files from the top-level one down to its own; null for a top-level job.</summary>
    public IReadOnlyList<string>? CallChain { get; init; }
}

/// <summary>How a job instance ended.</summary>
internal sealed record JobInstanceResult(string Result, string Outcome, string? Reason, IReadOnlyDictionary<string, string> Outputs, Reporting.JobReport Report);

/// <summary>Conclusions GitHub uses for jobs and steps.</summary>
internal static class Results
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Cancelled = "cancelled";
    public const string Skipped = "skipped";
}

/// <summary>How a JSON value of a context becomes the string a step or a message sees.</summary>
public static class JobExecutorStrings
{
    public static string Stringify(JsonNode? node) => ContextValues.Stringify(node);
}
