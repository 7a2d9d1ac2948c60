using System.Collections.Immutable;
using System.Text.Json;
using Catalytic.Pipelines.Environments;
using Catalytic.Pipelines.Queue;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Triggers;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Pipelines.Runs;

/// <summary>How the run queue behaves; defaults documented per property.</summary>
public sealed record RunSchedulerOptions
{
    /// <summary>
    /// How long a lease holds without a renewal (60 s; a worker renews at a third of it). Shorter finds a dead worker
    /// sooner; longer keeps a job on a worker that a busy machine or a network hiccup held up for a while
    /// (<c>serve --worker-lease</c>).
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = DefaultLeaseDuration;

    /// <summary>The default <see cref="LeaseDuration"/>.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(60);

    /// <summary>How often lapsed leases are looked for (5 s): a lost worker's job is re-queued within a lease and 5 s.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a waiting worker looks at the store for jobs another server queued (2 s).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The environments' protection rules as they are now (catalytic.yml's <c>environments:</c>).</summary>
    public Func<EnvironmentRules> Environments { get; init; } = () => EnvironmentRules.None;

    /// <summary>This server's address (<c>github.server_url</c>); known once the API listens.</summary>
    public Func<Uri> ServerUrl { get; init; } = () => new Uri("http://127.0.0.1/");

    /// <summary>The values of the secrets jobs name.</summary>
    public ISecretSource? Secrets { get; init; }

    /// <summary>A folder <c>hashFiles</c> in a job-level expression resolves against (the server has no work tree).</summary>
    public string Workspace { get; init; } = Path.GetTempPath();

    /// <summary>The clock of leases, polls and timestamps (required: only a composition root names the system clock).</summary>
    public required TimeProvider Time { get; init; }

    public ILogger Logger { get; init; } = NullLogger.Instance;
}

/// <summary>
/// The run queue: records each <see cref="RunRequest"/> as a run (once per deduplication key), plans its jobs as
/// their needs end (<see cref="RunPlanner"/>), keeps concurrency groups across every run of the store, hands jobs to
/// workers under leases (<see cref="JobDispatcher"/>), re-queues a job once when its worker is lost, and carries out
/// cancels, re-runs and approvals. Every decision is made in a store transaction on the rows it changes; what follows
/// a commit (waking workers, resolving groups, telling observers) is done after it, and done again on start for
/// whatever a crash cut short.
/// </summary>
public sealed partial class RunScheduler : IRunQueue, IScheduleHistory
{
    private const int MaxAttempts = 8;
    private readonly IRunStore _store;
    private readonly RunSchedulerOptions _options;
    private readonly RunContexts _contexts;
    private readonly IExpressionEngine _expressions = new WorkflowExpressionEngine();
    private readonly PipelineEvents _events;

    public RunScheduler(IRunStore store, RunSchedulerOptions options)
    {
        _store = store;
        _options = options;
        _contexts = new RunContexts(store, options.ServerUrl);
        _events = new PipelineEvents(options.Logger);
    }

    /// <summary>The store the queue keeps its runs in.</summary>
    public IRunStore Store => _store;

    public RunSchedulerOptions Options => _options;

    /// <summary>Runs, jobs and workers as they end, are lost and come back.</summary>
    public IPipelineEvents Events => _events;

    /// <summary>Pulsed when a job is queued here: waiting workers look at once.</summary>
    public WorkSignal Queued { get; } = new();

    /// <summary>Pulsed when a log batch is stored here or a job changes state: log followers read at once.</summary>
    public WorkSignal Changed { get; } = new();

    private DateTimeOffset Now => _options.Time.GetUtcNow();

    private ILogger Log => _options.Logger;

    /// <inheritdoc/>
    public Task<DateTimeOffset?> LastFiredAsync(string repository, string workflowPath, string cron, CancellationToken ct = default) =>
        _store.LastFiredAsync(repository, workflowPath, cron, ct);

    /// <summary>
    /// The jobs of the workflow <paramref name="run"/> runs (parsed from the text stored with it), in file order, with
    /// the jobs each needs: the run's job graph, jobs not planned yet included. Null when the workflow is invalid.
    /// </summary>
    public async Task<IReadOnlyList<WorkflowJobNode>?> GraphAsync(RunRecord run, CancellationToken ct = default) =>
        (await _contexts.GetAsync(run, ct))?.Workflow is { } w
            ? [.. w.Jobs.Select(j => new WorkflowJobNode(j.Id, j.Name is { } n && !n.Value.Contains("${{", StringComparison.Ordinal) ? n.Value : j.Id, j.Needs))]
            : null;

    /// <summary>Records <paramref name="request"/> as a run (or finds the run its deduplication key made) and plans the jobs it can start.</summary>
    public async Task<RunCreated> EnqueueAsync(RunRequest request, CancellationToken ct = default)
    {
        var created = await InTransactionAsync(async (tx, fx) =>
        {
            if (request.DeduplicationKey is { } key && await tx.FindByDeduplicationKeyAsync(key) is { } existing)
            {
                return existing with { Duplicate = true };
            }

            var data = new RunRequestData(request.WorkflowText, request.Payload.ToJsonString(), request.Inputs, request.WorkflowErrors);
            var now = Now;
            var run = new RunRecord
            {
                Repository = request.Repository,
                WorkflowPath = request.WorkflowPath,
                WorkflowName = request.WorkflowPath,
                Event = request.EventName,
                Ref = request.Ref,
                Sha = request.Sha,
                Actor = request.Actor,
                Source = request.Source,
                CommitMessage = Subject(request.CommitMessage ?? JobPlanningText(Catalytic.Pipelines.Events.Payload.At(request.Payload, "head_commit", "message"))),
                DefaultBranch = JobPlanningText(Catalytic.Pipelines.Events.Payload.At(request.Payload, "repository", "default_branch")),
                DeduplicationKey = request.DeduplicationKey,
                Schedule = request.Schedule,
                ScheduledFor = request.ScheduledFor,
                CreatedAt = now,
                UpdatedAt = now,
            };
            if (await tx.InsertRunAsync(run, data) is not { } id)
            {
                // Another server inserted this key between our look and our insert: its run is the run.
                return null;
            }

            // The number is taken only once the run is in: a key another server took meanwhile costs no number.
            var number = await tx.NextRunNumberAsync(request.Repository, request.WorkflowPath);
            run = run with { Id = id, RunNumber = number };
            var context = RunContext.Create(run, data, _options.ServerUrl());
            _contexts.Put(context);
            run = run with { WorkflowName = context.Workflow?.Name ?? run.WorkflowPath };
            if (context.Workflow is null)
            {
                run = run with { Status = RunStatuses.Completed, Conclusion = Conclusions.Failure, FinishedAt = now, Reason = InvalidWorkflow(context.Errors) };
                fx.Finished(run);
            }
            else if (context.Workflow.Concurrency is { } concurrency)
            {
                try
                {
                    var (group, cancel) = Runner.Scheduling.JobPlanning.Concurrency(_expressions, concurrency,
                        Runner.Scheduling.JobPlanning.Contexts(context.Github, [], context.Inputs, []), _options.Workspace);
                    if (group.Length > 0)
                    {
                        run = run with { Status = RunStatuses.Pending, ConcurrencyGroup = group.ToLowerInvariant(), CancelInProgress = cancel };
                        fx.Groups.Add(run.ConcurrencyGroup!);
                    }
                }
                catch (ExpressionEvaluationException e)
                {
                    run = run with { Status = RunStatuses.Completed, Conclusion = Conclusions.Failure, FinishedAt = now, Reason = e.Message };
                    fx.Finished(run);
                }
            }

            await tx.UpdateRunAsync(run);
            if (run.Status == RunStatuses.Queued)
            {
                run = await AdvanceInAsync(tx, run, fx, ct);
            }

            RunLog.RunCreated(Log, run.Id, run.Repository, run.WorkflowPath, run.RunNumber, run.Event, run.Ref, run.Status);
            return new RunCreated(id, number, false);
        }, ct);
        if (created is not null)
        {
            return created;
        }

        var again = await InTransactionAsync(async (tx, _) => await tx.FindByDeduplicationKeyAsync(request.DeduplicationKey!), ct);
        return (again ?? throw new InvalidOperationException($"the run of '{request.DeduplicationKey}' vanished")) with { Duplicate = true };
    }

    /// <summary>Plans whatever of run <paramref name="runId"/> can start, and concludes it when every job has ended.</summary>
    public Task AdvanceAsync(long runId, CancellationToken ct = default) =>
        InTransactionAsync(async (tx, fx) =>
        {
            if (await tx.LockRunAsync(runId) is { } run)
            {
                await AdvanceInAsync(tx, run, fx, ct);
            }

            return true;
        }, ct);

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and commits it, then carries out what it asked for after the commit
    /// (<see cref="Effects"/>). A transaction the store refused for a passing reason (a deadlock detected, a
    /// serialisation failure) is run again from the start.
    /// </summary>
    internal async Task<T> InTransactionAsync<T>(Func<IRunTransaction, Effects, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var fx = new Effects();
            T result;
            try
            {
                await using var tx = await _store.BeginAsync(ct);
                result = await work(tx, fx);
                await tx.CommitAsync();
            }
            catch (Exception e) when (attempt < MaxAttempts && _store.IsTransient(e))
            {
                RunLog.Retrying(Log, e.Message);
                continue;
            }

            await ApplyAsync(fx, ct);
            return result;
        }
    }

    /// <summary>The run's state advanced in <paramref name="tx"/>: new jobs planned, its status and, at the end, its conclusion.</summary>
    internal async Task<RunRecord> AdvanceInAsync(IRunTransaction tx, RunRecord run, Effects fx, CancellationToken ct)
    {
        if (run.Status is RunStatuses.Completed or RunStatuses.Pending)
        {
            return run;
        }

        var now = Now;
        var jobs = (await tx.JobsAsync(run.Id)).ToList();
        var context = await _contexts.GetAsync(run, ct);
        if (context?.Workflow is not { } workflow)
        {
            var ended = run with { Status = RunStatuses.Completed, Conclusion = Conclusions.Failure, FinishedAt = now, UpdatedAt = now, Reason = InvalidWorkflow(context?.Errors ?? ["the run's request is missing"]) };
            await tx.UpdateRunAsync(ended);
            fx.Finished(ended);
            return ended;
        }

        var rules = _options.Environments();
        foreach (var planned in RunPlanner.Plan(context, jobs, rules, _expressions, _options.Workspace, now))
        {
            var row = planned with { Id = await tx.InsertJobAsync(planned) };
            jobs.Add(row);
            switch (row.Status)
            {
                case JobStatuses.Queued:
                    fx.QueuedJobs = true;
                    break;
                case JobStatuses.Pending:
                    fx.Groups.Add(row.ConcurrencyGroup!);
                    await NoteAsync(tx, row, $"waiting for concurrency group '{row.ConcurrencyGroup}'", now);
                    break;
                case JobStatuses.Waiting:
                    await NoteAsync(tx, row, $"waiting for an approval to deploy to {row.Environment} (catalytic approve --run {run.Id})", now);
                    break;
                case JobStatuses.Completed:
                    await NoteAsync(tx, row, $"{row.Conclusion}: {row.Reason}", now);
                    break;
            }
        }

        RunRecord next;
        if (RunPlanner.AllDone(workflow, jobs))
        {
            var conclusion = RunPlanner.Conclude(run, jobs);
            next = run with { Status = RunStatuses.Completed, Conclusion = conclusion, FinishedAt = now, UpdatedAt = now };
            fx.Finished(next);
            if (run.ConcurrencyGroup is { } group)
            {
                fx.Groups.Add(group);
            }
        }
        else
        {
            var status = jobs.Any(j => j.Status == JobStatuses.InProgress) ? RunStatuses.InProgress
                : jobs.Any(j => j.Status == JobStatuses.Waiting) && !jobs.Any(j => j.Status is JobStatuses.Queued or JobStatuses.Pending) ? RunStatuses.Waiting
                : run.StartedAt is not null ? RunStatuses.InProgress
                : RunStatuses.Queued;
            next = run with { Status = status, Conclusion = null };
        }

        if (next != run)
        {
            next = next with { UpdatedAt = now };
            await tx.UpdateRunAsync(next);
        }

        fx.ChangedRuns.Add(run.Id);
        return next;
    }

    /// <summary>Adds a line of the server's own to the job's log (attempt <paramref name="attempt"/>, default its current one).</summary>
    internal static Task NoteAsync(IRunTransaction tx, JobRecord job, string text, DateTimeOffset at, int? attempt = null)
    {
        var message = new WorkerMessage(Line: new JobLogLine(job.Label, "", text, LineKind.Runner, at));
        return tx.AppendLogAsync(new LogChunk(job.Id, attempt ?? job.Attempt, -1, 1, JsonSerializer.Serialize(message, JobSpecJsonContext.Default.WorkerMessage), at));
    }

    private static string InvalidWorkflow(ImmutableArray<string> errors) =>
        "Invalid workflow file: " + string.Join("; ", errors.IsDefaultOrEmpty ? ["(no detail)"] : errors);

    /// <summary>The longest commit subject a run keeps (GitHub's run list cuts it shorter still).</summary>
    public const int MaxCommitMessage = 300;

    /// <summary>A message's first line, cut to <see cref="MaxCommitMessage"/>; null for none.</summary>
    private static string? Subject(string? message)
    {
        var line = message?.Split('\n', 2)[0].Trim();
        return string.IsNullOrEmpty(line) ? null : line.Length <= MaxCommitMessage ? line : line[..(MaxCommitMessage - 1)] + "…";
    }

    private static string? JobPlanningText(System.Text.Json.Nodes.JsonNode? node) =>
        node is null ? null : Runner.Scheduling.JobPlanning.Stringify(node);

    /// <summary>Carries out what committed transactions asked for: wake workers and followers, resolve groups, tell observers.</summary>
    private async Task ApplyAsync(Effects fx, CancellationToken ct)
    {
        if (fx.QueuedJobs)
        {
            Queued.Pulse();
        }

        if (fx.ChangedRuns.Count > 0)
        {
            Changed.Pulse();
        }

        foreach (var runId in fx.StartedRuns)
        {
            await MarkStartedAsync(runId, ct);
        }

        foreach (var group in fx.Groups)
        {
            await ResolveGroupAsync(group, ct);
        }

        foreach (var run in fx.FinishedRuns)
        {
            RunLog.RunCompleted(Log, run.Id, run.Repository, run.WorkflowPath, run.RunNumber, run.Conclusion ?? "");
            var previous = await _store.PreviousConclusionAsync(run, ct);
            var started = run.StartedAt ?? run.CreatedAt;
            await _events.RaiseAsync(new RunFinished(run.Repository, run.WorkflowName, run.Ref, run.IsDefaultBranchOrTag, run.Id, run.Attempt,
                run.Conclusion ?? Conclusions.Failure, previous, (run.FinishedAt ?? started) - started, run.FinishedAt ?? Now,
                new Uri(_options.ServerUrl(), "api/runs/" + run.Id).ToString()), ct);
        }

        foreach (var job in fx.FinishedJobs)
        {
            await _events.RaiseAsync(job, ct);
        }

        foreach (var worker in fx.Workers)
        {
            if (!worker.Lost)
            {
                RunLog.WorkerBack(Log, worker.Worker);
            }

            await _events.RaiseAsync(worker, ct);
        }
    }

    /// <summary>A run one of whose jobs a worker took: in progress from now (done apart from the hand-out, which must not wait for the run's lock).</summary>
    private Task MarkStartedAsync(long runId, CancellationToken ct) =>
        InTransactionAsync(async (tx, _) =>
        {
            if (await tx.LockRunAsync(runId) is { Status: RunStatuses.Queued or RunStatuses.Waiting } run)
            {
                await tx.UpdateRunAsync(run with { Status = RunStatuses.InProgress, StartedAt = run.StartedAt ?? Now, UpdatedAt = Now });
            }

            return true;
        }, ct);

    /// <summary>What a transaction asks to be done once it is committed.</summary>
    internal sealed class Effects
    {
        public bool QueuedJobs { get; set; }

        public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);

        public HashSet<long> ChangedRuns { get; } = [];

        public HashSet<long> StartedRuns { get; } = [];

        public List<RunRecord> FinishedRuns { get; } = [];

        public List<JobFinished> FinishedJobs { get; } = [];

        public List<WorkerChanged> Workers { get; } = [];

        public void Finished(RunRecord run) => FinishedRuns.Add(run);
    }
}
