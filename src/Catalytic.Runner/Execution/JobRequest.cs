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
    string EventPath);

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
    public static string Stringify(JsonNode? node) => JobExecutor.Stringify(node);
}
