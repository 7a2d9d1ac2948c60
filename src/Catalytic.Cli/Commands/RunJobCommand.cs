using System.Text.Json;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Hosting;

namespace Catalytic.Cli.Commands;

/// <summary>
/// `catalytic __run-job [--workspace DIR] [--state DIR] SPEC|-` (hidden: started by a planner, never by a person):
/// runs one job from its <see cref="JobSpec"/> (a file, or stdin for <c>-</c>) with the same runner as `catalytic run`,
/// writing one JSON message per line to stdout as it goes — each log line with its step and time, each step's
/// report — and the job's result last. The secrets the spec names come from CATALYTIC_JOB_SECRETS (JSON) only.
/// Exit codes: 0 the job succeeded, 1 it failed, 2 an unreadable spec, 130 cancelled.
/// </summary>
internal sealed class RunJobCommand : ICommand
{
    public const string Verb = "__run-job";

    public CommandSpec Spec { get; } = new(
        Verb,
        Verb + " [options] SPEC|-",
        "Run one planned job from its spec (a worker's verb).",
        [
            new OptionSpec("workspace", null, "The working tree the job runs in (default: the current folder)", "DIR"),
            new OptionSpec("state", null, "The state folder (default: WORKSPACE/.catalytic)", "DIR"),
        ],
        MaxPositionals: 1);

    public async Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var source = args.Positional(0) ?? throw new UsageException($"{Verb} needs the job's spec: a file, or - for stdin");
        var text = source == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(source, cancellationToken);
        JobSpec spec;
        try
        {
            spec = JsonSerializer.Deserialize(text, JobSpecJsonContext.Default.JobSpec) ?? throw new UsageException("the job spec is empty");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{source}: not a job spec: {e.Message}");
        }

        if (spec.Version != 1)
        {
            throw new UsageException($"{source}: job spec version {spec.Version} is not known here (this worker reads version 1)");
        }

        var secrets = Environment.GetEnvironmentVariable("CATALYTIC_JOB_SECRETS") is { Length: > 0 } json
            ? JsonSerializer.Deserialize(json, JobSpecJsonContext.Default.DictionaryStringString) ?? []
            : [];
        var workspace = Path.GetFullPath(args.Get("workspace") ?? Directory.GetCurrentDirectory());
        var state = Path.GetFullPath(args.Get("state") ?? Path.Combine(workspace, ".catalytic"));
        var runDirectory = Path.Combine(state, "runs", spec.Run.RunNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var time = args.Time;
        var podman = Environment.GetEnvironmentVariable("CATALYTIC_PODMAN") is { Length: > 0 } configuredPodman ? configuredPodman : null;
        var logger = new StderrLogger(Console.Error);
        var host = new StreamJobHost(Console.Out, workspace, runDirectory, state, secrets, time, logger);
        var options = new JobWorkerOptions
        {
            StateDirectory = state,
            Actions = [.. Catalytic.Runner.Actions.BuiltIn.BuiltinActions.CreateDefault(), new Actions.DeployAction()],
            Services = new HostJobServices(new Catalytic.Runner.Services.JobServiceOptions { Podman = podman, Time = time, Log = logger }),
            Podman = podman,
            Time = time,
            Logger = logger,
        };
        var outcome = await JobWorker.RunAsync(spec, host, options, new WorkflowExpressionEngine(), cancellationToken);
        host.Finished(outcome);
        return outcome.Result switch
        {
            "success" => ExitCodes.Success,
            "cancelled" when cancellationToken.IsCancellationRequested => ExitCodes.Cancelled,
            _ => ExitCodes.Failure,
        };
    }
}
