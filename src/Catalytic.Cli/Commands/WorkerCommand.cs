using System.Text.Json;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Pipelines.Queue;
using Catalytic.Pipelines.Workers;
using Catalytic.Pipelines.Workers.Client;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Hosting;
using Microsoft.Extensions.Logging;

namespace Catalytic.Cli.Commands;

/// <summary>
/// `catalytic worker --server URL --token TOKEN [--labels a,b] [--capacity N] [--name NAME] [--once]`: runs the jobs a
/// `catalytic serve` hands out, on this machine (docs/server.md, "Workers"), and probes the server's `from: [workers]`
/// checks (docs/status.md). Without --server it works for the server
/// of the state folder (server.json and its token). The token may come from CATALYTIC_WORKER_TOKEN instead of the
/// command line, where other users of the machine could read it. Exit codes: 0 stopped (or, with --once, the job
/// succeeded), 1 the job failed, 2 bad usage or a token the server refuses, 130 the job was cancelled.
/// </summary>
internal sealed class WorkerCommand : ICommand
{
    /// <summary>The variable a token may come from.</summary>
    public const string TokenVariable = "CATALYTIC_WORKER_TOKEN";

    public CommandSpec Spec { get; } = new(
        "worker",
        "worker [--server URL] [--token TOKEN] [--labels a,b] [--capacity N] [--name NAME] [--once] [--work-dir DIR] | worker token create [--name N] | worker token revoke ID",
        "Run the jobs a catalytic server hands out, on this machine; `worker token create --name N` prints a worker token for worker N (it can take jobs and report them as N, nothing else; without --name, as any worker), `worker token revoke ID` ends one.",
        [
            new OptionSpec("server", null, "The server's URL, as `serve` prints it (default: the server of --state)", "URL"),
            new OptionSpec("token", null, $"A worker token (default: ${TokenVariable}, else the server's own token from --state)", "TOKEN"),
            new OptionSpec("labels", null, "Labels besides self-hosted, linux, the architecture and ubuntu-*; !label takes only jobs that ask for it", "a,b"),
            new OptionSpec("capacity", null, "Jobs run at once (default 1)", "N"),
            new OptionSpec("name", null, "The worker's name on the server (default: the machine's name)", "NAME"),
            new OptionSpec("once", null, "Run one job, report it and exit with its result"),
            new OptionSpec("work-dir", null, "Where checkouts and job state are kept (default: .catalytic/worker)", "DIR"),
            DeliveryCommandSupport.State,
        ],
        MaxPositionals: 3);

    public async Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        if (args.Positional(0) is { } sub)
        {
            return sub == "token" ? await TokenAsync(args, cancellationToken) : throw new UsageException($"unknown worker action '{sub}' (worker token create|revoke)");
        }

        var state = Path.GetFullPath(DeliveryCommandSupport.StateDirectory(args));
        var (server, token) = await ServerAndTokenAsync(args, state, cancellationToken);
        var capacity = 1;
        if (args.Get("capacity") is { } c && (!int.TryParse(c, out capacity) || capacity is < 1 or > 256))
        {
            throw new UsageException("--capacity is the number of jobs run at once: 1 to 256");
        }

        var labels = RunsOnLabels.Embedded().ToList();
        foreach (var label in (args.Get("labels") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (WorkerLabels.Check(label) is { } why)
            {
                throw new UsageException($"--labels: '{label}': {why}");
            }

            labels.Add(label);
        }

        var name = args.Get("name") ?? Environment.MachineName;
        if (name.Length is 0 or > 64 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-'))
        {
            throw new UsageException("--name is 1 to 64 letters, digits, '.', '_' or '-'");
        }

        var time = args.Time;
        var logger = new StderrLogger(Console.Error, LogLevel.Information);
        var podman = Environment.GetEnvironmentVariable("CATALYTIC_PODMAN") is { Length: > 0 } configuredPodman ? configuredPodman : null;
        using var connection = new WorkerConnection(server, token, name, time);
        var worker = new RemoteWorker(connection, new RemoteWorkerOptions
        {
            Name = name,
            Labels = labels,
            Capacity = capacity,
            Once = args.Has("once"),
            WorkDirectory = Path.GetFullPath(args.Get("work-dir") ?? Path.Combine(state, "worker")),
            Job = new JobWorkerOptions
            {
                Actions = [.. Catalytic.Runner.Actions.BuiltIn.BuiltinActions.CreateDefault(), new Actions.DeployAction()],
                Services = new HostJobServices(new Catalytic.Runner.Services.JobServiceOptions { Podman = podman, Time = time, Log = logger }),
                Podman = podman,
                Time = time,
                Logger = logger,
            },
            // A job deploys through the server it came from, with its own credential (docs/server.md, "Deploying from a job").
            ForJob = (job, serverUrl, o) => job.JobToken is { } jobToken
                ? o with { Actions = [.. o.Actions.Where(a => a is not Actions.DeployAction), new Actions.DeployAction(serverUrl, jobToken)] }
                : o,
            Expressions = new WorkflowExpressionEngine(),
            Time = time,
            Logger = logger,
        });
        // The server's `from: [workers]` checks are probed from here too (not with --once: one job, then exit).
        await using var checks = new Catalytic.Status.Checks.Remote.WorkerCheckRunner(server, token, name, time, logger);
        using var stopChecks = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var checking = args.Has("once") ? Task.CompletedTask : checks.RunAsync(stopChecks.Token);
        try
        {
            var outcome = await worker.RunAsync(cancellationToken);
            return outcome?.Result switch
            {
                null or "success" => ExitCodes.Success,
                "cancelled" => ExitCodes.Cancelled,
                _ => ExitCodes.Failure,
            };
        }
        catch (WorkerRefusedException e)
        {
            await Console.Error.WriteLineAsync($"catalytic worker: {e.Message}");
            return ExitCodes.Invalid;
        }
        finally
        {
            await stopChecks.CancelAsync();
            await checking;
        }
    }

    /// <summary>`worker token create|revoke`: the token verbs of the server (`catalytic token`) for the worker role.</summary>
    private static Task<int> TokenAsync(CliArgs args, CancellationToken ct) => args.Positional(1) switch
    {
        "create" => DeliveryCommandSupport.WithClientAsync(args, "worker token", async client =>
        {
            var created = await client.CreateTokenAsync(new Catalytic.Contracts.Access.CreateTokenBody(null, args.Get("name"), "worker", null), ct);
            Console.Error.WriteLine($"worker token {created.Token.Id} '{created.Token.Name}' (revoke with: catalytic worker token revoke {created.Token.Id}); shown this once:");
            Console.Out.WriteLine(created.Secret);
            return ExitCodes.Success;
        }),
        "revoke" => DeliveryCommandSupport.WithClientAsync(args, "worker token", async client =>
        {
            var id = args.Positional(2) ?? throw new UsageException("ID is required (catalytic worker token revoke ID; see catalytic token list)");
            var t = await client.RevokeTokenAsync(id, ct);
            Console.Error.WriteLine($"revoked worker token {t.Id} '{t.Name}'");
            return ExitCodes.Success;
        }),
        _ => throw new UsageException("worker token create [--name N] | worker token revoke ID"),
    };

    private static async Task<(Uri Server, string Token)> ServerAndTokenAsync(CliArgs args, string state, CancellationToken ct)
    {
        var token = args.Get("token") ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (args.Get("server") is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"--server '{url}' is not an http(s) URL");
            }

            return (server, token is { Length: > 0 } ? token : throw new UsageException($"--token TOKEN (or ${TokenVariable}) is required with --server"));
        }

        try
        {
            var info = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(state, ServerFiles.Info), ct), ApiJson.Default.ServerInfo)!;
            token ??= (await File.ReadAllTextAsync(Path.Combine(state, ServerFiles.Token), ct)).Trim();
            return (new Uri(info.Url), token);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new UsageException($"no --server given and no server runs for {state} ({e.Message})");
        }
    }
}
