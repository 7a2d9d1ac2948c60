using System.Text.Json;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Runs;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic dispatch WORKFLOW [--repo R] [--ref REF] [--input K=V]… [--wait]`: a workflow_dispatch run; with --wait, its exit code is the run's (as `run`).</summary>
internal sealed class DispatchCommand : ICommand
{
    public CommandSpec Spec { get; } = new("dispatch", "dispatch WORKFLOW [--repo R] [--ref REF] [--input K=V]... [--wait]",
        "Start a workflow_dispatch run of WORKFLOW (a file in .github/workflows or a path) on the server; --wait follows it to its end.",
        [
            new("repo", null, "Repository on the server (default: the only one)", "R"),
            new("ref", null, "Branch or tag (default: the default branch)", "REF"),
            new("input", "i", "An input of the workflow, K=V (repeatable)", "K=V"),
            new("wait", "w", "Wait for the run to end; exit 0 when it succeeded, 1 when not"),
            DeliveryCommandSupport.State,
        ],
        MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var workflow = args.Positional(0) ?? throw new UsageException("WORKFLOW is required (usage: catalytic dispatch WORKFLOW)");
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in args.GetAll("input"))
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--input takes K=V; got '{kv}'");
            }

            inputs[kv[..eq]] = kv[(eq + 1)..];
        }

        return RunCommandSupport.WithClientAsync(args, "dispatch", async client =>
        {
            var repo = args.Get("repo") ?? Path.GetFileName(Path.GetFullPath("."));
            var answer = await client.DispatchAsync(repo, new DispatchBody(workflow, args.Get("ref"), inputs), cancellationToken);
            foreach (var id in answer.RunIds)
            {
                Console.Out.WriteLine($"run {id} queued (catalytic runs show {id}; catalytic logs --run {id} -f)");
            }

            if (!args.Has("wait") || answer.RunIds.Count == 0)
            {
                return ExitCodes.Success;
            }

            return await WaitAsync(client, answer.RunIds[0], args.Time, cancellationToken);
        });
    }

    /// <summary>Follows every job's log until the run ends; the run's exit code.</summary>
    internal static async Task<int> WaitAsync(RunClient client, long id, TimeProvider time, CancellationToken ct)
    {
        var followed = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var detail = await client.RunAsync(id, ct);
            foreach (var job in detail.Jobs.Where(j => j.Status is "in_progress" or "completed" && followed.Add(j.Key)))
            {
                await foreach (var line in client.LogAsync(id, job.Key, follow: true, ct))
                {
                    Console.Out.WriteLine($"[{job.Label}] {line.Text}");
                }
            }

            if (detail.Run.ExitCode is { } code && detail.Jobs.All(j => followed.Contains(j.Key)))
            {
                Console.Out.WriteLine($"run {id} {detail.Run.Conclusion}" + (detail.Run.Reason is { } r && detail.Run.Conclusion != "success" ? $": {r}" : ""));
                return code;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct);
        }
    }
}

/// <summary>`catalytic cancel ID`: cancels a run (jobs not started end, running ones are stopped as Ctrl-C would).</summary>
internal sealed class CancelCommand : ICommand
{
    public CommandSpec Spec { get; } = new("cancel", "cancel ID", "Cancel a pipeline run of the server.", [DeliveryCommandSupport.State], MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) =>
        RunCommandSupport.WithClientAsync(args, "cancel", async client =>
        {
            var run = await client.CancelAsync(RunCommandSupport.RunId(args.Positional(0), "cancel"), cancellationToken);
            Console.Out.WriteLine($"run {run.Id} {run.Conclusion ?? run.Status}: {run.Reason}");
            return ExitCodes.Success;
        });
}

/// <summary>`catalytic rerun ID [--failed]`: a new attempt of a run, or of only its failed and cancelled jobs and their dependents.</summary>
internal sealed class RerunCommand : ICommand
{
    public CommandSpec Spec { get; } = new("rerun", "rerun ID [--failed] [--wait]",
        "Run a pipeline run again (a new attempt); --failed runs only its failed and cancelled jobs and what depends on them.",
        [new("failed", null, "Only the failed and cancelled jobs and their dependents"), new("wait", "w", "Wait for the run to end"), DeliveryCommandSupport.State],
        MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) =>
        RunCommandSupport.WithClientAsync(args, "rerun", async client =>
        {
            var run = await client.RerunAsync(RunCommandSupport.RunId(args.Positional(0), "rerun"), args.Has("failed"), cancellationToken);
            Console.Out.WriteLine($"run {run.Id} attempt {run.Attempt} {run.Status}");
            return args.Has("wait") ? await DispatchCommand.WaitAsync(client, run.Id, args.Time, cancellationToken) : ExitCodes.Success;
        });
}

/// <summary>`catalytic workers [--json]`: the workers the server has seen.</summary>
internal sealed class WorkersCommand : ICommand
{
    public CommandSpec Spec { get; } = new("workers", "workers [--json]", "List the workers the server has seen: labels, capacity, jobs running, lost or not.",
        [new("json", null, "Print JSON (the API's answer)"), DeliveryCommandSupport.State]);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) =>
        RunCommandSupport.WithClientAsync(args, "workers", async client =>
        {
            return ListOutput.Print(args, await client.WorkersAsync(cancellationToken), ApiJson.Default.IReadOnlyListWorkerView, w =>
                Console.Out.WriteLine($"{w.Name,-32} {(w.Lost ? "lost" : "ok"),-5} {w.Busy}/{w.Capacity} {(w.Embedded ? "embedded" : "remote"),-9} {string.Join(",", w.Labels)}  last seen {w.LastSeen.ToLocalTime():HH:mm:ss}"));
        });
}
