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

    /// <summary>The workflows a person may dispatch at a ref, with their inputs (what the dashboard's dispatch form is built from).</summary>
    public static string DispatchForms(string repository, string? gitRef = null) =>
        $"/api/repos/{Uri.EscapeDataString(repository)}/dispatch-forms" + (gitRef is null ? "" : "?ref=" + Uri.EscapeDataString(gitRef));
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
    DateTimeOffset? FinishedAt,
    string? CommitMessage = null)
{
    /// <summary>What `catalytic run` would exit with for this run: 0 success, 1 failure or cancelled; null while it runs.</summary>
    public int? ExitCode => Status != "completed" ? null : Conclusion == "success" ? ExitCodes.Success : ExitCodes.Failure;
}

/// <summary>
/// One job of a run: its status, worker, attempt and how long it waited and ran; the workflow jobs it needs; for a job
/// waiting for its environment, whether the caller may approve or reject it (the environment's rule, as the approve
/// call applies it), so a page draws the buttons only for those allowed.
/// </summary>
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
    DateTimeOffset? FinishedAt,
    IReadOnlyList<string>? Needs = null,
    bool? MayDecide = null);

/// <summary>
/// A run with its jobs and the artifacts its jobs uploaded. <see cref="Graph"/> is every job of the workflow with its
/// <c>needs</c> (null when the workflow is invalid): jobs not planned yet are in it before they are in <see cref="Jobs"/>.
/// </summary>
public sealed record RunDetailView(RunView Run, IReadOnlyList<JobView> Jobs, IReadOnlyList<string> Artifacts, IReadOnlyList<WorkflowJobView>? Graph = null);

/// <summary>A job of the workflow as written: its id, its name (the id when the name is an expression) and the jobs it needs.</summary>
public sealed record WorkflowJobView(string Id, string Name, IReadOnlyList<string> Needs);

/// <summary>A worker as the server last saw it.</summary>
public sealed record WorkerView(string Name, IReadOnlyList<string> Labels, int Capacity, int Busy, bool Embedded, bool Lost, DateTimeOffset LastSeen);

/// <summary><c>POST /api/repos/{repo}/dispatches</c>: a workflow_dispatch of <see cref="Workflow"/> (file name or path) at <see cref="Ref"/> (default branch when null).</summary>
public sealed record DispatchBody(string Workflow, string? Ref, IReadOnlyDictionary<string, string>? Inputs);

/// <summary>
/// <c>GET /api/repos/{repo}/dispatch-forms?ref=</c>: the workflows at <see cref="Ref"/> with a <c>workflow_dispatch</c>
/// trigger, and the environments an <c>environment</c> input may name (those <c>catalytic.yml</c> declares).
/// </summary>
public sealed record DispatchFormView(string Repository, string Ref, IReadOnlyList<DispatchWorkflowView> Workflows, IReadOnlyList<string> Environments);

/// <summary>A dispatchable workflow: its path (what a dispatch names), its name and its inputs in file order.</summary>
public sealed record DispatchWorkflowView(string Path, string Name, IReadOnlyList<DispatchInputView> Inputs);

/// <summary>One <c>workflow_dispatch</c> input: type string, boolean, number, choice or environment; the default as written.</summary>
public sealed record DispatchInputView(string Name, string Type, string? Description, bool Required, string? Default, IReadOnlyList<string> Options);

/// <summary>What a dispatch queued.</summary>
public sealed record DispatchAnswer(IReadOnlyList<long> RunIds, IReadOnlyList<string> Errors);

/// <summary><c>POST /api/runs/{id}/rerun</c>: the whole run, or only its failed and cancelled jobs and their dependents.</summary>
public sealed record RerunBody(bool Failed);

/// <summary><c>POST /api/runs/{id}/approve</c>: approve (or reject) the run's jobs waiting for their environment, or one of them.</summary>
public sealed record RunApprovalBody(bool Approve, string? Job, string? Comment);

/// <summary>One line of a job's log as the log stream (Server-Sent Events) carries it.</summary>
public sealed record LogLineView(int Attempt, string Step, string Text, string Kind, DateTimeOffset At);

/// <summary>
/// A stored batch of a job's log lines as one event of the log stream with <c>batch=true</c> (the dashboard's run page):
/// one event per batch instead of per line, and no time per line, so a 200,000-line log is read in a few hundred events.
/// </summary>
public sealed record LogBatchView(int Attempt, IReadOnlyList<LogBatchLine> Lines);

/// <summary>One line of a <see cref="LogBatchView"/>.</summary>
public sealed record LogBatchLine(string Step, string Text, string Kind);
