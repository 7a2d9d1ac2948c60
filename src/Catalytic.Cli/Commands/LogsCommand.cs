namespace Catalytic.Cli.Commands;

/// <summary>`catalytic logs APP --env ENV [-f]`: output of the environment's instances.</summary>
internal sealed class LogsCommand : ICommand
{
    public CommandSpec Spec { get; } = new("logs", "logs APP --env ENV [-f] | logs --run ID [--job J] [-f]",
        "Print the output of the environment's instances, or the log of a pipeline run's jobs (--run); -f keeps following.",
        [DeliveryCommandSupport.Env, new("follow", "f", "Keep streaming new lines"), new("tail", "n", "Lines per instance to start with (default 100)", "N"),
            new("run", null, "A pipeline run's log (every job's, or --job's)", "ID"), new("job", null, "With --run: only this job (its key or id)", "J"), DeliveryCommandSupport.State],
        MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        if (args.Get("run") is { } run)
        {
            return RunLogs.PrintAsync(args, RunCommandSupport.RunId(run, "logs --run"), cancellationToken);
        }

        var app = DeliveryCommandSupport.RequireApp(args, "logs");
        var env = DeliveryCommandSupport.RequireEnv(args, "logs");
        var tail = int.TryParse(args.Get("tail") ?? "100", out var n) && n >= 0 ? n : throw new UsageException("--tail must be a whole number");
        return DeliveryCommandSupport.WithClientAsync(args, "logs", async client =>
        {
            await foreach (var line in client.LogsAsync(app, env, args.Has("follow"), tail, cancellationToken))
            {
                Console.Out.WriteLine(line);
            }

            return ExitCodes.Success;
        });
    }
}
