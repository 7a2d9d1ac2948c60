using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Scheduling;

/// <summary>
/// Where a workflow's jobs run in the run's job graph: a top-level workflow, or a reusable workflow called by a job
/// (then its jobs are shown as <c>caller / job</c>, log under the caller's folder, see the caller's <c>github</c>
/// context and only the secrets passed to them).
/// </summary>
internal sealed record CallFrame(
    JsonObject Github,
    JsonObject Secrets,
    string IdPrefix,
    string NamePrefix,
    string LogDirectory,
    ImmutableList<string> Chain)
{
    /// <summary>
    /// Concurrency groups held by the callers above this frame (their workflow's and the calling job's): joining one of
    /// them again would wait for itself, so it is reported as a deadlock instead, as GitHub does.
    /// </summary>
    public ImmutableList<string> HeldGroups { get; init; } = [];

    /// <summary>The calling job's scheduling level minus one (0 at the top): a called job ranks with the chain after its caller.</summary>
    public int Level { get; init; }

    /// <summary>True for a called (reusable) workflow.</summary>
    public bool IsCall => Chain.Count > 1;

    /// <summary>The frame of a workflow the event triggered: the run's github context and secrets.</summary>
    public static CallFrame TopLevel(RunSession session, Workflow workflow)
    {
        var github = (JsonObject)session.Options.Github.DeepClone();
        github["event"] = session.Options.EventPayload.DeepClone();
        github["workflow"] = workflow.Name;
        return new CallFrame(
            github,
            session.Secrets,
            "",
            "",
            Path.Combine(session.RunDirectory, Path.GetFileNameWithoutExtension(workflow.File)),
            [Key(workflow.File)]);
    }

    /// <summary>The repository-relative key of a workflow file, as calls name it.</summary>
    public static string Key(string file) => file.Replace('\\', '/');
}
