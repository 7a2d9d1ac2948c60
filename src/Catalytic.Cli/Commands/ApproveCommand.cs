namespace Catalytic.Cli.Commands;

/// <summary>`catalytic approve APP --env ENV [--id ID]`: lets a waiting deployment go on, then waits like deploy.</summary>
internal sealed class ApproveCommand : ICommand
{
    public CommandSpec Spec { get; } = new("approve", "approve APP --env ENV [--id ID] | approve --run ID [--job J]",
        "Approve the deployment waiting for approval, then wait for it like deploy (exit 0/1/3); or a pipeline run's jobs waiting for their environment (--run).",
        [DeliveryCommandSupport.Env, new("id", null, "Deployment id (default: the one waiting)", "ID"), new("comment", "m", "Recorded with the decision", "TEXT"), new("no-wait", null, "Return at once"),
            new("run", null, "A pipeline run whose jobs wait for an approval of their environment", "ID"), new("job", null, "With --run: only this job", "J"), DeliveryCommandSupport.State],
        MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        if (args.Get("run") is { } run)
        {
            return RunCommandSupport.WithClientAsync(args, "approve", async client =>
            {
                var r = await client.ApproveAsync(RunCommandSupport.RunId(run, "approve --run"), new Contracts.Runs.RunApprovalBody(true, args.Get("job"), args.Get("comment")), cancellationToken);
                Console.Out.WriteLine($"run {r.Id}: approved; {r.Status}");
                return ExitCodes.Success;
            });
        }

        var app = DeliveryCommandSupport.RequireApp(args, "approve");
        var env = DeliveryCommandSupport.RequireEnv(args, "approve");
        return DeliveryCommandSupport.WithClientAsync(args, "approve", async client =>
        {
            // The server answers once the deployment has recorded the decision and left the gate, so the wait below
            // starts past it and stops only at the end or at a later gate.
            var d = await client.ApproveAsync(app, env, args.Get("id"), args.Get("comment"), cancellationToken);
            Console.Error.WriteLine($"approved {d.Id} as {d.Approvals?.LastOrDefault()?.By ?? "you"}");
            if (args.Has("no-wait"))
            {
                return DeliveryCommandSupport.ReportRecorded(d);
            }

            return DeliveryCommandSupport.Report(await client.WaitAsync(d.Id, DeliveryCommandSupport.PrintEvent, throughGates: false, cancellationToken));
        });
    }
}
