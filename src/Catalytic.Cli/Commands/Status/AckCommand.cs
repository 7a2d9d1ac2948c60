namespace Catalytic.Cli.Commands.Status;

/// <summary>`catalytic ack ID`: acknowledges an alert, which stops its repeats and its escalation.</summary>
internal sealed class AckCommand : ICommand
{
    public CommandSpec Spec { get; } = new("ack", "ack ID",
        "Acknowledge a firing alert (ID from `catalytic alerts`): it is no longer repeated or escalated; it still resolves as usual.",
        [DeliveryCommandSupport.State], MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var id = args.Positional(0) ?? throw new UsageException("ID is required (usage: catalytic ack ID; see catalytic alerts)");
        return StatusCommandSupport.WithClientAsync(args, "ack", async client =>
        {
            var a = await client.AckAsync(id, cancellationToken);
            Console.Out.WriteLine($"{a.Id} acknowledged by {a.AckedBy}: {a.Summary}");
            return ExitCodes.Success;
        });
    }
}
