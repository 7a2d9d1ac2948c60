using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Triggers;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Hosting;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Pipelines.Runs;

/// <summary>
/// A run as its jobs are planned from: the request it came from, its workflow parsed again from the committed text,
/// the <c>github</c> context a hosted runner would give it, the typed <c>inputs</c>, and the secrets its workflow names.
/// Built once per run and attempt and kept (<see cref="RunContexts"/>): planning reads it, never the mirror.
/// </summary>
internal sealed partial class RunContext
{
    private RunContext(RunRecord run, RunRequest request, Workflow? workflow, ImmutableArray<string> errors, JsonObject github, JsonObject inputs, ImmutableArray<string> secretNames)
    {
        Run = run;
        Request = request;
        Workflow = workflow;
        Errors = errors;
        Github = github;
        Inputs = inputs;
        SecretNames = secretNames;
    }

    /// <summary>The run as it was when the context was made; planning uses <see cref="With"/> the run as it is now.</summary>
    public RunRecord Run { get; }

    /// <summary>This context for <paramref name="run"/> as it is now (a cancel, a concurrency group): the parsed parts are shared.</summary>
    public RunContext With(RunRecord run) => ReferenceEquals(run, Run) ? this : new RunContext(run, Request, Workflow, Errors, Github, Inputs, SecretNames);

    public RunRequest Request { get; }

    /// <summary>The workflow; null when its file is invalid (<see cref="Errors"/> say why).</summary>
    public Workflow? Workflow { get; }

    public ImmutableArray<string> Errors { get; }

    /// <summary>The <c>github</c> context with <c>event</c>, as job-level expressions see it.</summary>
    public JsonObject Github { get; }

    public JsonObject Inputs { get; }

    /// <summary>The secrets the workflow's text names (<c>secrets.NAME</c>, <c>secrets['NAME']</c>), and GITHUB_TOKEN.</summary>
    public ImmutableArray<string> SecretNames { get; }

    public static RunContext Create(RunRecord run, RunRequestData data, Uri serverUrl)
    {
        var payload = JsonNode.Parse(data.Payload) as JsonObject ?? [];
        var request = new RunRequest
        {
            Repository = run.Repository,
            WorkflowPath = run.WorkflowPath,
            WorkflowText = data.WorkflowText,
            EventName = run.Event,
            Payload = payload,
            Ref = run.Ref,
            Sha = run.Sha,
            Actor = run.Actor,
            Source = run.Source,
            Inputs = data.Inputs.ToImmutableDictionary(StringComparer.Ordinal),
            WorkflowErrors = data.Errors,
            DeduplicationKey = run.DeduplicationKey,
            Schedule = run.Schedule,
            ScheduledFor = run.ScheduledFor,
        };
        var errors = data.Errors;
        Workflow? workflow = null;
        if (errors.IsEmpty)
        {
            var parsed = WorkflowParser.Parse(run.WorkflowPath, data.WorkflowText);
            workflow = parsed.Workflow;
            errors = workflow is null ? [.. parsed.Errors.Select(d => d.ToString())] : [];
        }

        var github = GithubContextFields.Build(request, new Events.RunIdentity(run.Id, run.RunNumber, run.Attempt, serverUrl));
        var inputs = new JsonObject();
        if (workflow is not null && run.Event == "workflow_dispatch")
        {
            inputs = WorkflowRunner.ResolveInputs(workflow, data.Inputs).Inputs;
        }

        var names = SecretReference().Matches(data.WorkflowText)
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            .Append("GITHUB_TOKEN")
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToImmutableArray();
        return new RunContext(run, request, workflow, errors, github, inputs, names);
    }

    /// <summary>
    /// The spec a worker runs a leg from. Secrets are by name only (each name as itself); the values go with the
    /// assignment, to the worker that holds the lease and nobody else.
    /// </summary>
    public JobSpec Spec(Job job, string label, JsonObject? matrix, JsonObject strategy, JsonObject needs, string logName)
    {
        var github = (JsonObject)Github.DeepClone();
        github.Remove("event");
        var run = Run;
        return new JobSpec
        {
            Workflow = new WorkflowSource(run.WorkflowPath, Request.WorkflowText, run.Sha),
            JobId = job.Id,
            Label = label,
            ReportId = job.Id,
            Matrix = (JsonObject?)matrix?.DeepClone(),
            Strategy = (JsonObject)strategy.DeepClone(),
            Needs = (JsonObject)needs.DeepClone(),
            EventName = run.Event,
            EventPayload = (JsonObject)Request.Payload.DeepClone(),
            Inputs = (JsonObject)Inputs.DeepClone(),
            Vars = [],
            Env = [],
            Secrets = SecretNames.ToDictionary(n => n, n => n, StringComparer.Ordinal),
            Run = new Runner.Hosting.RunIdentity(
                run.Id.ToString(CultureInfo.InvariantCulture),
                run.RunNumber,
                run.Attempt,
                JobPlanningText(Github["repository"]),
                run.Sha,
                run.Ref,
                run.Actor,
                JobPlanningText(Github["server_url"])),
            Github = github,
            LogPath = logName,
            Settings = new JobSettings(JobContainerMode.Podman, 7.5, 10, new Dictionary<string, string>()),
        };
    }

    /// <summary>A spec as stored.</summary>
    public static string Serialize(JobSpec spec) => JsonSerializer.Serialize(spec, JobSpecJsonContext.Default.JobSpec);

    /// <summary>A stored spec.</summary>
    public static JobSpec Deserialize(string json) => JsonSerializer.Deserialize(json, JobSpecJsonContext.Default.JobSpec)!;

    private static string JobPlanningText(JsonNode? node) => Runner.Scheduling.JobPlanning.Stringify(node);

    [GeneratedRegex(@"secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*\])", RegexOptions.CultureInvariant)]
    private static partial Regex SecretReference();
}

/// <summary>The run contexts in use, kept while their runs are active (a bounded cache: a miss rebuilds one from the store).</summary>
internal sealed class RunContexts(IRunStore store, Func<Uri> serverUrl)
{
    private const int Capacity = 512;
    private readonly Lock _gate = new();
    private readonly Dictionary<(long, int), RunContext> _contexts = [];
    private readonly Queue<(long, int)> _order = new();

    /// <summary>Keeps a context just made (its run's request may not be committed yet, so it could not be read back).</summary>
    public void Put(RunContext context)
    {
        lock (_gate)
        {
            if (_contexts.TryAdd((context.Run.Id, context.Run.Attempt), context))
            {
                _order.Enqueue((context.Run.Id, context.Run.Attempt));
                while (_order.Count > Capacity)
                {
                    _contexts.Remove(_order.Dequeue());
                }
            }
        }
    }

    public async Task<RunContext?> GetAsync(RunRecord run, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_contexts.TryGetValue((run.Id, run.Attempt), out var known))
            {
                return known.With(run);
            }
        }

        if (await store.GetRequestAsync(run.Id, ct) is not { } data)
        {
            return null;
        }

        var context = RunContext.Create(run, data, serverUrl());
        Put(context);
        return context;
    }
}
