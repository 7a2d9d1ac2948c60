namespace Catalytic.Cli.Commands;

/// <summary>`catalytic reject APP --env ENV [--id ID]`: stops a waiting deployment; no traffic moves.</summary>
internal sealed class RejectCommand : ICommand
{
    public CommandSpec Spec { get; } = new("reject", "reject APP --env ENV [--id ID]",
        "Reject the deployment waiting for approval (recorded with who and when).",
        [DeliveryCommandSupport.Env, new("id", null, "Deployment id (default: the one waiting)", "ID"), new("comment", "m", "Recorded with the decision", "TEXT"), DeliveryCommandSupport.State],
        MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var app = DeliveryCommandSupport.RequireApp(args, "reject");
        var env = DeliveryCommandSupport.RequireEnv(args, "reject");
        return DeliveryCommandSupport.WithClientAsync(args, "reject", async client =>
        {
            var d = await client.RejectAsync(app, env, args.Get("id"), args.Get("comment"), cancellationToken);
            var done = await client.WaitAsync(d.Id, null, throughGates: false, cancellationToken);
            Console.Out.WriteLine($"{done.Id} {done.State}: {done.Reason}");
            return ExitCodes.Success;
        });
    }
}
