namespace Catalytic.Contracts.Runs;

/// <summary>The run API's paths (the server maps them, the CLI calls them).</summary>
public static class RunRoutes
{
    public const string Runs = "/api/runs";
    public const string Workers = "/api/workers";

    public static string Run(long id) => $"/api/runs/{id}";

    public static string Cancel(long id) => $"/api/runs/{id}/cancel";

    public static string Rerun(long id) => $"/api/runs/{id}/rerun";

    public static string Approve(long id) => $"/api/runs/{id}/approve";

    public static string Logs(long id, string job) => $"/api/runs/{id}/jobs/{Uri.EscapeDataString(job)}/logs";

    public static string Dispatches(string repository) => $"/api/repos/{Uri.EscapeDataString(repository)}/dispatches";
}

/// <summary>One run as the API shows it (GitHub's words for status and conclusion).</summary>
public sealed record RunView(
    long Id,
    string Repository,
    string Workflow,
    string WorkflowPath,
    int RunNumber,
    int Attempt,
    string Event,
    string Ref,
    string Sha,
    string Actor,
    string Status,
    string? Conclusion,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>What `catalytic run` would exit with for this run: 0 success, 1 failure or cancelled; null while it runs.</summary>
    public int? ExitCode => Status != "completed" ? null : Conclusion == "success" ? ExitCodes.Success : ExitCodes.Failure;
}

/// <summary>One job of a run: its status, worker, attempt and how long it waited and ran.</summary>
public sealed record JobView(
    string Key,
    string JobId,
    string Label,
    string Status,
    string? Conclusion,
    string? Reason,
    int Attempt,
    int RunAttempt,
    string? Worker,
    IReadOnlyList<string> RunsOn,
    string? Environment,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

/// <summary>A run with its jobs and the artifacts its jobs uploaded.</summary>
public sealed record RunDetailView(RunView Run, IReadOnlyList<JobView> Jobs, IReadOnlyList<string> Artifacts);

/// <summary>A worker as the server last saw it.</summary>
public sealed record WorkerView(string Name, IReadOnlyList<string> Labels, int Capacity, int Busy, bool Embedded, bool Lost, DateTimeOffset LastSeen);

/// <summary><c>POST /api/repos/{repo}/dispatches</c>: a workflow_dispatch of <see cref="Workflow"/> (file name or path) at <see cref="Ref"/> (default branch when null).</summary>
public sealed record DispatchBody(string Workflow, string? Ref, IReadOnlyDictionary<string, string>? Inputs);

/// <summary>What a dispatch queued.</summary>
public sealed record DispatchAnswer(IReadOnlyList<long> RunIds, IReadOnlyList<string> Errors);

/// <summary><c>POST /api/runs/{id}/rerun</c>: the whole run, or only its failed and cancelled jobs and their dependents.</summary>
public sealed record RerunBody(bool Failed);

/// <summary><c>POST /api/runs/{id}/approve</c>: approve (or reject) the run's jobs waiting for their environment, or one of them.</summary>
public sealed record RunApprovalBody(bool Approve, string? Job, string? Comment);

/// <summary>One line of a job's log as the log stream (Server-Sent Events) carries it.</summary>
public sealed record LogLineView(int Attempt, string Step, string Text, string Kind, DateTimeOffset At);
