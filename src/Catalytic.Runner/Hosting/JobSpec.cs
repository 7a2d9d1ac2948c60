using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Catalytic.Contracts.Runs;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;

namespace Catalytic.Runner.Hosting;

/// <summary>
/// One job as a value another process can run (<see cref="JobWorker"/>): enough to find and re-read its workflow, the
/// job and its matrix leg, what its <c>needs</c> gave, the event, inputs, vars, the run's identity — and the secrets
/// it may see by name only (the host resolves them, <see cref="IJobHost.Secret"/>). Nothing in it is secret.
/// </summary>
/// <remarks>See docs/architecture.md, "A job as a value". Version 1.</remarks>
public sealed record JobSpec
{
    public int Version { get; init; } = 1;

    /// <summary>The workflow file, repository-relative, and its text as planned (the worker parses it again).</summary>
    public required WorkflowSource Workflow { get; init; }

    public required string JobId { get; init; }

    /// <summary>How the job is shown (its name with the matrix values, <c>caller / job</c> in a called workflow).</summary>
    public required string Label { get; init; }

    /// <summary>The job's id in the report: <c>caller / job</c> in a called workflow.</summary>
    public required string ReportId { get; init; }

    /// <summary>The matrix leg; null without a matrix.</summary>
    public JsonObject? Matrix { get; init; }

    /// <summary>The <c>strategy</c> context (fail-fast, job-index, job-total, max-parallel).</summary>
    public required JsonObject Strategy { get; init; }

    /// <summary>The <c>needs</c> context: each needed job's result and outputs.</summary>
    public required JsonObject Needs { get; init; }

    public required string EventName { get; init; }

    public required JsonObject EventPayload { get; init; }

    /// <summary>The <c>inputs</c> context (workflow_dispatch, or a called workflow's inputs).</summary>
    public required JsonObject Inputs { get; init; }

    public required Dictionary<string, string> Vars { get; init; }

    /// <summary>The run's <c>--env</c> layer, below the workflow's own <c>env</c> (which the worker evaluates).</summary>
    public required Dictionary<string, string> Env { get; init; }

    /// <summary>The <c>secrets</c> context by name: each name the job sees → the name the host resolves it by.</summary>
    public required Dictionary<string, string> Secrets { get; init; }

    public required RunIdentity Run { get; init; }

    /// <summary>The run's <c>github</c> context without <c>event</c> (<see cref="EventPayload"/>): ref_name, base_ref…</summary>
    public required JsonObject Github { get; init; }

    /// <summary>For a job of a called workflow: where it sits in the call; null for a top-level job.</summary>
    public CallFrameSpec? Call { get; init; }

    /// <summary>The job's log, relative to the run's folder (<c>ci/build.log</c>).</summary>
    public required string LogPath { get; init; }

    /// <summary>The runner's settings that change what a job does.</summary>
    public required JobSettings Settings { get; init; }
}

/// <summary>
/// A workflow as planned: its repository-relative path and its text. <see cref="Commit"/> names the commit it was read
/// at, for a worker that fetches the repository; today's worker reads <see cref="Content"/>, else the file in its workspace.
/// </summary>
public sealed record WorkflowSource(string Path, string? Content, string? Commit = null);

/// <summary>Who and what the run is: GitHub's run id, number and attempt, repository, commit, ref, actor and server.</summary>
public sealed record RunIdentity(string RunId, int RunNumber, int RunAttempt, string Repository, string Sha, string Ref, string Actor, string ServerUrl);

/// <summary>
/// A job of a called (reusable) workflow: the caller's <c>github</c> context it sees and the chain of workflow files
/// from the top-level one down to its own. (Its secrets are in <see cref="JobSpec.Secrets"/>, its ids in the labels.)
/// </summary>
public sealed record CallFrameSpec(JsonObject CallerGithub, IReadOnlyList<string> Chain);

/// <summary>The settings of the planning run that change what a job does.</summary>
/// <remarks><paramref name="ActionsUrls"/>: where remote actions come from (empty: https://github.com); the worker keeps
/// its own cache of them in its state folder. <paramref name="ToolchainMirror"/>: where setup-* download toolchains.</remarks>
public sealed record JobSettings(
    JobContainerMode JobContainer,
    double CancelGraceSeconds,
    int FailedStepTailLines,
    IReadOnlyDictionary<string, string> ActionDirectories,
    IReadOnlyList<string>? ActionsUrls = null,
    string? ToolchainMirror = null);

/// <summary>How a job run elsewhere ended: what <see cref="JobWorker"/> answers, masked.</summary>
public sealed record JobOutcome(string Result, string Outcome, string? Reason, Dictionary<string, string> Outputs, JobReport Report);

/// <summary>
/// One message of a worker's answer stream (one JSON document per line): a log line, a finished step, or the job's end.
/// A message with a line is also what the server stores as a job's log, so the line has the contract's shape
/// (<see cref="StoredLogLine"/>, which the server's log API reads without knowing this type); a <see cref="JobLogLine"/>
/// converts to it.
/// </summary>
public sealed record WorkerMessage(StoredLogLine? Line = null, string? JobStarted = null, string? StepStarted = null, StepReport? Step = null, JobOutcome? Job = null);

/// <summary>Source-generated JSON for the job spec and the worker's messages.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(JobSpec))]
[JsonSerializable(typeof(WorkerMessage))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class JobSpecJsonContext : JsonSerializerContext;
