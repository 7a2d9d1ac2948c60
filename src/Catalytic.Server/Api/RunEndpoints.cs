using System.Globalization;
using System.Text.Json;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Runs;
using Catalytic.Delivery.Deployments;
using Catalytic.Identity.Accounts;
using Catalytic.Identity.Audit;
using Catalytic.Pipelines.Environments;
using Catalytic.Pipelines.Runs;
using Catalytic.Pipelines.Triggers;
using Catalytic.Pipelines.Workers.Files;
using Catalytic.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Api;

/// <summary>
/// The run API, thin over <see cref="RunScheduler"/> and its store: list and show runs, stream a job's log (Server-Sent
/// Events, followed until the job ends with <c>follow=true</c>), dispatch a workflow, cancel, re-run, approve a job's
/// environment, list workers. Every endpoint names its policy; bad input is a 400 naming the field and changes nothing.
/// </summary>
public static class RunEndpoints
{
    /// <summary>How often a followed log looks at the store when nothing woke it (another server's worker writes there).</summary>
    private static readonly TimeSpan FollowPoll = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapRunEndpoints(this IEndpointRouteBuilder routes, RunScheduler scheduler, PipelineTriggers triggers, RunFileStores files, TimeProvider time)
    {
        var store = scheduler.Store;
        var api = routes.MapGroup("/api");
        api.MapGet("/runs", async (string? repo, string? branch, string? status, string? before, string? limit, CancellationToken ct) =>
        {
            if (!TryNumber(before, out var b) || !TryNumber(limit, out var l) || l is < 1 or > 1000)
            {
                return Bad("before and limit must be whole numbers (limit 1 to 1000)", before is null || TryNumber(before, out _) ? "limit" : "before");
            }

            var runs = await store.ListRunsAsync(new RunQuery { Repository = repo, Branch = branch, Status = status, Before = b, Limit = (int)(l ?? 50) }, ct);
            return TypedResults.Json<IReadOnlyList<RunView>>([.. runs.Select(View)], ApiJson.Default.IReadOnlyListRunView);
        }).Require(Policies.Viewer);

        api.MapGet("/runs/{id:long}", async (long id, HttpContext http, CancellationToken ct) =>
        {
            if (await store.GetRunAsync(id, ct) is not { } run)
            {
                return NotFound(id);
            }

            var jobs = await store.ListJobsAsync(id, false, ct);
            // The graph is the workflow's, so jobs whose needs are not done yet (not planned, no row) are drawn too.
            var nodes = await scheduler.GraphAsync(run, ct);
            var needs = nodes?.ToDictionary(j => j.Id, j => (IReadOnlyList<string>)[.. j.Needs], StringComparer.Ordinal);
            IReadOnlyList<WorkflowJobView>? graph = nodes is null ? null : [.. nodes.Select(j => new WorkflowJobView(j.Id, j.Name, [.. j.Needs]))];
            var rules = scheduler.Options.Environments();
            var approver = AsApprover(http.Caller());
            bool? MayDecide(JobRecord j) => j.Status == JobStatuses.Waiting && j.Environment is { } e
                ? rules.Find(e)?.ApprovalRefusal(approver, run.Actor) is null
                : null;
            return TypedResults.Json(new RunDetailView(View(run), [.. jobs.Select(j => View(j) with { Needs = needs?.GetValueOrDefault(j.JobId), MayDecide = MayDecide(j) })],
                files.ArtifactNames(id), graph), ApiJson.Default.RunDetailView);
        }).Require(Policies.Viewer);

        // An artifact's files as a tar stream, the same whichever worker (embedded or remote) uploaded it.
        api.MapGet("/runs/{id:long}/artifacts/{name}", async (long id, string name, CancellationToken ct) =>
        {
            if (await store.GetRunAsync(id, ct) is null)
            {
                return NotFound(id);
            }

            return files.ArtifactNames(id).Contains(name, StringComparer.Ordinal)
                ? Results.Stream(s => files.WriteArtifactAsync(id, name, s, ct), "application/x-tar")
                : Problem(StatusCodes.Status404NotFound, $"run {id} has no artifact '{name}'", "name");
        }).Require(Policies.Viewer);

        api.MapGet("/runs/{id:long}/jobs/{job}/logs", async (long id, string job, string? follow, string? attempt, string? batch, HttpContext http, CancellationToken ct) =>
        {
            if (!TryNumber(attempt, out var a) || !TryFlag(follow, out var following) || !TryFlag(batch, out var batched))
            {
                await Bad("attempt must be a number, follow and batch true or false",
                    attempt is not null && !TryNumber(attempt, out _) ? "attempt" : TryFlag(follow, out _) ? "batch" : "follow").ExecuteAsync(http);
                return;
            }

            var row = (await store.ListJobsAsync(id, false, ct)).FirstOrDefault(j => j.Key == job || j.JobId == job);
            if (row is null)
            {
                await Problem(StatusCodes.Status404NotFound, $"run {id} has no job '{job}'", "job").ExecuteAsync(http);
                return;
            }

            await StreamLogAsync(http, scheduler, row, (int?)a, following, batched, time, ct);
        }).Require(Policies.Viewer);

        api.MapPost("/runs/{id:long}/cancel", async (long id, HttpContext http, CancellationToken ct) =>
            await AuditedAsync(http, AuditActions.Cancel, id, "", await scheduler.CancelAsync(id, http.Caller().Name, ct))).Require(Policies.Developer);

        api.MapPost("/runs/{id:long}/rerun", async (long id, HttpContext http, CancellationToken ct) =>
        {
            var body = await ReadAsync(http, ApiJson.Default.RerunBody, ct);
            var failed = body.Value?.Failed ?? false;
            return body.Error ?? await AuditedAsync(http, AuditActions.Rerun, id, failed ? "failed jobs" : "all jobs", await scheduler.RerunAsync(id, failed, http.Caller().Name, ct));
        }).Require(Policies.Developer);

        api.MapPost("/runs/{id:long}/approve", async (long id, HttpContext http, CancellationToken ct) =>
        {
            var body = await ReadAsync(http, ApiJson.Default.RunApprovalBody, ct);
            if (body.Error is not null || body.Value is null)
            {
                return body.Error ?? Bad("a body {\"approve\": true|false} is required", "approve");
            }

            // Who decides is the authenticated caller (never a name from the body), with the role the environment's rule checks.
            var approver = AsApprover(http.Caller());
            return await AuditedAsync(http, body.Value.Approve ? AuditActions.Approve : AuditActions.Reject, id, body.Value.Job is { } j ? "job " + j : "waiting jobs",
                await scheduler.DecideAsync(id, body.Value.Job, body.Value.Approve, approver, body.Value.Comment, ct));
        }).Require(Policies.Developer); // the environment's rule decides who may approve (default approver or above): 403 naming it


        api.MapPost("/repos/{repo}/dispatches", async (string repo, HttpContext http, CancellationToken ct) =>
        {
            var body = await ReadAsync(http, ApiJson.Default.DispatchBody, ct);
            if (body.Error is not null || body.Value is null)
            {
                return body.Error ?? Bad("a body {\"workflow\": \"ci.yml\"} is required", "workflow");
            }

            if (string.IsNullOrWhiteSpace(body.Value.Workflow))
            {
                return Bad("workflow is required (a file name in .github/workflows or a path)", "workflow");
            }

            var outcome = await triggers.Dispatches.WorkflowDispatchAsync(repo, body.Value.Workflow, body.Value.Ref,
                body.Value.Inputs ?? new Dictionary<string, string>(), http.Caller().Name, ct);
            if (outcome.Ok)
            {
                // The input names, never their values: an input may carry something a person would not want in the log.
                await http.AuditAsync(AuditActions.Dispatch, $"{repo}/{body.Value.Workflow}",
                    $"runs {string.Join(", ", outcome.Runs.Select(r => r.RunId))}; inputs {string.Join(", ", (body.Value.Inputs ?? new Dictionary<string, string>()).Keys)}");
            }

            return TypedResults.Json(new DispatchAnswer([.. outcome.Runs.Select(r => r.RunId)], [.. outcome.Errors]), ApiJson.Default.DispatchAnswer,
                statusCode: outcome.Ok ? StatusCodes.Status201Created : outcome.Status);
        }).Require(Policies.Developer);

        api.MapGet("/repos/{repo}/dispatch-forms", async (string repo, string? @ref, DeliveryEngine delivery, CancellationToken ct) =>
        {
            if (@ref is not null && (@ref.Length is 0 or > MaxRef || @ref.Any(char.IsControl)))
            {
                return Bad($"ref must be a branch, a tag or a full ref of 1 to {MaxRef} characters without control characters", "ref");
            }

            var forms = await triggers.Dispatches.FormsAsync(repo, @ref, ct);
            if (forms.Error is { } error)
            {
                return Problem(forms.Status, error, forms.Status == StatusCodes.Status404NotFound && triggers.Find(repo) is null ? "repo" : "ref");
            }

            // Every environment the server knows: those with rules (environments:) and each delivery app's; the names
            // compare without case, as a job's environment does.
            var apps = (delivery.LoadConfig().Value ?? delivery.Config)?.Apps ?? [];
            var environments = scheduler.Options.Environments().Environments.Values.Select(e => e.Name)
                .Concat(apps.SelectMany(a => a.Environments.Select(e => e.Name)))
                .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
            return TypedResults.Json(new DispatchFormView(repo, forms.Ref, [.. forms.Workflows.Select(w => new DispatchWorkflowView(w.Path, w.Name,
                [.. w.Inputs.Select(i => new DispatchInputView(i.Name, i.Type, i.Description, i.Required, i.Default, [.. i.Options]))]))],
                environments), ApiJson.Default.DispatchFormView);
        }).Require(Policies.Viewer);

        api.MapGet("/workers", async (CancellationToken ct) =>
            TypedResults.Json<IReadOnlyList<WorkerView>>(
                [.. (await store.ListWorkersAsync(ct)).Select(w => new WorkerView(w.Name, [.. w.Labels], w.Capacity, w.Busy, w.Embedded, w.Lost, w.LastSeen))],
                ApiJson.Default.IReadOnlyListWorkerView)).Require(Policies.Viewer);
        return routes;
    }

    public static RunView View(RunRecord r) => new(r.Id, r.Repository, r.WorkflowName, r.WorkflowPath, r.RunNumber, r.Attempt, r.Event, r.Ref, r.Sha,
        r.Actor, r.Status, r.Conclusion, r.Reason, r.CreatedAt, r.StartedAt, r.FinishedAt, r.CommitMessage);

    /// <summary>The longest ref a dispatch form is asked for (git's own limit on a ref name is far beyond any real one).</summary>
    private const int MaxRef = 255;

    public static JobView View(JobRecord j) => new(j.Key, j.JobId, j.Label, j.Status, j.Conclusion, j.Reason, j.Attempt, j.RunAttempt, j.Worker,
        [.. j.RunsOn], j.Environment, j.QueuedAt, j.StartedAt, j.FinishedAt);

    /// <summary>
    /// Writes the job's log as Server-Sent Events, one <c>line</c> event per line (its id the batch's place, so a client
    /// resumes with Last-Event-ID), a batch at a time from the store; with <paramref name="batched"/>, one <c>lines</c>
    /// event per stored batch (<see cref="LogBatchView"/>: a 200,000-line log is a few hundred events, not 200,000, and
    /// half the bytes). With <paramref name="follow"/>, waits for more until the job has ended, then sends <c>end</c>.
    /// </summary>
    private static async Task StreamLogAsync(HttpContext http, RunScheduler scheduler, JobRecord job, int? attempt, bool follow, bool batched, TimeProvider time, CancellationToken ct)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var after = long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var resume) ? resume : 0;
        var writer = http.Response.BodyWriter;
        while (!ct.IsCancellationRequested)
        {
            // Looked at before reading, so a line stored after the read and before the job ended is not missed.
            var ended = !follow || (await scheduler.Store.GetJobAsync(job.Id, ct))?.IsTerminal != false;
            await foreach (var chunk in scheduler.Store.ReadLogAsync(job.Id, attempt, after, ct))
            {
                var id = chunk.Id.ToString(CultureInfo.InvariantCulture);
                var lines = new List<LogBatchLine>();
                foreach (var text in chunk.Data.Split('\n'))
                {
                    if (StoredLogLine.Read(text) is not { } l)
                    {
                        continue;
                    }

                    var kind = l.Kind ?? "";
                    if (batched)
                    {
                        lines.Add(new LogBatchLine(l.Step, l.Text, kind));
                    }
                    else
                    {
                        // A line written without its time (none today) is dated by its batch.
                        var view = new LogLineView(chunk.Attempt, l.Step, l.Text, kind, l.At == default ? chunk.At : l.At);
                        await http.Response.WriteAsync($"id: {id}\nevent: line\ndata: {JsonSerializer.Serialize(view, ApiJson.Default.LogLineView)}\n\n", ct);
                    }
                }

                if (lines.Count > 0)
                {
                    await http.Response.WriteAsync($"id: {id}\nevent: lines\ndata: {JsonSerializer.Serialize(new LogBatchView(chunk.Attempt, lines), ApiJson.Default.LogBatchView)}\n\n", ct);
                }

                after = chunk.Id;
            }

            await writer.FlushAsync(ct);
            if (ended)
            {
                break;
            }

            await scheduler.Changed.WaitAsync(FollowPoll, time, ct);
        }

        await http.Response.WriteAsync("event: end\ndata: {}\n\n", ct);
    }

    /// <summary>The caller as an environment's approval rule sees them: their name and role.</summary>
    private static Approver AsApprover(Caller caller) => new(caller.Name, [caller.Role.ToString().ToLowerInvariant()]);

    /// <summary>The answer to an action, recorded in the audit log when it took effect.</summary>
    private static async Task<IResult> AuditedAsync(HttpContext http, string action, long id, string detail, RunActionResult result)
    {
        if (result.Refusal is null)
        {
            await http.AuditAsync(action, $"run {id}", detail);
        }

        return Act(result);
    }

    private static IResult Act(RunActionResult result) => result.Refusal switch
    {
        null => TypedResults.Json(View(result.Run!), ApiJson.Default.RunView),
        { Kind: RunRefusalKind.NotFound } r => Problem(StatusCodes.Status404NotFound, r.Message, "id"),
        { Kind: RunRefusalKind.Forbidden } r => Problem(StatusCodes.Status403Forbidden, r.Message, "approver"),
        var r => Problem(StatusCodes.Status409Conflict, r.Message, "id"),
    };

    private static IResult NotFound(long id) => Problem(StatusCodes.Status404NotFound, $"no run {id}", "id");

    private static IResult Bad(string detail, string field) => Problem(StatusCodes.Status400BadRequest, detail, field);

    private static IResult Problem(int status, string detail, string field) => ApiResults.Problem(new Contracts.Problems.ProblemKind(status, status switch
    {
        StatusCodes.Status400BadRequest => "invalid request",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not found",
        StatusCodes.Status413PayloadTooLarge => "payload too large",
        _ => "conflict",
    }), detail, field);

    /// <summary>A query flag: absent (false), true/1 or false/0; anything else is refused.</summary>
    private static bool TryFlag(string? text, out bool value)
    {
        value = text is "true" or "1";
        return text is null or "true" or "false" or "1" or "0";
    }

    private static bool TryNumber(string? text, out long? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            value = v;
            return true;
        }

        return false;
    }

    /// <summary>The largest JSON body these endpoints (and the secrets API) read.</summary>
    internal const int MaxBody = 64 * 1024;

    /// <summary>A small JSON body (at most 64 KiB), or the 400 saying what is wrong with it; an empty body is null.</summary>
    internal static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext http, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        if (http.Request.ContentLength > MaxBody)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {MaxBody} bytes", "body"));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > MaxBody)
            {
                return (null, Problem(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {MaxBody} bytes", "body"));
            }

            buffer.Write(chunk, 0, n);
        }

        if (buffer.Length == 0)
        {
            return (null, null);
        }

        try
        {
            return (JsonSerializer.Deserialize(buffer.ToArray(), type), null);
        }
        catch (JsonException e)
        {
            return (null, Bad($"the body is not valid JSON for this call: {e.Message}", e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "body"));
        }
    }
}
