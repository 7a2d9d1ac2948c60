namespace Catalytic.Cli.Commands;

/// <summary>`catalytic logs --run ID [--job J] [-f]`: a run's job logs from the server, followed (-f) until the run ends.</summary>
internal static class RunLogs
{
    public static Task<int> PrintAsync(CliArgs args, long id, CancellationToken ct) =>
        RunCommandSupport.WithClientAsync(args, "logs", async client =>
        {
            if (args.Has("follow") && args.Get("job") is null)
            {
                return await DispatchCommand.WaitAsync(client, id, args.Time, ct);
            }

            var detail = await client.RunAsync(id, ct);
            var jobs = detail.Jobs.Where(j => args.Get("job") is not { } only || j.Key == only || j.JobId == only).ToList();
            if (jobs.Count == 0)
            {
                Console.Error.WriteLine($"catalytic logs: run {id} has no job '{args.Get("job")}'");
                return ExitCodes.Invalid;
            }

            foreach (var job in jobs)
            {
                await foreach (var line in client.LogAsync(id, job.Key, args.Has("follow"), ct))
                {
                    Console.Out.WriteLine(jobs.Count > 1 ? $"[{job.Label}] {line.Text}" : line.Text);
                }
            }

            return ExitCodes.Success;
        });
}
