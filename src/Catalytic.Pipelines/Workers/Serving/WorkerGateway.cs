using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Workers.Files;
using Catalytic.Pipelines.Workers.Protocol;
using Catalytic.Runner.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Pipelines.Workers.Serving;

/// <summary>
/// The server's side of the worker protocol, as functions of (request body, credential) so the HTTP endpoints stay
/// thin: every body is read here with a limit, checked field by field (a refusal names the field and changes nothing),
/// every lease is opened with the caller's credential (<see cref="LeaseSeals"/>), and the dispatcher and the run's
/// file stores do the rest. The answers carry secrets (an assignment's) and outputs (a completion's): nothing here
/// logs them.
/// </summary>
public sealed partial class WorkerGateway
{
    /// <summary>The largest acquire body.</summary>
    public const int MaxAcquireBytes = 64 * 1024;

    /// <summary>The largest report or completion body.</summary>
    public const int MaxReportBytes = 16 * 1024 * 1024;

    /// <summary>The most messages in one report.</summary>
    public const int MaxMessagesPerReport = 10_000;

    /// <summary>The most jobs one worker runs at once.</summary>
    public const int MaxCapacity = 256;

    /// <summary>The longest a worker's request is held for a job.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    /// <summary>How long a request is held when the worker does not say.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    private static readonly HashSet<string> Results = new(StringComparer.Ordinal) { "success", "failure", "cancelled", "skipped" };

    private readonly IJobDispatcher _dispatcher;
    private readonly RunFileStores _files;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public WorkerGateway(IJobDispatcher dispatcher, RunFileStores files, TimeProvider time, ILogger? log = null)
    {
        _dispatcher = dispatcher;
        _files = files;
        _time = time;
        _log = log ?? NullLogger.Instance;
    }

    /// <summary>The file stores behind the artifact and cache routes.</summary>
    public RunFileStores Files => _files;

    /// <summary>
    /// A job for the worker that sent <paramref name="body"/> (value null: none came within its wait: 204).
    /// <paramref name="tokenFor"/> is the one worker name the credential may act as (null: any).
    /// </summary>
    public async Task<WorkerResult<WorkerAssignmentView?>> AcquireAsync(ReadOnlyMemory<byte> body, string credential, string? tokenFor, CancellationToken ct)
    {
        if (Parse(body, MaxAcquireBytes, WorkerJson.Default.WorkerAcquireBody, out var request) is { } bad)
        {
            return Refuse("acquire", bad);
        }

        if (Check(request!, credential, out var worker, out var wait) is { } invalid)
        {
            return Refuse("acquire", invalid);
        }

        if (tokenFor is not null && !string.Equals(tokenFor, worker!.Name, StringComparison.Ordinal))
        {
            return Refuse("acquire", WorkerProblem.NotThisWorker(tokenFor, worker.Name));
        }

        var assignment = await _dispatcher.AcquireAsync(worker!, wait, ct);
        if (assignment is null)
        {
            return new WorkerResult<WorkerAssignmentView?>(null, null);
        }

        WorkerLog.Took(_log, worker!.Name, assignment.JobKey, assignment.RunId, assignment.Attempt);
        var lease = LeaseSeals.Seal(new LeaseRef(assignment.LeaseId, assignment.RunId, assignment.Repository), credential);
        return WorkerWire.ToView(assignment, lease);
    }

    /// <summary>Extends the lease.</summary>
    public async Task<WorkerResult<LeaseAnswer>> RenewAsync(string lease, string credential, CancellationToken ct)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("renew", WorkerProblem.UnknownLease);
        }

        return WorkerWire.Answer(await _dispatcher.RenewAsync(opened.LeaseId, ct));
    }

    /// <summary>Stores a batch of the job's messages (a retried batch is skipped by its sequence numbers).</summary>
    public async Task<WorkerResult<LeaseAnswer>> ReportAsync(string lease, string credential, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("report", WorkerProblem.UnknownLease);
        }

        if (Parse(body, MaxReportBytes, WorkerJson.Default.WorkerReportBody, out var report) is { } bad)
        {
            return Refuse("report", bad);
        }

        if (report!.Sequence < 0)
        {
            return Refuse("report", WorkerProblem.Invalid("sequence", "sequence is the number of the batch's first message: 0 or more"));
        }

        if (report.Messages is null || report.Messages.Count > MaxMessagesPerReport)
        {
            return Refuse("report", WorkerProblem.Invalid("messages", $"messages is a list of at most {MaxMessagesPerReport} messages"));
        }

        var messages = new List<WorkerMessage>(report.Messages.Count);
        for (var i = 0; i < report.Messages.Count; i++)
        {
            if (Message(report.Messages[i], out var message) is { } why)
            {
                return Refuse("report", WorkerProblem.Invalid($"messages[{i}]", why));
            }

            messages.Add(message!);
        }

        return WorkerWire.Answer(await _dispatcher.ReportAsync(opened.LeaseId, report.Sequence, messages, ct));
    }

    /// <summary>Records the job's outcome and releases the lease (a second completion does nothing).</summary>
    public async Task<WorkerResult<LeaseAnswer>> CompleteAsync(string lease, string credential, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        if (LeaseSeals.Open(lease, credential) is not { } opened)
        {
            return Refuse("complete", WorkerProblem.UnknownLease);
        }

        if (Parse(body, MaxReportBytes, WorkerJson.Default.WorkerCompleteBody, out var complete) is { } bad)
        {
            return Refuse("complete", bad);
        }

        if (Outcome(complete!.Outcome, out var outcome) is { } why)
        {
            return Refuse("complete", WorkerProblem.Invalid("outcome", why));
        }

        await _dispatcher.CompleteAsync(opened.LeaseId, outcome!, ct);
        return new LeaseAnswer(LeaseVerdicts.Continue);
    }

    private static WorkerProblem? Check(WorkerAcquireBody request, string credential, out WorkerInfo? worker, out TimeSpan wait)
    {
        worker = null;
        wait = DefaultWait;
        if (request.Name is not { Length: >= 1 and <= 64 } name || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            return WorkerProblem.Invalid("name", "a worker's name is 1 to 64 letters, digits, '.', '_' or '-'");
        }

        if (request.Labels is null || request.Labels.Count > WorkerLabels.MaxCount)
        {
            return WorkerProblem.Invalid("labels", $"labels is a list of at most {WorkerLabels.MaxCount} labels");
        }

        for (var i = 0; i < request.Labels.Count; i++)
        {
            if (WorkerLabels.Check(request.Labels[i]) is { } why)
            {
                return WorkerProblem.Invalid($"labels[{i}]", why);
            }
        }

        if (request.Capacity is < 1 or > MaxCapacity)
        {
            return WorkerProblem.Invalid("capacity", $"capacity is the number of jobs run at once: 1 to {MaxCapacity}");
        }

        var running = new List<string>();
        var given = request.Running ?? [];
        if (given.Count > MaxCapacity)
        {
            return WorkerProblem.Invalid("running", $"running lists at most {MaxCapacity} leases");
        }

        for (var i = 0; i < given.Count; i++)
        {
            if (LeaseSeals.Open(given[i], credential) is not { } lease)
            {
                return WorkerProblem.Invalid($"running[{i}]", "not a lease of this credential");
            }

            running.Add(lease.LeaseId);
        }

        if (request.WaitSeconds is { } seconds)
        {
            if (seconds < 0 || seconds > MaxWait.TotalSeconds)
            {
                return WorkerProblem.Invalid("waitSeconds", $"waitSeconds is 0 to {MaxWait.TotalSeconds:0}");
            }

            wait = TimeSpan.FromSeconds(seconds);
        }

        worker = new WorkerInfo(name, [.. request.Labels], request.Capacity) { Running = running };
        return null;
    }

    /// <summary>Null when <paramref name="element"/> reads as a <typeparamref name="T"/> (or JSON null); otherwise "not a <paramref name="what"/>: why".</summary>
    private static string? Deserialize<T>(JsonElement element, JsonTypeInfo<T> type, string what, out T? value)
        where T : class
    {
        value = null;
        try
        {
            value = element.Deserialize(type);
            return null;
        }
        catch (JsonException e)
        {
            return $"not a {what}: " + e.Message;
        }
    }

    /// <summary>Null when <paramref name="element"/> is one of the runner's messages; otherwise what is wrong with it.</summary>
    private static string? Message(JsonElement element, out WorkerMessage? message)
    {
        if (Deserialize(element, JobSpecJsonContext.Default.WorkerMessage, "worker message", out message) is { } error)
        {
            return error;
        }

        if (message is null)
        {
            return "a message is an object with one of line, jobStarted, stepStarted, step, job";
        }

        var set = (message.Line is null ? 0 : 1) + (message.JobStarted is null ? 0 : 1) + (message.StepStarted is null ? 0 : 1) + (message.Step is null ? 0 : 1) + (message.Job is null ? 0 : 1);
        if (set != 1)
        {
            return "a message has exactly one of line, jobStarted, stepStarted, step, job";
        }

        if (message.Job is not null)
        {
            return "the job's end is sent with complete, not in a report";
        }

        if (message.Line is { } line && (line.Text is null || line.Job is null || line.Step is null))
        {
            return "a line has job, step and text";
        }

        // The kind is a string in the stored line's shape (Contracts): only the runner's kinds, by name, are stored and shown.
        if (message.Line is { } kinded && !Enum.GetNames<Catalytic.Runner.Logging.LineKind>().Contains(kinded.Kind, StringComparer.Ordinal))
        {
            return "a line's kind is one of " + string.Join(", ", Enum.GetNames<Catalytic.Runner.Logging.LineKind>());
        }

        return message.Step is { Name: null } ? "a step report has a name" : null;
    }

    private static string? Outcome(JsonElement element, out JobOutcome? outcome)
    {
        if (Deserialize(element, JobSpecJsonContext.Default.JobOutcome, "job outcome", out outcome) is { } error)
        {
            return error;
        }

        if (outcome is null || outcome.Report is null)
        {
            return "an outcome has result, outcome, outputs and report";
        }

        if (!Results.Contains(outcome.Result ?? "") || !Results.Contains(outcome.Outcome ?? ""))
        {
            return $"result and outcome are each one of {string.Join(", ", Results.Order(StringComparer.Ordinal))}";
        }

        if (outcome.Outputs is null)
        {
            outcome = outcome with { Outputs = [] };
        }

        return null;
    }

    /// <summary>Reads <paramref name="body"/> as <typeparamref name="T"/>; a problem naming where it is malformed, too large or empty.</summary>
    internal static WorkerProblem? Parse<T>(ReadOnlyMemory<byte> body, int limit, JsonTypeInfo<T> type, out T? value)
        where T : class
    {
        value = null;
        if (body.Length > limit)
        {
            return WorkerProblem.TooLarge("body", $"the body is {body.Length} bytes; the limit is {limit}");
        }

        try
        {
            value = JsonSerializer.Deserialize(body.Span, type);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
            return WorkerProblem.Invalid(field, $"malformed JSON at {e.Path ?? "$"} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }

        return value is null ? WorkerProblem.Invalid("body", "the body is a JSON object") : null;
    }

    private WorkerProblem Refuse(string route, WorkerProblem problem)
    {
        WorkerLog.Refused(_log, route, problem.Status, problem.Field, problem.Detail);
        return problem;
    }
}
